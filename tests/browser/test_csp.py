"""The Content-Security-Policy is a second wall: even markup that slipped through cannot run."""
from __future__ import annotations

from campaign.access import public


def test_injected_inline_script_does_not_run(app, new_page):
    """An inline script and an inline event handler in a page are blocked by the browser."""

    @app.route("/csp-probe")
    @public
    def csp_probe() -> str:
        return (
            "<!doctype html><title>probe</title>"
            "<script>document.title = 'ran'</script>"
            "<img src=x onerror=\"document.title = 'ran'\">"
            "<p id=ok>page</p>"
        )

    page = new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto("/csp-probe")
    page.wait_for_selector("#ok")
    assert page.title() == "probe"
    assert violations  # the browser reported the blocked script
