"""The survivor's side: the questionnaire, the receipt code and the status page."""
import re

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.intake import services as intake
from campaign.intake.models import CaseMessage, HelpRequest
from campaign.intake.takedowns import services as tracker
from campaign.intake.takedowns.models import Takedown
from tests.integration.intake_fixtures import caseworker_client, intake_key, submit_help  # noqa: F401


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_questionnaire_needs_one_answer_only(client, intake_key):
    """Everything but "what happened" may be left out; a missing answer is explained, not lost."""
    page = client.get("/help?lang=en")
    assert page.status_code == 200
    assert 'type="file"' not in page.text and "Never send the images" in page.text
    response = client.post("/help?lang=en", data={"where": "keep this text", "contact_method": "none"})
    assert response.status_code == 200 and "Choose at least one" in response.text
    assert "keep this text" in response.text
    assert _count(HelpRequest) == 0
    response = client.post("/help?lang=en", data={"kinds": ["other"], "contact_method": "email"})
    assert "Tell us where to reach you" in response.text and _count(HelpRequest) == 0
    submit_help(client, kinds=["other"])
    assert _count(HelpRequest) == 1


def test_honeypot_stores_nothing(client, intake_key):
    """A bot filling the hidden field gets a normal-looking answer and nothing is stored."""
    response = client.post("/help", data={"kinds": ["other"], "contact_method": "none", "website": "http://spam"})
    assert response.status_code == 200 and "receipt-code" in response.text
    assert _count(HelpRequest) == 0


def test_code_shows_status_and_replies_and_takes_answers(client, caseworker_client, intake_key):
    """With the code alone a survivor sees the status, reads the team's reply and writes back."""
    code = submit_help(client, where="t.me/abc")
    req = db.session.scalars(select(HelpRequest)).one()
    page = client.post("/help/status?lang=en", data={"code": code})
    assert page.status_code == 200 and "New" in page.text and "No messages yet" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert code not in page.headers.get("Location", "") and code not in client.get("/help/status").text

    worker = caseworker_client(unlocked=False)  # replying needs no unlock
    worker.post(f"/cases/{req.id}/message", data={"text": "我们已经向平台举报。"})
    worker.post(f"/cases/{req.id}/update", data={"status": "in_progress", "assignee": "", "tags": ""})

    typed = " " + code.lower().replace("-", " ") + " "
    page = client.post("/help/status?lang=en", data={"code": typed})
    assert "我们已经向平台举报。" in page.text and "In progress" in page.text

    page = client.post("/help/status/reply?lang=en", data={"code": code, "text": "谢谢，链接还在。"})
    assert page.status_code == 200 and "谢谢，链接还在。" in page.text
    db.session.expire_all()
    assert db.session.get(HelpRequest, req.id).unread is True

    unlocked = caseworker_client(unlocked=True)
    assert "谢谢，链接还在。" in unlocked.get(f"/cases/{req.id}").text


def test_a_wrong_code_shows_nothing(client, intake_key):
    """A mistyped or guessed code reveals no request and no reply."""
    submit_help(client)
    response = client.post("/help/status?lang=en", data={"code": "0000-0000-0000-0000-0000"})
    assert response.status_code == 404 and "No request matches" in response.text
    response = client.post("/help/status/reply", data={"code": "nonsense", "text": "x"})
    assert response.status_code == 404
    assert _count(CaseMessage) == 0


def test_survivor_deletes_the_request_now(client, caseworker_client, intake_key):
    """Deletion on request is immediate: answers, messages and notes go; takedown figures stay without the link."""
    code = submit_help(client, where="t.me/abc")
    req = db.session.scalars(select(HelpRequest)).one()
    worker = caseworker_client(unlocked=True)
    worker.post(f"/cases/{req.id}/note", data={"text": "note"})
    client.post("/help/status/reply", data={"code": code, "text": "hi"})
    tracker.create(
        intake.keyring(), tracker.Entry("telegram", "partner", "t.me/abc", req.received_week, "REF-1"), None, req.id
    )

    unconfirmed = client.post("/help/status/delete?lang=en", data={"code": code})
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    assert _count(HelpRequest) == 1

    done = client.post("/help/status/delete?lang=en", data={"code": code, "confirm": "y"})
    assert done.status_code == 200 and "was deleted" in done.text
    assert _count(HelpRequest) == 0 and _count(CaseMessage) == 0
    row = db.session.scalars(select(Takedown)).one()
    assert row.request_id is None and row.details_box is None and row.target == "" and row.reference == ""
    assert row.platform == "telegram"
    assert client.post("/help/status", data={"code": code}).status_code == 404


def test_form_is_closed_until_a_key_exists(client):
    """Without a key pair nothing could be stored safely, so the form says it is not open."""
    assert client.get("/help").status_code == 503


def test_receipt_code_is_one_unbroken_line_offered_as_a_printable_page(client, intake_key):
    """The code is shown in groups in one monospace element that never wraps, and a printable page
    (no menus, never cached) carries only the code and how to check the status; the code travels
    in the POST body, never in an address."""
    code = submit_help(client, kinds=["other"])
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){3}", code)
    css = client.get("/static/css/site.css").text
    assert re.search(r"\.receipt-code code \{[^}]*white-space: nowrap", css)
    printable = client.post("/help/receipt?lang=en", data={"code": code.lower().replace("-", " "), "view": "print"})
    assert printable.status_code == 200 and printable.headers["Cache-Control"] == "no-store"
    text = printable.text
    assert f'id="receipt-code"><code>{code}</code>' in text
    assert "/help/status" in text and "status page" in text
    assert "<nav" not in text and "<header" not in text and "<form" not in text
    assert code not in (printable.headers.get("Location") or "")
    assert client.post("/help/receipt", data={"code": "not a code", "view": "print"}).status_code == 400
    assert _count(HelpRequest) == 1  # showing the code again never submits anything


def test_switching_language_on_the_receipt_keeps_the_code(client, intake_key):
    """The language switch on the receipt sends the code back in a form: the same receipt comes back
    in the other language, not the empty questionnaire."""
    response = client.post("/help?lang=en", data={"kinds": ["other"], "contact_method": "none"})
    code = re.search(r'id="receipt-code"><code>([^<]+)</code>', response.text).group(1)
    switch = response.text[response.text.index('class="lang-switch"'):]
    switch = switch[:switch.index("</nav>")]
    assert 'action="/help/receipt"' in switch and 'name="_lang" value="zh-Hans"' in switch
    assert f'value="{code}"' in switch
    again = client.post("/help/receipt", data={"code": code, "_lang": "zh-Hans"})
    assert again.status_code == 200 and '<html lang="zh-Hans">' in again.text
    assert f'id="receipt-code"><code>{code}</code>' in again.text
    assert _count(HelpRequest) == 1
