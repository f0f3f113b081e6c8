"""The JSON API: keys and scopes, revocation and expiry, per-key limits, JSON errors, cursor
pages, people who opted in, the audit log, and no cookies under /api/."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign.api import keys
from campaign.api.models import ApiKey
from campaign.audit.models import AuditEvent
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter.models import Issue, Subscriber, SubscriberStatus
from campaign.petitions.models import Petition, Signature
from campaign.timeutil import utcnow
from campaign.volunteers.models import Volunteer
from tests.petitions_support import make_petition


@pytest.fixture()
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture()
def token(admin):
    def make(*scopes: str) -> str:
        return keys.create("partner", scopes, None, admin)[1]

    return make


def _get(client, path, tok=None, **kw):
    headers = {"Authorization": f"Bearer {tok}"} if tok else {}
    return client.get(path, headers=headers, **kw)


def _post(client, path, tok, body=None, raw=None, **kw):
    headers = {"Authorization": f"Bearer {tok}", "Content-Type": "application/json"}
    data = raw if raw is not None else json.dumps(body)
    return client.post(path, headers=headers, data=data, **kw)


def _error(response, code, reason=None):
    """The JSON error answer: the status as `code`, a message, and a stable snake_case `reason`
    (the one the API names for this case, when given)."""
    assert response.status_code == code, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code and body["message"]
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", body["reason"]), body
    if reason is not None:
        assert body["reason"] == reason, body
    return body


def test_calls_without_a_valid_key_get_401_in_json(client, token):
    """No key, a made-up key, or a key with a wrong secret: 401 JSON with a Bearer challenge."""
    make_petition()
    good = token("petitions:read")
    client.application.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 answers, as outside tests
    odd = ("cmp_a\x00b_c", "cmp_\ud800_c", "cmp_éé_c", "cmp_" + "a" * 300 + "_c", good.replace("_", " ", 1))
    for tok in (None, "nonsense", "cmp_abc_def", good[:-2] + "xx", *odd):
        response = _get(client, "/api/v1/petitions", tok)
        _error(response, 401, "key_invalid")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert _get(client, "/api/v1/petitions", good).status_code == 200
    # OSDI's header is accepted too.
    assert client.get("/api/v1/petitions", headers={"OSDI-API-Token": good}).status_code == 200


def test_a_key_reaches_only_its_scopes(client, token):
    """A key without people:read cannot list people (403), whatever else it holds."""
    tok = token("petitions:read", "signatures:write")
    body = _error(_get(client, "/api/v1/people/subscribers", tok), 403, "scope_missing")
    assert "people:read" in body["message"]


def test_a_revoked_or_expired_key_stops_at_once(client, admin, token):
    """Revocation takes effect on the next call (no cache); an expired key is refused too."""
    tok = token("petitions:read")
    assert _get(client, "/api/v1/petitions", tok).status_code == 200
    key = db.session.scalar(select(ApiKey))
    keys.revoke(key.id, admin)
    _error(_get(client, "/api/v1/petitions", tok), 401)

    key2, tok2 = keys.create("short", ["petitions:read"], utcnow() + timedelta(hours=1), admin)
    assert _get(client, "/api/v1/petitions", tok2).status_code == 200
    db.session.get(ApiKey, key2.id).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _error(_get(client, "/api/v1/petitions", tok2), 401)


def test_the_key_is_stored_only_as_a_keyed_hash(admin):
    """The database never holds the token, nor its plain SHA-256."""
    import hashlib

    key, tok = keys.create("partner", ["petitions:read"], None, admin)
    row = db.session.get(ApiKey, key.id)
    assert tok not in (row.token_hash, row.prefix)
    assert row.token_hash != hashlib.sha256(tok.encode()).hexdigest()
    assert tok.startswith(f"cmp_{row.prefix}_")


def test_each_key_has_its_own_rate_limit(make_app, client, token):
    """Over API_RATE_PER_MINUTE calls a minute, the key gets 429 JSON; another key is unaffected."""
    client.application.config["API_RATE_PER_MINUTE"] = 3
    busy, calm = token("petitions:read"), token("petitions:read")
    codes = [_get(client, "/api/v1/petitions", busy).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    _error(_get(client, "/api/v1/petitions", busy), 429, "rate_limited")
    assert _get(client, "/api/v1/petitions", calm).status_code == 200


def test_errors_under_api_are_json_never_html(client, token):
    """404, 405, 400 (bad JSON), 413 (large body), 422 (field messages): all JSON with a code."""
    petition = make_petition()
    tok = token("petitions:read", "signatures:write")
    _error(_get(client, "/api/v1/nothing-here", tok), 404, "not_found")
    _error(_get(client, "/api/v1/petitions/99999", tok), 404, "not_found")
    _error(client.delete("/api/v1/petitions", headers={"Authorization": f"Bearer {tok}"}), 405, "method_not_allowed")
    path = f"/api/v1/petitions/{petition.id}/signatures"
    _error(_post(client, path, tok, raw="{not json"), 400, "bad_request")
    _error(_post(client, path, tok, raw=json.dumps({"name": "x" * 200_000, "email": "a@example.org"})), 413,
           "request_entity_too_large")
    body = _error(_post(client, path, tok, {"email": "not an address", "display": "<b>"}), 422, "unprocessable_entity")
    assert set(body["errors"]["json"]) >= {"email", "name", "display"}
    _error(_get(client, "/api/v1/petitions?limit=0", tok), 422)
    _error(_get(client, "/api/v1/petitions?modified_since=yesterday", tok), 422)
    _error(_get(client, "/api/v1/petitions?cursor=%%%", tok), 400, "invalid_cursor")
    assert db.session.scalar(select(db.func.count(Signature.id))) == 0


def test_no_cookie_is_ever_set_under_api(client, token):
    """API answers set no session or language cookie, whatever the request carries."""
    make_petition()
    tok = token("petitions:read")
    for response in (
        _get(client, "/api/v1/petitions?lang=en", tok),
        _get(client, "/api/v1/petitions", None),
        client.get("/api/v1/?lang=en"),
        client.get("/api/v1/openapi.json"),
    ):
        assert "Set-Cookie" not in response.headers


def test_cursor_pages_walk_every_item_once_and_modified_since_filters(client, admin, token):
    """Walking pages by next_cursor returns each petition once, in modification order."""
    for n in range(7):
        make_petition(slug=f"p{n}")
    make_petition(slug="draft", status="draft")
    tok = token("petitions:read")
    seen, url = [], "/api/v1/petitions?limit=3"
    while url:
        body = _get(client, url, tok).get_json()
        seen += [p["slug"] for p in body["items"]]
        nxt = body["_links"]["next"]
        url = nxt["href"].replace("http://127.0.0.1:5000", "") if nxt else None
    assert sorted(seen) == sorted(f"p{n}" for n in range(7))  # each once; drafts never
    future = (utcnow() + timedelta(days=1)).isoformat() + "Z"
    assert _get(client, f"/api/v1/petitions?modified_since={future}", tok).get_json()["items"] == []


def test_people_lists_only_those_who_opted_in_and_every_read_is_audited(client, token):
    """Subscribers: confirmed only. Volunteers: confirmed and agreed to contact; no groups.
    Each call that returns personal data leaves an audit entry naming the key."""
    now = utcnow()
    db.session.add_all([
        Subscriber(email="in@example.org", status=SubscriberStatus.CONFIRMED.value, confirmed_at=now),
        Subscriber(email="pending@example.org", status=SubscriberStatus.PENDING.value),
        Subscriber(email="left@example.org", status=SubscriberStatus.UNSUBSCRIBED.value),
        Volunteer(email="yes@example.org", nickname="Yes", consent_contact=True, confirmed_at=now),
        Volunteer(email="no@example.org", nickname="No", consent_contact=False, confirmed_at=now),
        Volunteer(email="new@example.org", nickname="New", consent_contact=True),
    ])
    db.session.commit()
    tok = token("people:read")
    subs = _get(client, "/api/v1/people/subscribers", tok).get_json()["items"]
    assert [s["email"] for s in subs] == ["in@example.org"]
    vols = _get(client, "/api/v1/people/volunteers", tok).get_json()["items"]
    assert [v["email"] for v in vols] == ["yes@example.org"]
    assert "groups" not in json.dumps(vols) and "memberships" not in json.dumps(vols)
    key_id = db.session.scalar(select(ApiKey.id))
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.personal_data")).all()
    assert [(e.target_type, e.target_id) for e in audited] == [("api_key", str(key_id))] * 2


def test_signatures_created_through_the_api_mail_the_signer_within_the_daily_cap(client, token, inbox, app):
    """signatures:write makes a pending signature and the usual confirmation mail; the same
    address signing again gets the same answer and no extra mail beyond the per-address cap."""
    from tests.petitions_support import send_mail

    petition = make_petition()
    tok = token("signatures:write")
    path = f"/api/v1/petitions/{petition.id}/signatures"
    first = _post(client, path, tok, {"email": "Mei@Example.org", "name": "Mei"})
    again = _post(client, path, tok, {"email": "mei@example.org", "name": "Mei"})
    assert first.status_code == again.status_code == 202
    assert first.get_json() == again.get_json() == {"status": "pending", "id": None}
    send_mail(app)
    assert len(inbox.to("mei@example.org")) == 1
    assert db.session.get(type(petition), petition.id).signature_count == 0


def test_an_unexpected_failure_is_a_json_500_and_rolls_back(client, token, monkeypatch):
    """A bug in a view answers 500 in JSON (not an HTML page), as in production."""
    from campaign.api import services

    def broken(args):
        raise RuntimeError("bug")

    client.application.config["PROPAGATE_EXCEPTIONS"] = False  # as outside tests
    monkeypatch.setattr(services, "list_petitions", broken)
    _error(_get(client, "/api/v1/petitions", token("petitions:read")), 500)


def test_translated_fields_are_objects_keyed_by_locale_code(client, token):
    """A petition's and an issue's texts come keyed by locale code, in every language written and no other."""
    petition = Petition(slug="three", status="open", goal=10,
                        title={"zh_Hans": "简体标题", "zh_Hant": "繁體標題", "en": "A title"},
                        summary={"zh_Hans": "摘要"}, target={})
    db.session.add(petition)
    db.session.add(Issue(subject={"zh_Hans": "第一期", "zh_Hant": "第一期（繁）"}, body={"zh_Hans": "正文"},
                         status="sent", published=True, finished_at=utcnow()))
    db.session.commit()
    item = _get(client, "/api/v1/petitions", token("petitions:read")).get_json()["items"][0]
    assert item["title"] == {"zh_Hans": "简体标题", "zh_Hant": "繁體標題", "en": "A title"}
    assert item["summary"] == {"zh_Hans": "摘要"} and item["target"] == {}
    issue = _get(client, "/api/v1/newsletters", token("newsletters:read")).get_json()["items"][0]
    assert issue["subject"] == {"zh_Hans": "第一期", "zh_Hant": "第一期（繁）"}


def test_a_signature_takes_any_configured_locale_and_no_other(client, token):
    """`locale` accepts each configured language (zh_Hant too) and refuses one that is not configured."""
    petition = Petition(slug="locale", status="open", goal=10, title={"zh_Hans": "标题"})
    db.session.add(petition)
    db.session.commit()
    tok = token("signatures:write", "signatures:import")
    body = {"email": "fan@example.org", "name": "Fan", "locale": "zh_Hant", "confirmed": True}
    assert _post(client, f"/api/v1/petitions/{petition.id}/signatures", tok, body).status_code in (200, 201)
    assert db.session.scalar(select(Signature.locale).where(Signature.email == "fan@example.org")) == "zh_Hant"
    refused = _post(client, f"/api/v1/petitions/{petition.id}/signatures", tok, {**body, "email": "x@example.org",
                                                                                   "locale": "fr"})
    _error(refused, 422)


def _cursor(raw: str) -> str:
    import base64

    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def test_bad_input_of_every_kind_is_a_json_error_never_a_500(client, token):
    """Wrong types, unknown fields (in the body and the query), a body that is not an object, text
    no column can hold (NUL, a lone surrogate), JSON nested too deeply, a cursor this API never made
    and a modified_since with no UTC time: each is a JSON error with a code and message, on SQLite
    and PostgreSQL alike, and nothing is stored."""
    client.application.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 answers, as outside tests
    petition = make_petition()
    tok = token("petitions:read", "signatures:read", "signatures:write", "people:read")
    path = f"/api/v1/petitions/{petition.id}/signatures"
    sent = {
        '{"email": 5, "name": ["Mei"]}': ("email", "name"),
        '{"email": "mei@example.org", "name": "Mei", "extra": 1}': ("extra",),
        '{"email": "mei@example.org", "name": "Mei", "confirmed": "perhaps"}': ("confirmed",),
        '{"email": "mei@example.org", "name": "Mei\\u0000Chen"}': ("name",),
        '{"email": "mei@example.org", "name": "Mei", "comment": "\\ud800"}': ("comment",),
        '{"email": "mei@example.org", "name": "Mei", "region": 1e999}': ("region",),
    }
    for raw, named in sent.items():
        body = _error(_post(client, path, tok, raw=raw), 422)
        assert set(body["errors"]["json"]) == set(named), raw
    for raw in ("[1, 2]", '"Mei"', "null"):
        assert "_schema" in _error(_post(client, path, tok, raw=raw), 422)["errors"]["json"]
    _error(_post(client, path, tok, raw="[" * 5000 + "]" * 5000), 400)

    assert "modifed_since" in _error(_get(client, "/api/v1/petitions?modifed_since=2026-01-01", tok),
                                     422)["errors"]["query"]
    for since in ("0001-01-01T00:00:00%2B05:00", "9999-12-31T23:59:59-05:00"):
        _error(_get(client, f"/api/v1/petitions?modified_since={since}", tok), 422)
    for cursor in ("2026-01-01T00:00:00|99999999999999999999", "2026-01-01T00:00:00|-1",
                   "2026-01-01T00:00:00+05:00|1", "2026-01-01T00:00:00", "not a time|1"):
        for listing in ("/api/v1/petitions", path, "/api/v1/people/subscribers"):
            _error(_get(client, f"{listing}?cursor={_cursor(cursor)}", tok), 400)
    assert _get(client, "/api/v1/petitions?lang=en&limit=5", tok).status_code == 200  # known parameters pass
    assert db.session.scalar(select(db.func.count(Signature.id))) == 0


def test_a_signed_in_session_does_not_authenticate_an_api_write_and_csrf_does_not_block_a_key(
        app, login_as, token):
    """An admin's session cookie (and its CSRF token) opens no API door: 401 without a key. A key
    alone, with no cookie or CSRF token, writes (API views are exempt from CSRF: nothing rides on
    a cookie there)."""
    petition = make_petition()
    path = f"/api/v1/petitions/{petition.id}/signatures"
    body = json.dumps({"email": "mei@example.org", "name": "Mei"})
    admin = login_as(Role.ADMIN)
    assert admin.get("/staff/api/keys").status_code == 200  # the session is live
    refused = admin.post(path, data=body, headers={"Content-Type": "application/json",
                                                   "X-CSRFToken": admin.csrf_token()})
    _error(refused, 401)
    assert db.session.scalar(select(db.func.count(Signature.id))) == 0
    fresh = app.test_client()
    accepted = fresh.post(path, data=body, headers={"Content-Type": "application/json",
                                                    "Authorization": f"Bearer {token('signatures:write')}"})
    assert accepted.status_code == 202, accepted.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Signature.id))) == 1


def test_people_never_show_a_confidential_groups_membership(client, token):
    """A volunteer in a confidential group (and an open one) is listed as a volunteer; neither
    group's name nor id appears, whatever scopes the key holds."""
    from tests.integration.volunteer_factories import add_member, make_group, make_volunteer

    secret = make_group(confidential=True, name={"zh_Hans": "幸存者互助组", "en": "Survivors circle"})
    shown = make_group(name={"zh_Hans": "政策倡导组", "en": "Policy group"})
    volunteer = make_volunteer(vetted=True, consent_contact=True)
    add_member(secret, volunteer)
    add_member(shown, volunteer)
    everything = ("petitions:read", "signatures:read", "people:read", "events:read", "rsvps:read",
                  "newsletters:read")
    response = _get(client, "/api/v1/people/volunteers", token(*everything))
    (item,) = response.get_json()["items"]
    assert item["email"] == volunteer.email
    text = response.get_data(as_text=True)
    assert "Survivors circle" not in text and "幸存者互助组" not in text and "Policy group" not in text
    assert not {"groups", "memberships", "interests", "tags"} & set(item)


def test_every_list_walks_by_cursor_once_each_and_modified_since_keeps_later_changes(client, token):
    """Signatures and subscribers (whose times are the confirmation's) walk by next_cursor, two at a
    time, each item once; modified_since keeps those changed at or after the time given, in any zone."""
    now = utcnow().replace(microsecond=0)
    petition = make_petition()
    for n in range(5):
        at = now - timedelta(hours=5 - n)
        db.session.add(Signature(petition_id=petition.id, email=f"s{n}@example.org", name=f"S{n}",
                                 status="confirmed", confirmed_at=at))
        db.session.add(Subscriber(email=f"r{n}@example.org", status=SubscriberStatus.CONFIRMED.value,
                                  confirmed_at=at))
    db.session.commit()
    tok = token("signatures:read", "people:read")
    for path in (f"/api/v1/petitions/{petition.id}/signatures", "/api/v1/people/subscribers"):
        seen, url = [], f"{path}?limit=2"
        while url:
            body = _get(client, url, tok).get_json()
            seen += [item["email"] for item in body["items"]]
            nxt = body["_links"]["next"]
            url = nxt["href"].replace("http://127.0.0.1:5000", "") if nxt else None
        assert len(seen) == 5 and len(set(seen)) == 5, (path, seen)
        since = (now - timedelta(hours=3)).isoformat() + "Z"
        later = _get(client, f"{path}?modified_since={since.replace('+', '%2B')}", tok).get_json()["items"]
        assert [item["email"][1] for item in later] == ["2", "3", "4"], path
        shanghai = (now - timedelta(hours=3) + timedelta(hours=8)).isoformat() + "%2B08:00"
        assert _get(client, f"{path}?modified_since={shanghai}", tok).get_json()["items"] == later


def test_a_blocked_or_departed_volunteer_is_never_handed_to_partners(client, token):
    """Staff blocked them, or they left: nothing of ours contacts them, so no partner gets their
    address either, from a list or a webhook."""
    from campaign.api import payloads

    now = utcnow()
    people = [
        Volunteer(email="ok@example.org", nickname="Ok", consent_contact=True, confirmed_at=now, status="active"),
        Volunteer(email="blocked@example.org", nickname="B", consent_contact=True, confirmed_at=now, status="blocked"),
        Volunteer(email="gone@example.org", nickname="G", consent_contact=True, confirmed_at=now, status="left"),
    ]
    db.session.add_all(people)
    db.session.commit()
    items = _get(client, "/api/v1/people/volunteers", token("people:read")).get_json()["items"]
    assert [v["email"] for v in items] == ["ok@example.org"]
    scopes = frozenset({"people:read"})
    assert [payloads.volunteer(str(p.id), scopes) is not None for p in people] == [True, False, False]


def test_conflicts_answer_409_and_a_repeated_import_mails_nobody(client, token, inbox, app):
    """A trusted import of an address that signed already is a 409 (the import may be run again
    safely: the signer gets no mail at all); a petition that is not open is a 409 too."""
    from tests.petitions_support import send_mail

    petition = make_petition()
    closed = make_petition(slug="closed", status="closed")
    tok = token("signatures:write", "signatures:import")
    body = {"email": "lin@example.org", "name": "Lin", "confirmed": True}
    path = f"/api/v1/petitions/{petition.id}/signatures"
    assert _post(client, path, tok, body).status_code == 201
    assert "signed this petition already" in _error(_post(client, f"{path}?lang=en", tok, body), 409,
                                                    "already_signed")["message"]
    # The reason is the same whatever the language of the message: a script acts on it.
    assert "已" in _error(_post(client, f"{path}?lang=zh", tok, body), 409, "already_signed")["message"]
    send_mail(app)
    assert inbox.to("lin@example.org") == []
    _error(_post(client, f"/api/v1/petitions/{closed.id}/signatures", tok, {**body, "email": "x@example.org"}), 409,
           "petition_closed")
    assert db.session.get(Petition, petition.id).signature_count == 1
