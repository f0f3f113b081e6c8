"""Demo data: the Maskpark open letter with 2,000 confirmed signatures over 60 days."""
from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import insert

from campaign.content import demo_texts
from campaign.extensions import db
from campaign.i18n import locale_code
from campaign.markup import render_translations
from campaign.petitions.models import (
    Display,
    Petition,
    PetitionStatus,
    PetitionUpdate,
    Signature,
    SignatureStatus,
    Source,
    UpdateKind,
)
from campaign.petitions.services import next_milestone
from campaign.timeutil import utcnow

SLUG = "maskpark-takedown"
SIGNATURES = 2000
DAYS = 60

BODY_ZH = """\
2025 年，“Maskpark”系列 Telegram 频道被曝光：核心频道两个分别有约 31.5 万和 8.7 万名成员，
传播男性偷拍伴侣、妻子、亲属和同学的视频，酒店、地铁、医院、更衣室和厕所的针孔摄像头画面，
兜售偷拍设备和“教程”，并对受害者“开盒”、用深度伪造裸照进行骚扰。

频道被封或解散后，内容仍在新的群组中流传。受害者往往直到被熟人转发才知道自己被拍。

## 我们要求平台

- 为性剥削和偷拍内容设立**中文快速举报与下架通道**，先删除、后审核，24 小时内答复；
- 公开每季度收到的举报、删除数量和平均处理时间；
- 对反复传播者封号，保存证据以便受害者和警方依法调取。

## 我们要求执法和监管机关

- 依法立案追查偷拍、传播和贩卖偷拍设备的人，而不是只要求受害者“自己删帖”；
- 像其他国家已经做到的那样，与境外平台建立数据调取和紧急下架的固定渠道；
- 为受害者提供免费的法律援助和心理支持。

这些要求并非空想：2024 年 9 月起，Telegram 已承诺在收到有效法律文书时披露嫌疑人的 IP 地址和手机号；
韩国警方通过专线在 24 小时内获得答复，韩国通信标准委员会的“先删除后审核”热线第一个月就删除了 148 条性剥削内容。
"""

BODY_EN = """\
In 2025 the "Maskpark" Telegram channels came to light: the two core channels had about 315,000 and
87,000 members. They shared covert recordings of women filmed by partners, husbands, relatives and
classmates; hidden-camera footage from hotels, the metro, hospitals, changing rooms and toilets;
sales of hidden cameras and filming "tutorials"; doxxing; and deepfake nudes used for harassment.

The channels were banned or dissolved, but the material lives on in new groups. Many survivors
learn they were filmed only when an acquaintance forwards it.

## We ask the platforms to

- open a **fast reporting and takedown channel in Chinese** for sexual abuse material: delete first,
  review later, answer within 24 hours;
- publish every quarter how many reports they received, how many items they removed, and how fast;
- ban repeat sharers and keep evidence that survivors and police can obtain lawfully.

## We ask the authorities to

- investigate those who film, share and sell hidden cameras, instead of telling survivors to
  "delete the posts themselves";
- set up standing channels with foreign platforms for data requests and urgent takedowns, as other
  countries already have;
- give survivors free legal aid and psychological support.

This is possible: since September 2024 Telegram discloses suspects' IP addresses and phone numbers
on valid legal orders; Korean police get answers within 24 hours through a hotline, and Korea's
"delete first, review later" hotline removed 148 items of sexual exploitation in its first month.
"""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
GIVEN = "婷静敏丽娟芳雪琳颖欣怡佳悦雨晨思涵梦琪子萱诗雅宁露瑶晓慧嘉文博宇浩然轩"
LATIN = ["Lin", "Chen", "Wong", "Ho", "Lee", "Tan", "Amy", "Grace", "Mei", "Jess", "Vivian", "Ann"]
REGIONS = [
    ("", 22), ("广东", 12), ("北京", 9), ("上海", 9), ("浙江", 6), ("四川", 5), ("江苏", 5),
    ("湖北", 4), ("香港", 4), ("台湾", 3), ("福建", 3), ("湖南", 3), ("山东", 3), ("重庆", 2),
    ("陕西", 2), ("UK", 2), ("USA", 2), ("Canada", 1), ("Australia", 1), ("Germany", 1), ("Japan", 1),
]
CHANNELS = [
    ("", 25), ("telegram", 18), ("x", 14), ("link", 12), ("weibo", 10), ("wechat", 9),
    ("email", 5), ("whatsapp", 3), ("poster", 4),
]
COMMENTS = [
    "我的朋友就是受害者，她到现在都不敢坐地铁。",
    "平台不能再装作看不见。",
    "偷拍不是“隐私问题”，是犯罪。",
    "支持！希望更多人看到。",
    "酒店和更衣室里的针孔摄像头必须有人管。",
    "受害者不该自己去求平台删帖。",
    "韩国能做到的，我们也能。",
    "Signed from abroad. Solidarity.",
    "Platforms profit from this content. They must act.",
    "为所有被偷拍、被开盒的女性。",
    "请给受害者免费的法律援助。",
    "深度伪造裸照也是性暴力。",
]


def _weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    return rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]


def _name(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return f"{rng.choice(LATIN)} {rng.choice(LATIN)}"
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


PAPER_SIGNATURES = 37  # collected at a street stall and typed in by staff
UPDATE_ZH = "上周五，三位志愿者把打印好的签名递交给了信访窗口，并要求书面答复。\n\n我们会在收到回复后第一时间告诉你。"
UPDATE_EN = ("Last Friday three volunteers handed the printed signatures in at the petitions office and asked "
             "for a written reply.\n\nWe will tell you as soon as it comes.")
ANSWER_ZH = "平台回复称已设立专门的举报入口，承诺 **48 小时内**处理。我们认为这还不够：我们要求的是 24 小时。"
ANSWER_EN = ("The platform replied that it has opened a dedicated reporting channel and promises to act **within "
             "48 hours**. We think this is not enough: we asked for 24.")


def seed_petitions(rng: random.Random) -> None:
    if db.session.query(Petition.id).filter(Petition.slug == SLUG).first() is not None:
        return
    now = utcnow()
    petition = Petition(
        slug=SLUG,
        status=PetitionStatus.OPEN.value,
        created_at=now - timedelta(days=DAYS + 1),
    )
    petition.set_text("title", demo_texts("要求平台设立偷拍内容快速下架通道，要求执法机关追查传播者",
                                          "Platforms: open a fast takedown channel. Authorities: pursue those who "
                                          "film and share."))
    petition.set_text("summary", demo_texts(
        "Maskpark 频道传播了大量偷拍和深度伪造内容。我们要求平台 24 小时内下架，要求执法机关依法追查。",
        "The Maskpark channels spread covert recordings and deepfake nudes of women. We ask platforms "
        "to take them down within 24 hours and the authorities to pursue those responsible."))
    petition.set_text("body", demo_texts(BODY_ZH, BODY_EN))
    petition.set_text("target", demo_texts(
        "Telegram 及各社交平台；公安机关与网信部门",
        "Telegram and other social platforms; the police and the internet regulator"))
    petition.set_text("thanks", demo_texts(
        "谢谢你！每一个确认的签名都会被计入，并在递交时按你选择的方式显示。",
        "Thank you! Every confirmed signature counts and is shown as you chose when we deliver the letter."))
    petition.set_text("share_text", demo_texts(
        "我签了：要求平台快速下架偷拍内容、追查传播者。你也来签名吧",
        "I signed: platforms must take down covert recordings fast, and those who share them must be pursued."))
    petition.body_html = render_translations(petition.body)
    db.session.add(petition)
    db.session.flush()

    rows = []
    for number in range(SIGNATURES):
        # More signatures early (the launch) and a second wave around day 40 (press coverage).
        day = min(DAYS - 1, int(rng.expovariate(1 / 12))) if rng.random() < 0.7 else int(rng.gauss(40, 4)) % DAYS
        created = now - timedelta(days=DAYS - day, seconds=rng.randrange(86400))
        language = rng.random()
        locale = locale_code("en") if language < 0.12 else locale_code("zh_Hant") if language < 0.3 else "zh_Hans"
        rows.append({
            "petition_id": petition.id,
            "email": f"signer{number:05d}@example.org",
            "name": _name(rng),
            "region": _weighted(rng, REGIONS),
            "comment": rng.choice(COMMENTS) if rng.random() < 0.12 else "",
            "display": rng.choices([d.value for d in Display], weights=[30, 45, 25])[0],
            "newsletter": rng.random() < 0.3,
            "locale": locale,
            "status": SignatureStatus.CONFIRMED.value,
            "src": _weighted(rng, CHANNELS),
            "created_at": created,
            "confirmed_at": created + timedelta(minutes=rng.randrange(2, 240)),
            "hidden": False,
            "comment_hidden": False,
            "mail_due": False,
        })
    db.session.execute(insert(Signature), rows)
    paper = [
        {**rows[0], "email": f"paper-demo{number:03d}", "name": _name(rng), "display": Display.INITIALS.value,
         "newsletter": False, "source": Source.PAPER.value, "src": "", "comment": "", "locale": "zh_Hans"}
        for number in range(PAPER_SIGNATURES)
    ]
    db.session.execute(insert(Signature), paper)
    petition.signature_count = SIGNATURES + PAPER_SIGNATURES
    petition.goal = next_milestone(petition.signature_count)
    petition.milestones = "100,500,1000"
    petition.milestone_reached = max(m for m in (100, 500, 1000) if m <= petition.signature_count)
    petition.embed_origins = "https://partner.example"
    db.session.add_all([
        _update(petition, UpdateKind.UPDATE,
                demo_texts("我们把签名带到了网信办门口", "We took the signatures to the regulator"),
                demo_texts(UPDATE_ZH, UPDATE_EN), created_at=now - timedelta(days=10)),
        _update(petition, UpdateKind.ANSWER, demo_texts("平台的书面回复", "The platform's written reply"),
                demo_texts(ANSWER_ZH, ANSWER_EN), answered_on=(now - timedelta(days=3)).date(),
                created_at=now - timedelta(days=3)),
    ])
    db.session.commit()


def _update(petition: Petition, kind: UpdateKind, title: dict[str, str], body: dict[str, str],
            **fields: Any) -> PetitionUpdate:
    entry = PetitionUpdate(petition_id=petition.id, kind=kind.value, **fields)
    entry.set_text("title", title)
    entry.set_text("body", body)
    entry.body_html = render_translations(entry.body)
    return entry
