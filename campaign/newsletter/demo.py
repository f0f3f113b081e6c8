"""Demo data: 1,000 subscribers and one past issue, published in every configured language."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select

from campaign.content import demo_texts
from campaign.extensions import db
from campaign.i18n import locale_code
from campaign.newsletter.models import Issue, IssueStatus, IssueTemplate, OutboxRow, Subscriber, SubscriberStatus
from campaign.newsletter.services import TOPICS
from campaign.timeutil import utcnow

DEMO_SOURCE = "demo"
TEMPLATE_NAME = "月度通讯（多语言）"
SUBJECT = "通讯第七期：Maskpark 频道被封之后，我们还在做什么"
BODY = """{{name|朋友}}，你好：

上个月，两个核心的 Maskpark 频道（各有约 31.5 万和 8.7 万名成员）已被封禁或解散。但这并不是结束：许多子群组换了名字继续传播偷拍视频、针孔摄像头和"开盒"信息。

## 这个月我们做了什么

- 整理并向平台提交了 **146 条**新的举报，其中 97 条已被删除。
- 与两位律师一起，为愿意求助的当事人准备了法律援助的申请指引。
- 更新了民间案例记录，新增了酒店、地铁和更衣室偷拍的案例类型。

## 平台在改变吗？

2024 年 9 月起，Telegram 会在收到合法命令时向执法机构披露嫌疑人的 IP 地址和电话号码。韩国警方称，从 2024 年 10 月到 2025 年 6 月，Telegram 回复了他们 95% 以上的数据请求。这说明压力是有用的。

## 你可以做什么

如果你或你身边的人受到伤害，可以通过我们的问卷匿名寻求法律或心理支持。转发这封通讯，也能让更多人知道这件事。

谢谢你一直都在。
"""
SUBJECT_EN = "Newsletter no. 7: what we are doing now that the Maskpark channels are gone"
BODY_EN = """Hello {{name|friend}},

Last month the two core Maskpark channels (about 315,000 and 87,000 members) were banned or dissolved. It is not over: many sub-groups carry on under new names, still sharing covert recordings, hidden cameras and doxxing.

## What we did this month

- Reported **146** new items to the platforms; 97 of them have been removed.
- Wrote, with two lawyers, a guide for survivors who want to apply for legal aid.
- Updated the civil-society case record with hotel, metro and changing-room cases.

## Are the platforms changing?

Since September 2024 Telegram discloses suspects' IP addresses and phone numbers to authorities on valid legal orders. Korean police report that from October 2024 to June 2025 Telegram answered over 95% of their data requests. Pressure works.

## What you can do

If you or someone close to you has been harmed, our questionnaire lets you ask for legal or psychological support anonymously. Forwarding this newsletter helps more people learn about the case.

Thank you for staying with us.
"""
_FAMILY = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = ["小雨", "思远", "晓彤", "佳怡", "子涵", "若溪", "一诺", "明轩", "可欣", "雨桐", "安然", "书瑶"]
_EN = ["Alex", "Sam", "Jo", "Robin", "Kim", "Lee", "Max", "Jamie", "Charlie", "Taylor"]


def seed_newsletter(rng: random.Random) -> None:
    """1,000 subscribers (mostly confirmed, mixed languages and topics), one published issue and a
    template made from it."""
    if db.session.scalar(select(Subscriber.id).where(Subscriber.source == DEMO_SOURCE).limit(1)) is None:
        now = utcnow()
        rows = []
        for i in range(1000):
            english = rng.random() < 0.25
            # Traditional Chinese readers where configured (locale_code maps them to the default if not).
            locale = "en" if english else locale_code("zh_Hant" if rng.random() < 0.2 else "zh_Hans")
            roll = rng.random()
            status = (
                SubscriberStatus.CONFIRMED if roll < 0.86 else
                SubscriberStatus.UNSUBSCRIBED if roll < 0.93 else
                SubscriberStatus.BOUNCED if roll < 0.97 else SubscriberStatus.PENDING
            )
            joined = now - timedelta(days=rng.randint(1, 400), minutes=rng.randint(0, 1440))
            name = "" if rng.random() < 0.4 else (
                rng.choice(_EN) if english else rng.choice(_FAMILY) + rng.choice(_GIVEN)
            )
            rows.append({
                "email": f"reader{i:04d}@example.org", "name": name, "locale": locale,
                "topics": ",".join(t for t in TOPICS if rng.random() < 0.3), "status": status.value,
                "source": DEMO_SOURCE, "created_at": joined,
                "confirmed_at": joined if status != SubscriberStatus.PENDING else None,
                # Never in the future: a reader who joined last week left at most a few days ago.
                "unsubscribed_at": min(joined + timedelta(days=30), now) if status == SubscriberStatus.UNSUBSCRIBED
                else None,
                "bounce_reason": "550 5.1.1 mailbox unavailable" if status == SubscriberStatus.BOUNCED else "",
            })
        db.session.execute(insert(Subscriber), rows)
        db.session.commit()
    if db.session.scalar(select(OutboxRow.id).where(OutboxRow.claimed_by == DEMO_SOURCE).limit(1)) is None:
        sent_at = utcnow() - timedelta(days=12)
        issue = Issue(
            subject=demo_texts(SUBJECT, SUBJECT_EN), body=demo_texts(BODY, BODY_EN), status=IssueStatus.SENT.value,
            started_at=sent_at, finished_at=sent_at + timedelta(minutes=3), published=True,
            created_at=sent_at - timedelta(days=2),
        )
        db.session.add(issue)
        db.session.flush()
        readers = db.session.execute(
            select(Subscriber.id, Subscriber.email, Subscriber.name, Subscriber.locale)
            .where(Subscriber.source == DEMO_SOURCE, Subscriber.status != SubscriberStatus.PENDING.value)
        ).all()
        db.session.execute(insert(OutboxRow), [
            {"issue_id": issue.id, "subscriber_id": r.id, "email": r.email, "name": r.name, "locale": r.locale,
             "status": "sent", "attempts": 0, "next_attempt_at": sent_at, "claimed_by": "demo",
             "claimed_at": sent_at, "sent_at": sent_at, "answer": "250"}
            for r in readers
        ])
        db.session.commit()
    if db.session.scalar(select(IssueTemplate.id).limit(1)) is None:
        db.session.add(IssueTemplate(name=TEMPLATE_NAME, subject=demo_texts(SUBJECT, SUBJECT_EN),
                                     body=demo_texts(BODY, BODY_EN)))
        db.session.commit()
