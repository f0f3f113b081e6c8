"""Demo data: six working groups of the Maskpark campaign, ~300 volunteers, memberships and tasks.

Rows are written with bulk inserts, so seeding stays fast; nothing is written when groups exist.
"""
from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select

from campaign.content import demo_texts
from campaign.extensions import db
from campaign.timeutil import utcnow
from campaign.volunteers.models import (
    Membership,
    Status,
    StatusChange,
    Task,
    TaskEvent,
    TaskStatus,
    Volunteer,
    WorkingGroup,
    interest_table,
    task_assignees,
)

# (name_zh, name_en, description_zh, description_en, confidential, open_to_interest)
GROUPS = [
    ("政策倡导组", "Policy advocacy",
     "整理立法建议，联络人大代表与学者，推动平台对偷拍和未经同意传播私密影像承担责任。",
     "Drafts legal reform proposals, contacts deputies and scholars, and presses platforms to answer for "
     "covert filming and non-consensual sharing of intimate images.", False, True),
    ("幸存者支持组", "Survivor support",
     "陪伴受害者报案、取证和申请删除，转介律师与心理咨询。成员须经过培训与核实。",
     "Accompanies survivors through police reports, evidence keeping and takedown requests, and refers them "
     "to lawyers and counsellors. Members are trained and vetted.", True, False),
    ("法律研究组", "Legal research",
     "研究刑法、个人信息保护法和民法典中可用的条款，整理判例，为个案提供法律意见。",
     "Studies the criminal law, the personal information protection law and the civil code, collects cases, "
     "and prepares legal opinions for individual cases.", True, False),
    ("翻译组", "Translation",
     "把调查报告、新闻稿和外国经验（如韩国的删除支持制度）在中文和英文之间互译。",
     "Translates reports, press releases and foreign experience (such as Korea's takedown support system) "
     "between Chinese and English.", False, True),
    ("设计与传播组", "Design and outreach",
     "制作海报、长图和短视频，运营社交媒体账号，策划线上联署传播。",
     "Makes posters, long images and short videos, runs social media accounts and plans the petition's "
     "online outreach.", False, True),
    ("频道监测组", "Channel monitoring",
     "记录 Telegram 频道和子群的动态，整理证据并向平台举报，跟踪删除进度。",
     "Tracks Telegram channels and sub-groups, keeps evidence, reports content to platforms and follows "
     "takedowns.", False, True),
]

NICK_A = ["夜", "晨", "小", "阿", "星", "雨", "云", "山", "木", "青", "白", "蓝", "南", "北", "林", "月", "风", "初"]
NICK_B = ["航", "星", "鹿", "雪", "禾", "珍", "舟", "野", "橘", "桃", "鲸", "灯", "溪", "柚", "樱", "岚", "墨", "川"]
LATIN = ["Mira", "Juniper", "Kite", "Lin", "Echo", "Wren", "Sol", "Ivy", "Pebble", "Nova"]
REGIONS = ["北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京", "重庆", "香港", "台北",
           "伦敦", "柏林", "多伦多", "墨尔本", "东京", ""]
SKILLS = ["policy", "legal", "support", "translation", "writing", "design", "social", "research", "monitoring",
          "tech", "events"]
LANGS = ["zh", "yue", "en", "ja", "ko", "fr", "de"]
MOTIVATIONS = [
    "看到 Maskpark 的新闻后彻夜难眠，想做点实际的事。",
    "我是法学院学生，希望把所学用在这件事上。",
    "身边的朋友被偷拍过，她一直不敢说。",
    "I work in translation and want to help the reports reach more readers.",
    "做过几年社媒运营，可以帮忙做传播。",
    "I follow the Korean Nth-room case and think the lessons matter here.",
    "希望平台和执法机关认真对待这些频道。",
]
# (group index, title, description)
TASKS = [
    (0, "整理 2025 年相关司法解释要点", "列出与偷拍、传播淫秽物品相关的条款，附上出处。"),
    (0, "起草给平台的公开信", "要点：删除时限、举报回应率、向受害者通报进度。"),
    (0, "联络三位关注性别议题的学者", "先发邮件介绍项目，附一页纸简介。"),
    (0, "整理韩国 KCSC 热线的做法", "对比“先删除后审查”与国内流程。"),
    (0, "准备立法建议的问答稿", ""),
    (0, "汇总各地警方回应案例", "匿名化处理后再入表。"),
    (1, "更新报案陪同指南", "加入取证清单和常见问题。"),
    (1, "排班：下月热线值守", ""),
    (1, "整理心理咨询转介名单", "只记录机构，不记录个人。"),
    (1, "复盘上周的三个个案", ""),
    (1, "培训新成员：创伤知情沟通", ""),
    (2, "研究个人信息保护法第 69 条的适用", ""),
    (2, "整理深度伪造相关判例", "2023 年以来的公开判决。"),
    (2, "为个案准备证据保全意见", ""),
    (2, "比较民事诉讼与刑事报案的路径", ""),
    (2, "审阅志愿者保密协议", ""),
    (3, "翻译调查报告摘要（中译英）", "约 3000 字，术语表见共享文档。"),
    (3, "翻译 Telegram 隐私政策变化说明", "2024 年 9 月版本的相关段落。"),
    (3, "校对英文新闻稿", ""),
    (3, "建立术语表", "偷拍、开盒、换脸等词的统一译法。"),
    (3, "翻译韩国删除支持中心年报摘要", ""),
    (3, "字幕：受害者访谈（已匿名）", ""),
    (3, "翻译联署信（英译中）", ""),
    (4, "设计联署海报（三种尺寸）", "不使用任何真实截图。"),
    (4, "制作“如何发现偷拍设备”长图", ""),
    (4, "剪辑 60 秒科普短视频", ""),
    (4, "规划下月社交媒体日历", ""),
    (4, "更新网站横幅", ""),
    (4, "整理媒体联系人清单", "只存机构邮箱。"),
    (4, "准备线下讲座的幻灯片", ""),
    (5, "记录新出现的子群", "只记录名称、链接和时间，不下载内容。"),
    (5, "向平台批量举报上周的链接", ""),
    (5, "统计平台回应率", "按平台计算回应率和删除中位天数。"),
    (5, "整理偷拍设备售卖广告", ""),
    (5, "核对已删除频道的状态", ""),
    (5, "更新监测安全守则", "使用隔离设备，注意心理负荷。"),
    (5, "汇总开盒事件时间线", ""),
    (5, "检查镜像频道", ""),
    (0, "准备与律所的会谈提纲", ""),
    (3, "翻译平台回应邮件", ""),
]


def _nickname(rng: random.Random, n: int) -> str:
    if rng.random() < 0.15:
        return f"{rng.choice(LATIN)}{n % 97}"
    return rng.choice(NICK_A) + rng.choice(NICK_B) + (str(n % 10) if rng.random() < 0.3 else "")


def seed_volunteers(rng: random.Random, count: int = 300) -> None:
    if db.session.scalar(select(func.count()).select_from(WorkingGroup)):
        return
    now = utcnow()
    db.session.execute(insert(WorkingGroup), [
        {"name": demo_texts(zh, en), "description": demo_texts(dzh, den), "confidential": conf,
         "content_free": conf, "open_to_interest": open_, "size_limit": 12 if conf else None}
        for zh, en, dzh, den, conf, open_ in GROUPS])
    group_ids = list(db.session.scalars(select(WorkingGroup.id).order_by(WorkingGroup.id)))
    open_ids = [gid for gid, spec in zip(group_ids, GROUPS, strict=True) if spec[5]]

    statuses = [s.value for s in Status]
    weights = [30, 15, 12, 8, 25, 5, 4, 1]
    rows: list[dict[str, Any]] = []
    for n in range(count):
        created = now - timedelta(days=rng.uniform(0, 60))
        rows.append({
            "email": f"volunteer{n + 1}@demo.invalid", "nickname": _nickname(rng, n),
            "contact_kind": rng.choice(["", "signal", "telegram"]), "region": rng.choice(REGIONS),
            "languages": ",".join(sorted(set(["zh", *rng.sample(LANGS, rng.randint(0, 2))]))),
            "skills": ",".join(rng.sample(SKILLS, rng.randint(1, 3))), "skills_other": "",
            "hours_per_week": rng.choice([2, 3, 4, 5, 8, 10]), "motivation": rng.choice(MOTIVATIONS),
            "consent_contact": rng.random() < 0.9, "locale": rng.choice(["zh_Hans"] * 4 + ["en"]),
            "status": rng.choices(statuses, weights)[0], "created_at": created, "updated_at": created,
            "confirmed_at": created + timedelta(minutes=rng.randint(2, 600)),
            # Two in three agreed to mail for volunteers (not drawn from rng: the rest of the demo stays as it was).
            "mail_consent": n % 3 != 0,
        })
    for row in rows:
        row["contact"] = "" if not row["contact_kind"] else (
            f"@{row['nickname'].lower()}_{rng.randint(10, 99)}" if row["contact_kind"] == "telegram"
            else f"{row['nickname']}.{rng.randint(10, 99)}")
    db.session.execute(insert(Volunteer), rows)
    people = db.session.execute(
        select(Volunteer.id, Volunteer.status, Volunteer.created_at).order_by(Volunteer.id)).all()

    db.session.execute(insert(StatusChange), [
        {"volunteer_id": vid, "to_status": "new", "from_status": "", "at": created} for vid, _s, created in people])
    db.session.execute(insert(StatusChange), [
        {"volunteer_id": vid, "from_status": "new", "to_status": status,
         "at": created + timedelta(days=rng.randint(1, 10)),
         "vouched_by": "由翻译组阿青推荐" if status == "vetted" else ""}
        for vid, status, created in people if status != "new"])
    db.session.execute(insert(interest_table), [
        {"volunteer_id": vid, "group_id": gid} for vid, _s, _c in people
        for gid in rng.sample(open_ids, rng.randint(0, 2))])

    active = [vid for vid, status, _c in people if status in ("active", "paused")]
    members: dict[int, list[int]] = {gid: [] for gid in group_ids}
    membership_rows: list[dict[str, Any]] = []
    for vid in active:
        for gid in rng.sample(group_ids, rng.choice([1, 1, 2])):
            if len(members[gid]) < 12 or gid in open_ids:
                members[gid].append(vid)
                membership_rows.append({"group_id": gid, "volunteer_id": vid, "is_lead": False,
                                        "joined_at": now - timedelta(days=rng.randint(0, 40))})
    for row in membership_rows:  # the first two members of each group lead it
        row["is_lead"] = row["volunteer_id"] in members[row["group_id"]][:2]
    db.session.execute(insert(Membership), membership_rows)

    task_statuses = [s.value for s in TaskStatus]
    task_rows = [{"group_id": group_ids[gi], "title": title, "description": desc,
                  "status": rng.choices(task_statuses, [4, 3, 1, 3])[0],
                  "priority": rng.choice(["low", "normal", "normal", "high"]),
                  "due_on": (now + timedelta(days=rng.randint(-5, 20))).date() if rng.random() < 0.8 else None,
                  "created_at": now - timedelta(days=rng.randint(1, 30))} for gi, title, desc in TASKS]
    db.session.execute(insert(Task), task_rows)
    tasks = db.session.execute(select(Task.id, Task.group_id, Task.created_at).order_by(Task.id)).all()
    assignments = []
    for tid, gid, _created in tasks:
        pool = members[gid]
        for vid in rng.sample(pool, min(len(pool), rng.randint(0, 2))):
            assignments.append({"task_id": tid, "volunteer_id": vid})
    if assignments:
        db.session.execute(insert(task_assignees), assignments)
    db.session.execute(insert(TaskEvent), [
        {"task_id": tid, "kind": "created", "detail": "", "at": created} for tid, _g, created in tasks])
    db.session.commit()
