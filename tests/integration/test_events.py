"""Events: writing an event, private RSVP by mail, capacity and the waiting list, the private place,
reminders, check-in, retention, data rights, the attendees' audience, linked tasks."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from campaign.auth.models import Role
from campaign.events import services as events
from campaign.events.models import Event, EventTask, Rsvp, WalkIn
from campaign.extensions import db
from campaign.newsletter import segments
from campaign.newsletter.models import Subscriber
from campaign.timeutil import to_org, utcnow
from campaign.volunteers.models import Task
from campaign.worker import run_once
from tests.conftest import Client, Inbox, deliver_now
from tests.integration.volunteer_factories import add_member, make_group, make_volunteer, volunteer_client

ZH_BAD_EMAIL = "请输入有效的电子邮箱地址。"


def make_event(group_id: int | None = None, **fields: Any) -> Event:
    if group_id is None:
        group_id = make_group().id
    start = fields.pop("starts_at", utcnow() + timedelta(days=3))
    values: dict[str, Any] = {
        "group_id": group_id, "status": "published", "title": {"zh_Hans": "放映与讨论", "en": "Screening and talk"},
        "area": {"zh_Hans": "上海·徐汇", "en": "Shanghai, Xuhui"}, "place": "徐汇区某路 88 号 2 楼",
        "starts_at": start, "ends_at": start + timedelta(hours=2), "capacity": 2,
        "questions": {"zh_Hans": "你有无障碍方面的需要吗？", "en": "Do you have any access needs?"},
    }
    values.update(fields)
    event = Event(**values)
    db.session.add(event)
    db.session.commit()
    return event


def rsvp(client: Any, event: Event, email: str, nickname: str = "小鹿", **extra: Any) -> Any:
    data = {"nickname": nickname, "email": email, "answer_1": "需要轮椅通道", **extra}
    return client.post(f"/events/{event.id}/rsvp", data=data)


def mailed_path(inbox: Inbox, address: str, part: str) -> str:
    for link in Inbox.links(inbox.last_to(address)):
        if part in link:
            return link.split("127.0.0.1:5000", 1)[1]
    raise AssertionError(f"no {part} link mailed to {address}")


def reply_and_confirm(client: Any, inbox: Inbox, event: Event, email: str, nickname: str = "小鹿") -> str:
    """RSVP, follow the mailed link and press the button; returns the RSVP page's path."""
    assert rsvp(client, event, email, nickname).status_code == 303
    confirm = mailed_path(inbox, email, "/events/confirm/")
    response = client.post(confirm, data={})
    assert response.status_code == 303
    send_event_mail(client.application)
    return str(response.location)


def send_event_mail(app: Any) -> None:
    """What the worker's MAIL lane does after a confirmation's commit: compose, then deliver."""
    run_once(app, {"events.mail_due"})
    deliver_now(app)


def rows(**where: Any) -> list[Rsvp]:
    db.session.expire_all()
    return list(db.session.scalars(select(Rsvp).filter_by(**where).order_by(Rsvp.id)))


def test_organiser_writes_an_event_in_the_organisations_time_zone(app, login_as):
    """Times are typed in ORG_TIMEZONE (Asia/Shanghai) and stored as UTC; the public page shows
    the area, never the exact place."""
    organiser = login_as(Role.ORGANISER)
    group = make_group()
    page = organiser.get("/staff/events/new")
    assert page.status_code == 200
    response = organiser.post("/staff/events/new", data={
        "group_id": group.id, "status": "published", "title-zh_Hans": "工作坊", "title-en": "Workshop",
        "description-zh_Hans": "**带上手机**<script>alert(1)</script>", "starts_at": "2030-05-01T19:00",
        "ends_at": "2030-05-01T21:00", "area-zh_Hans": "上海·徐汇", "area-en": "Shanghai, Xuhui",
        "place": "某路 88 号", "capacity": "20", "questions-zh_Hans": "无障碍需要？",
    })
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert event is not None
    assert event.starts_at == datetime(2030, 5, 1, 11, 0)  # 19:00 in Shanghai is 11:00 UTC
    assert "<script>" not in event.description_html["zh_Hans"]
    assert "<strong>带上手机</strong>" in event.description_html["zh_Hans"]
    public = Client(app, app.response_class).get(f"/events/{event.id}?lang=zh")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "上海·徐汇" in html and "2030-05-01 19:00" in html
    assert "某路 88 号" not in html


def test_a_traditional_chinese_reader_sees_traditional_text_or_the_marked_fallback(app):
    """A zh_Hant reader gets the Traditional text when it is written, else the Simplified one
    marked with its language (span, note and lang on the description)."""
    written = make_event(title={"zh_Hans": "放映与讨论", "zh_Hant": "放映與討論"},
                         description_html={"zh_Hans": "<p>带上手机</p>", "zh_Hant": "<p>帶上手機</p>"})
    fallback = make_event(title={"zh_Hans": "读书会"}, description_html={"zh_Hans": "<p>带上书</p>"})
    reader = Client(app, app.response_class)
    html = reader.get(f"/events/{written.id}?lang=zh-Hant").get_data(as_text=True)
    assert "<h1>放映與討論</h1>" in html and "帶上手機" in html and "fallback-note" not in html
    html = reader.get(f"/events/{fallback.id}?lang=zh-Hant").get_data(as_text=True)
    assert '<h1><span lang="zh-Hans">读书会</span></h1>' in html
    assert 'class="fallback-note' in html and '<div class="event-body" lang="zh-Hans"><p>带上书</p>' in html
    listing = reader.get("/events?lang=zh-Hant").get_data(as_text=True)
    assert "放映與討論</a>" in listing and '<span lang="zh-Hans">读书会</span>' in listing


def test_the_editor_has_a_fieldset_per_language_and_flags_what_is_not_translated(app, login_as):
    """With three languages the editor shows three fieldsets; the missing one is flagged there and
    in the organisers' list."""
    organiser = login_as(Role.ORGANISER)
    event = make_event(title={"zh_Hans": "放映与讨论", "zh_Hant": "放映與討論"},
                       area={"zh_Hans": "线上", "zh_Hant": "線上"}, questions={})
    html = organiser.get(f"/staff/events/{event.id}/edit?lang=en").get_data(as_text=True)
    assert html.count('<fieldset class="card translated">') == 3
    assert 'name="title-zh_Hant"' in html and 'value="放映與討論"' in html
    legend = html.split('<span lang="en">English</span>', 1)[1].split("</legend>", 1)[0]
    assert "Not translated yet" in legend and "Title" in legend
    listing = organiser.get("/staff/events?lang=en").get_data(as_text=True)
    assert "Not translated: English" in listing


def test_event_form_refuses_an_end_before_the_start_and_keeps_what_was_typed(app, login_as):
    organiser = login_as(Role.ORGANISER)
    group = make_group()
    response = organiser.post("/staff/events/new?lang=en", data={
        "group_id": group.id, "status": "draft", "title-zh_Hans": "工作坊", "starts_at": "2030-05-01T19:00",
        "ends_at": "2030-05-01T18:00", "area-zh_Hans": "线上", "capacity": "20"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The end must be after the start." in html
    assert 'value="工作坊"' in html
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_rsvp_is_confirmed_by_mail_and_the_place_goes_only_to_the_confirmed(app, client, inbox):
    """The form answers the same for a new and a known address; the mailed link confirms; the
    confirmation mail carries the place, the code and an .ics; the RSVP page shows them."""
    event = make_event(capacity=5)
    response = rsvp(client, event, "Ann@Example.org ")
    assert response.status_code == 303 and response.location.endswith(f"/events/{event.id}/thanks")
    pending = rows()
    assert len(pending) == 1 and pending[0].status == "pending" and pending[0].email == "ann@example.org"
    assert json.loads(pending[0].answers) == [["你有无障碍方面的需要吗？", "需要轮椅通道"]]
    confirm = mailed_path(inbox, "ann@example.org", "/events/confirm/")
    # Opening the link (as a mail scanner would) takes no place; the button does.
    assert client.get(confirm).status_code == 200
    assert rows()[0].status == "pending"
    page = client.post(confirm, data={})
    assert page.status_code == 303
    send_event_mail(app)
    reply = rows()[0]
    assert reply.status == "confirmed"
    mail = inbox.last_to("ann@example.org")
    text = Inbox.text(mail)
    assert "徐汇区某路 88 号 2 楼" in text and reply.code in text
    attachment = next(part for part in mail.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    ics = attachment.get_content()
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VEVENT" in ics and "88" in ics
    own = client.get(page.location).get_data(as_text=True)
    assert reply.code in own and "徐汇区某路 88 号 2 楼" in own
    # A second reply from the same address: the same answer, no second RSVP, a mail to the owner.
    inbox.clear()
    again = rsvp(client, event, "ann@example.org", nickname="other")
    assert again.status_code == 303 and again.location == response.location
    assert len(rows()) == 1 and rows()[0].nickname == "小鹿"
    assert "/events/rsvp/" in Inbox.text(inbox.last_to("ann@example.org"))


def test_place_is_announced_for_later_and_mailed_at_release(app, client, inbox):
    """With a release time, confirmed attendees see "will be sent on ..." until then; the worker
    mails the place when the time comes, once."""
    event = make_event(capacity=5, place_release_at=utcnow() + timedelta(days=2))
    page = reply_and_confirm(client, inbox, event, "bo@example.org")
    html = client.get(page + "?lang=en").get_data(as_text=True)
    assert "徐汇区某路 88 号" not in html
    assert to_org(event.place_release_at).strftime("%Y-%m-%d %H:%M") in html
    assert "徐汇区某路 88 号" not in Inbox.text(inbox.last_to("bo@example.org"))
    inbox.clear()
    assert events.send_due_mail(now=utcnow()) == 0
    later = event.place_release_at + timedelta(minutes=1)
    assert events.send_due_mail(now=later) == 1
    deliver_now(app)
    assert "徐汇区某路 88 号 2 楼" in Inbox.text(inbox.last_to("bo@example.org"))
    assert events.send_due_mail(now=later) == 0


def test_capacity_then_waiting_list_that_moves_up_on_cancel(app, client, inbox):
    event = make_event(capacity=2)
    pages = [reply_and_confirm(client, inbox, event, f"p{n}@example.org", f"人{n}") for n in range(3)]
    assert [r.status for r in rows()] == ["confirmed", "confirmed", "waiting"]
    assert "候补名单上（第 1 位）" in Inbox.text(inbox.last_to("p2@example.org"))
    db.session.refresh(event)
    assert event.confirmed_count == 2 and event.rsvp_count == 3
    cancel = pages[0].replace("127.0.0.1:5000", "").split("localhost", 1)[-1] + "/cancel"
    cancel = cancel[cancel.index("/events/"):]
    assert client.get(cancel).status_code == 200
    assert client.post(cancel, data={}).status_code == 303
    send_event_mail(app)
    left = rows()
    assert [(r.email, r.status) for r in left] == [("p1@example.org", "confirmed"), ("p2@example.org", "confirmed")]
    assert "你获得了空出的名额" in str(inbox.last_to("p2@example.org")["Subject"])
    db.session.refresh(event)
    assert event.confirmed_count == 2
    # The cancelled link no longer opens anything.
    assert client.get(cancel).status_code == 400


def test_concurrent_confirmations_never_exceed_capacity(app, client, inbox):
    """Twenty people confirm at once for five places: five confirmed, fifteen waiting."""
    event = make_event(capacity=5)
    for n in range(20):
        db.session.add(Rsvp(event_id=event.id, email=f"c{n}@example.org", nickname=f"c{n}", code=f"C{n:05d}",
                            created_at=utcnow()))
    db.session.commit()
    ids = [r.id for r in rows()]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(ids))

    def confirm(rsvp_id: int) -> None:
        try:
            barrier.wait()
            with app.app_context():
                reply = db.session.get(Rsvp, rsvp_id)
                assert reply is not None
                events.confirm(reply)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    statuses = [r.status for r in rows()]
    assert statuses.count("confirmed") == 5 and statuses.count("waiting") == 15
    db.session.refresh(event)
    assert event.confirmed_count == 5 and event.rsvp_count == 20


def test_rsvp_after_the_deadline_keeps_what_was_typed(app, client, inbox):
    event = make_event(rsvp_deadline=utcnow() - timedelta(minutes=1))
    response = client.post(f"/events/{event.id}/rsvp?lang=en",
                           data={"nickname": "Mia", "email": "mia@example.org", "answer_1": "step-free"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Replies for this event have closed." in html
    assert 'value="Mia"' in html and 'value="mia@example.org"' in html and "step-free" in html
    assert rows() == []


def test_mail_is_in_the_repliers_language_or_its_marked_fallback(app, client, inbox):
    """A zh_Hant reader's mails give the Traditional title when written, else the Simplified one
    marked with its language in the HTML part."""
    written = make_event(capacity=5, title={"zh_Hans": "放映与讨论", "zh_Hant": "放映與討論"})
    client.post(f"/events/{written.id}/rsvp?lang=zh-Hant", data={"nickname": "小鹿", "email": "hant@example.org"})
    mail = inbox.last_to("hant@example.org")
    assert "放映與討論" in str(mail["Subject"]) and "放映與討論" in Inbox.text(mail)
    fallback = make_event(capacity=5, title={"zh_Hans": "读书会"})
    client.post(f"/events/{fallback.id}/rsvp?lang=zh-Hant", data={"nickname": "小鹿", "email": "hans@example.org"})
    mail = inbox.last_to("hans@example.org")
    assert "读书会" in str(mail["Subject"])
    html = mail.get_body(("html",)).get_content()
    assert '<span lang="zh-Hans">读书会</span>' in html


def test_bad_input_gets_a_message_in_the_visitors_language(app, client, inbox):
    event = make_event()
    response = client.post(f"/events/{event.id}/rsvp?lang=zh",
                           data={"nickname": "=HYPERLINK(\"x\")<b>", "email": "not-an-address"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ZH_BAD_EMAIL in html
    # What was typed comes back as text in the field, never as markup.
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert rows() == []


def test_confidential_groups_event_is_seen_only_by_its_members(app, login_as):
    secret = make_group(confidential=True)
    event = make_event(secret.id, title={"zh_Hans": "支持圈", "en": "Support circle"})
    stranger = Client(app, app.response_class)
    assert stranger.get(f"/events/{event.id}").status_code == 404
    assert "支持圈" not in stranger.get("/events?lang=zh").get_data(as_text=True)
    organiser = login_as(Role.ORGANISER)
    assert organiser.get(f"/events/{event.id}").status_code == 404
    assert organiser.get(f"/staff/events/{event.id}").status_code == 404
    admin = login_as(Role.ADMIN, Role.ORGANISER)
    assert admin.get(f"/staff/events/{event.id}").status_code == 200
    member = make_volunteer(vetted=True)
    add_member(secret, member)
    assert volunteer_client(app, member).get(f"/events/{event.id}").status_code == 200
    outsider = make_volunteer()
    assert volunteer_client(app, outsider).get(f"/events/{event.id}").status_code == 404


def test_reminders_a_day_and_two_hours_before_are_sent_once(app, client, inbox):
    start = utcnow() + timedelta(days=3)
    event = make_event(capacity=5, starts_at=start)
    reply_and_confirm(client, inbox, event, "r@example.org")
    inbox.clear()
    assert events.send_due_mail(now=start - timedelta(hours=30)) == 0
    assert events.send_due_mail(now=start - timedelta(hours=23)) == 1
    assert events.send_due_mail(now=start - timedelta(hours=22)) == 0
    deliver_now(app)
    assert "Reminder" in str(inbox.last_to("r@example.org")["Subject"]) or "提醒" in str(
        inbox.last_to("r@example.org")["Subject"])
    assert events.send_due_mail(now=start - timedelta(hours=1, minutes=50)) == 1
    assert events.send_due_mail(now=start - timedelta(hours=1)) == 0
    deliver_now(app)
    assert len(inbox.to("r@example.org")) == 2


def test_check_in_by_nickname_or_code_and_walk_ins(app, client, inbox, login_as):
    event = make_event(capacity=5)
    reply_and_confirm(client, inbox, event, "d1@example.org", "Dora")
    reply_and_confirm(client, inbox, event, "d2@example.org", "小雨")
    organiser = login_as(Role.ORGANISER)
    page = organiser.get(f"/staff/events/{event.id}/check-in?q=dor&lang=en").get_data(as_text=True)
    assert "Dora" in page and "小雨" not in page
    code = rows(email="d2@example.org")[0].code
    page = organiser.get(f"/staff/events/{event.id}/check-in?q={code.lower()}").get_data(as_text=True)
    assert "小雨" in page and "Dora" not in page
    target = rows(email="d2@example.org")[0].id
    assert organiser.post(f"/staff/events/{event.id}/check-in/{target}", data={"q": code}).status_code == 303
    assert organiser.post(f"/staff/events/{event.id}/check-in/{target}", data={"q": code}).status_code == 303
    assert organiser.post(f"/staff/events/{event.id}/walk-in", data={"nickname": "路人"}).status_code == 303
    db.session.refresh(event)
    assert event.checked_in_count == 1 and event.walk_in_count == 1
    assert event.new_people_count == 1  # d2 was not known before


def test_rsvps_are_deleted_after_retention_and_the_counts_stay(app, client, inbox):
    event = make_event(capacity=5)
    reply_and_confirm(client, inbox, event, "old@example.org")
    events.check_in(event, rows()[0].id)
    db.session.add(WalkIn(event_id=event.id, nickname="x"))
    db.session.commit()
    after = event.ends_at + timedelta(days=29)
    assert events.purge(30, now=after) == 0
    assert events.purge(30, now=event.ends_at + timedelta(days=31)) >= 2
    assert rows() == [] and db.session.scalar(select(func.count()).select_from(WalkIn)) == 0
    db.session.refresh(event)
    assert event.confirmed_count == 1 and event.checked_in_count == 1 and event.rsvp_count == 1


def test_data_rights_copy_and_erasure_cover_rsvps(app, client, inbox):
    event = make_event(capacity=1)
    reply_and_confirm(client, inbox, event, "me@example.org")
    reply_and_confirm(client, inbox, event, "next@example.org")
    copy = events.collect_personal_data("me@example.org")
    assert copy[0]["nickname"] == "小鹿" and copy[0]["answers"] == [("你有无障碍方面的需要吗？", "需要轮椅通道")]
    assert events.erase_personal_data("me@example.org") == 1
    db.session.commit()
    assert [(r.email, r.status) for r in rows()] == [("next@example.org", "confirmed")]


def test_attendees_who_opted_in_become_an_audience_and_a_task_links_to_the_event(app, client, inbox, login_as):
    event = make_event(capacity=5)
    assert rsvp(client, event, "yes@example.org", follow_up="y").status_code == 303
    client.post(mailed_path(inbox, "yes@example.org", "/events/confirm/"), data={})
    send_event_mail(app)
    reply_and_confirm(client, inbox, event, "no@example.org")
    for reply in rows():
        events.check_in(event, reply.id)
    admin = login_as(Role.ADMIN, Role.ORGANISER)
    from campaign.auth.models import User

    sender = db.session.scalar(select(User).where(User.email.like("staff%")))
    reached = db.session.scalars(select(Subscriber.email).where(
        Subscriber.id.in_(segments.query(f"event:{event.id}", sender)))).all()
    assert list(reached) == ["yes@example.org"]
    response = admin.post(f"/staff/events/{event.id}/follow-up", data={})
    assert response.status_code == 302 and "/staff/newsletter/issues/" in response.location
    response = admin.post(f"/staff/events/{event.id}/tasks", data={"title": "订场地"})
    assert response.status_code == 302
    task = db.session.scalar(select(Task).join(EventTask, EventTask.task_id == Task.id))
    assert task is not None and task.title == "订场地" and task.group_id == event.group_id
    assert "订场地" in admin.get(f"/staff/events/{event.id}").get_data(as_text=True)


def test_staff_card_figures(app, client, inbox, login_as):
    event = make_event(capacity=5)
    rsvp(client, event, "w@example.org")
    organiser = login_as(Role.ORGANISER)
    html = organiser.get("/staff?lang=en").get_data(as_text=True)
    assert "Upcoming events" in html and "RSVPs awaiting confirmation by mail" in html


def test_report_shows_replies_show_rate_and_new_people_per_event(app, client, inbox, login_as):
    """The events report: per event, RSVPs, arrivals, show rate and new people; CSV and XLSX too."""
    event = make_event(capacity=5, title={"zh_Hans": "放映会"})
    reply_and_confirm(client, inbox, event, "a@example.org", "A")
    reply_and_confirm(client, inbox, event, "b@example.org", "B")
    events.check_in(event, rows(email="a@example.org")[0].id)
    organiser = login_as(Role.ORGANISER)
    html = organiser.get("/reports/events?lang=en").get_data(as_text=True)
    assert "放映会" in html and "50%" in html
    csv = organiser.get("/reports/events/events.csv?lang=en").get_data(as_text=True)
    header, first = csv.splitlines()[:2]
    assert "Show rate" in header and "New people" in header
    assert ",2,2,1,0,0.5,1" in first
    xlsx = organiser.get("/reports/events.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def _event_form(group_id: int, **fields: str) -> dict[str, Any]:
    return {"group_id": group_id, "status": "published", "title-zh_Hans": "小组读书会", "title-en": "Reading circle",
            "starts_at": "2030-05-01T19:00", "ends_at": "2030-05-01T21:00", "area-zh_Hans": "线上",
            "capacity": "10", **fields}


def test_a_lead_writes_and_publishes_an_event_for_their_group(app, inbox):
    """From the volunteer space a lead creates an event for the group they lead, publishes it (it
    shows publicly), edits it, sees its counts and checks people in; it is audit-logged."""
    from campaign.audit.models import AuditEvent

    group = make_group()
    lead = make_volunteer()
    add_member(group, lead, lead=True)
    space = volunteer_client(app, lead)
    assert f"/me/groups/{group.id}/events" in space.get(f"/me/groups/{group.id}").get_data(as_text=True)
    page = space.get(f"/me/groups/{group.id}/events/new?lang=en").get_data(as_text=True)
    assert page.count('<fieldset class="card translated">') == 3
    response = space.post(f"/me/groups/{group.id}/events/new", data=_event_form(group.id))
    assert response.status_code == 302 and response.location.endswith(f"/me/groups/{group.id}/events")
    event = db.session.scalar(select(Event))
    assert event is not None and event.group_id == group.id and event.title["en"] == "Reading circle"
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "event.create"))
    assert entry is not None and entry.actor_id is None and f"by lead {lead.id}" in entry.detail
    public = Client(app, app.response_class).get(f"/events/{event.id}?lang=en").get_data(as_text=True)
    assert "Reading circle" in public
    response = space.post(f"/me/events/{event.id}/edit", data=_event_form(group.id, status="cancelled"))
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.status == "cancelled"
    event.status = "published"
    db.session.commit()
    client = Client(app, app.response_class)
    reply_and_confirm(client, inbox, event, "ann@example.org", "安")
    listing = space.get(f"/me/groups/{group.id}/events?lang=en").get_data(as_text=True)
    assert "Reading circle" in listing and "1 / 10" in listing
    found = space.get(f"/me/events/{event.id}/check-in?q=安").get_data(as_text=True)
    reply = rows()[0]
    assert f"/me/events/{event.id}/check-in/{reply.id}" in found
    assert space.post(f"/me/events/{event.id}/check-in/{reply.id}", data={}).status_code == 303
    assert rows()[0].checked_in_at is not None


def test_members_who_do_not_lead_and_leads_of_other_groups_are_refused(app):
    """A plain member, and the lead of another group, reach none of a group's event pages; a lead
    cannot put an event into a group they do not lead."""
    group, other = make_group(), make_group()
    event = make_event(group.id)
    member, other_lead = make_volunteer(), make_volunteer()
    add_member(group, member)
    add_member(other, other_lead, lead=True)
    for person in (member, other_lead):
        space = volunteer_client(app, person)
        assert space.get(f"/me/groups/{group.id}/events").status_code == 404
        assert space.get(f"/me/groups/{group.id}/events/new").status_code == 404
        assert space.post(f"/me/groups/{group.id}/events/new", data=_event_form(group.id)).status_code == 404
        assert space.get(f"/me/events/{event.id}/edit").status_code == 404
        assert space.post(f"/me/events/{event.id}/edit", data=_event_form(group.id)).status_code == 404
        assert space.get(f"/me/events/{event.id}/check-in").status_code == 404
    assert f"/me/groups/{group.id}/events" not in volunteer_client(app, member).get(
        f"/me/groups/{group.id}").get_data(as_text=True)
    space = volunteer_client(app, other_lead)
    response = space.post(f"/me/groups/{other.id}/events/new", data=_event_form(group.id))
    assert response.status_code == 200 and db.session.scalar(select(func.count()).select_from(Event)) == 1


def test_a_lead_cannot_reach_the_staff_pages(app):
    """Leading a group gives no staff page: those need a staff account."""
    group = make_group()
    event = make_event(group.id)
    lead = make_volunteer()
    add_member(group, lead, lead=True)
    space = volunteer_client(app, lead)
    for path in ("/staff/events", "/staff/events/new", f"/staff/events/{event.id}",
                 f"/staff/events/{event.id}/edit", f"/staff/events/{event.id}/check-in"):
        response = space.get(path)
        assert response.status_code == 302 and "/login" in response.location, path


def test_cancelling_an_event_tells_everyone_who_holds_or_awaits_a_place(app, client, inbox, login_as):
    """Cancelling mails the confirmed and the waiting, each in their language, once; someone who
    never followed their confirmation link gets nothing (their address was never proven)."""
    event = make_event(capacity=1)
    reply_and_confirm(client, inbox, event, "first@example.org", "一")
    reply_and_confirm(client, inbox, event, "second@example.org", "二")
    assert rsvp(client, event, "never@example.org", "三").status_code == 303
    assert [r.status for r in rows()] == ["confirmed", "waiting", "pending"]
    staff = login_as(Role.ORGANISER)
    start, end = (to_org(t).strftime("%Y-%m-%dT%H:%M") for t in (event.starts_at, event.ends_at))
    cancelled = _event_form(event.group_id, status="cancelled", starts_at=start, ends_at=end, capacity="1")
    inbox.clear()
    assert staff.post(f"/staff/events/{event.id}/edit", data=cancelled).status_code == 302
    send_event_mail(app)
    assert sorted(str(m["To"]) for m in inbox.messages) == ["first@example.org", "second@example.org"]
    assert "已取消" in str(inbox.last_to("first@example.org")["Subject"])
    # Saving the cancelled event again sends nothing more.
    inbox.clear()
    assert staff.post(f"/staff/events/{event.id}/edit", data=cancelled).status_code == 302
    send_event_mail(app)
    assert inbox.messages == []
