"""Demo data: a past screening with its attendance, an upcoming workshop, and a circle of a
confidential group (shown only to its members)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from campaign.content import demo_texts
from campaign.events.models import Event, EventStatus, Rsvp, RsvpStatus, WalkIn
from campaign.events.services import CODE_ALPHABET
from campaign.extensions import db
from campaign.markup import render_translations
from campaign.timeutil import utcnow
from campaign.volunteers.models import WorkingGroup

NICKS = ["小鹿", "阿青", "Mia", "木木", "Sunny", "豆豆", "Lin", "七七", "橙子", "Kiki", "阿April", "小周", "Echo",
         "糖糖", "Yu", "南风", "Jo", "小雨", "Ning", "栗子", "Wen", "一一", "Tao", "米粒", "Ray", "山山"]

SCREENING_ZH = """\
放映纪录片《沉默的镜头》（片长 70 分钟），之后是一小时的讨论：
偷拍和“开盒”之后，受害者能做什么？平台和执法机关应当做什么？

- 现场不拍照、不录音；
- 可以只用昵称，不需要介绍自己；
- 有需要时可以随时离开，志愿者会在门口。
"""
SCREENING_EN = """\
A screening of the documentary *Silent Lens* (70 minutes), then an hour of discussion:
after covert filming and doxxing, what can survivors do, and what must platforms and the police do?

- No photos or recordings in the room;
- a nickname is enough, nobody has to introduce themselves;
- you may leave at any time; volunteers are at the door.
"""
WORKSHOP_ZH = """\
一起学习如何在常见平台上**举报并追踪**偷拍与深度伪造内容：截图取证、举报表格、跟进记录。
请带上手机或电脑。我们不会查看任何人的手机内容。
"""
WORKSHOP_EN = """\
Learn together how to **report and follow up** covert recordings and deepfakes on the common
platforms: keeping evidence, the report forms, keeping a record. Bring a phone or laptop; nobody
will look at what is on yours.
"""
CIRCLE_ZH = "小组成员的月度支持圈：分享近况、互相支持，内容不外传。"
CIRCLE_EN = "The group's monthly support circle: news, mutual support; nothing said leaves the room."


def _code(rng: random.Random) -> str:
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(6))


def _event(group_id: int, start: datetime, hours: int, capacity: int, **fields: Any) -> Event:
    event = Event(group_id=group_id, status=EventStatus.PUBLISHED.value, starts_at=start,
                  ends_at=start + timedelta(hours=hours), capacity=capacity, **fields)
    event.description_html = render_translations(event.description)
    db.session.add(event)
    db.session.flush()
    return event


def _rsvps(event: Event, rng: random.Random, count: int, offset: int, checked_in: int,
           pending: int = 0) -> None:
    rows = []
    for n in range(count + pending):
        confirmed = n < count
        at = event.starts_at - timedelta(days=rng.randint(1, 12), minutes=rng.randint(0, 600))
        if not confirmed:  # a link not yet followed is recent: older ones are purged (PENDING_DAYS)
            at = utcnow() - timedelta(hours=2 + n)
        arrived = confirmed and n < checked_in
        rows.append({
            "event_id": event.id, "email": f"attendee{offset + n}@demo.invalid",
            "nickname": NICKS[n % len(NICKS)] + (str(n // len(NICKS)) if n >= len(NICKS) else ""),
            "answers": "[]", "follow_up": rng.random() < 0.5, "locale": rng.choice(["zh_Hans"] * 3 + ["en"]),
            "status": RsvpStatus.CONFIRMED.value if confirmed else RsvpStatus.PENDING.value,
            "code": _code(rng), "first_time": rng.random() < 0.4, "created_at": at,
            "confirmed_at": at + timedelta(minutes=5) if confirmed else None,
            "checked_in_at": event.starts_at + timedelta(minutes=rng.randint(-15, 20)) if arrived else None,
            "place_mailed": confirmed, "reminded_day": event.starts_at < utcnow(),
            "reminded_hours": event.starts_at < utcnow(),
        })
    db.session.execute(insert(Rsvp), rows)
    arrived_rows = [r for r in rows if r["checked_in_at"] is not None]
    event.confirmed_count = count
    event.rsvp_count = count
    event.checked_in_count = len(arrived_rows)
    event.new_people_count = sum(1 for r in arrived_rows if r["first_time"])


def seed_events(_rng: random.Random) -> None:
    if db.session.scalar(select(func.count()).select_from(Event)):
        return
    groups = list(db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)))
    public = [g for g in groups if not g.confidential]
    secret = [g for g in groups if g.confidential]
    if not public:
        return
    # A generator of its own: the shared one stays as the other features' seeders expect it.
    rng = random.Random(17)  # nosec B311  # noqa: S311
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    past = _event(public[0].id, now - timedelta(days=10, hours=3), 3, 40,
                  title=demo_texts("放映与讨论：《沉默的镜头》", "Screening and discussion: Silent Lens"),
                  description=demo_texts(SCREENING_ZH, SCREENING_EN), area=demo_texts("上海·徐汇", "Shanghai, Xuhui"),
                  place="徐汇区某路 88 号 2 楼（按门铃“读书会”）",
                  questions=demo_texts("你有无障碍方面的需要吗？", "Do you have any access needs?"))
    _rsvps(past, rng, 26, 1, 19)
    db.session.execute(insert(WalkIn), [{"event_id": past.id, "nickname": name} for name in ("路人甲", "Ann", "小吴")])
    past.walk_in_count = 3
    upcoming = _event(public[-1].id, now + timedelta(days=5, hours=2), 2, 20,
                      title=demo_texts("工作坊：举报与追踪偷拍内容",
                                       "Workshop: reporting and tracking covert recordings"),
                      description=demo_texts(WORKSHOP_ZH, WORKSHOP_EN), area=demo_texts("线上", "Online"),
                      online=True, place="https://meet.example.org/demo-workshop",
                      place_release_at=now + timedelta(days=4, hours=2),
                      rsvp_deadline=now + timedelta(days=4),
                      questions=demo_texts("你用哪些平台？\n你有无障碍方面的需要吗？",
                                           "Which platforms do you use?\nDo you have any access needs?"))
    _rsvps(upcoming, rng, 12, 100, 0, pending=2)
    if secret:
        circle = _event(secret[0].id, now + timedelta(days=9), 2, 12,
                        title=demo_texts("支持圈（成员）", "Support circle (members)"),
                        description=demo_texts(CIRCLE_ZH, CIRCLE_EN), area=demo_texts("广州", "Guangzhou"),
                        place="成员群内通知的地点")
        _rsvps(circle, rng, 4, 200, 0)
    db.session.commit()
