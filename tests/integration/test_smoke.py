def test_home_and_health(client):
    """The public home page renders and the health check reports a reachable database."""
    assert client.get("/").status_code == 200
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
