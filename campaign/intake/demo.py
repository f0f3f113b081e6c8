"""Demo data for help requests and takedown reports (fictional people, channels and links).

The demo key's passphrase is DEMO_PASSPHRASE; it is created only when no key exists, so a real
key is never replaced.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from campaign.auth import services as auth
from campaign.extensions import db
from campaign.intake import services as intake
from campaign.intake.models import HelpRequest, Status
from campaign.intake.takedowns import services as tracker
from campaign.intake.takedowns.models import Response, Takedown
from campaign.timeutil import utcnow

# Published on purpose: the caseworker queue warns until `flask intake rotate` replaces it.
DEMO_PASSPHRASE = "demo-passphrase"  # nosec B105  # noqa: S105

# (kinds, platforms, where, found, help wanted, contact, details) written as a survivor might.
_REQUESTS = [
    (["partner"], ["telegram"], "Telegram 频道「校园回忆录」（示例）", "上个月", ["takedown", "legal"],
     "signal", "前男友在分手后把我们在一起时他偷拍的视频发到了频道里，配了我的学校名字。"),
    (["hidden_camera"], ["telegram", "adult_site"], "t.me/demo_hotel_cam （示例）", "3月初",
     ["takedown", "evidence"], "email", "朋友告诉我，我在酒店住过的房间被偷拍，视频在一个频道里被转卖。"),
    (["deepfake"], ["weibo", "telegram"], "微博账号 @示例账号，还有一个 Telegram 群", "一周前",
     ["takedown", "psychological"], "none", "有人用我朋友圈的照片做了换脸裸照，发给了我的同事。"),
    (["doxxing", "extortion"], ["telegram"], "群组「开盒大队」（示例）", "昨天", ["legal", "evidence"],
     "telegram", "我的姓名、电话和住址被公开，对方说不给钱就发更多照片。"),
    (["hidden_camera"], ["douyin"], "抖音上的一个账号在卖针孔摄像头教程（示例）", "", ["report_only"], "none",
     "我只是想报告这个账号，他们在教人怎么在更衣室装摄像头。"),
    (["partner"], ["wechat", "qq"], "QQ 群号 000000（示例）", "去年年底", ["psychological", "legal"], "email",
     "丈夫把我的私密照片发到了他的同学群。我不知道该不该报警。"),
    (["deepfake"], ["x"], "X 上的一个账号（示例）", "两周前", ["takedown"], "signal",
     "我的脸被合成进色情视频，账号还在不断发新的。"),
    (["other"], ["baidu"], "百度网盘分享链接（示例）", "", ["evidence"], "none",
     "我在网盘里发现了大学宿舍的偷拍视频，里面可能有我。"),
]
_TEAM_REPLIES = [
    "你好，我们收到了你的求助。请先不要删除你保存的链接和截图的文字描述，这些是重要证据。",
    "我们已经向平台提交了删除请求，有回复会第一时间告诉你。",
    "如果你愿意，我们可以为你介绍一位熟悉此类案件的律师。",
]
_SURVIVOR_REPLIES = ["谢谢你们。链接还在，我又找到了两个转发的群。", "律师的事我想再考虑一下。"]
_NOTES = ["已核实频道仍在线，已向平台举报。", "当事人希望只通过 Signal 联系。", "转介给合作律师，等待回复。"]

# platform -> (reports, chance of any answer, chance of removal, typical days to removal)
_PLATFORM_PROFILE = {
    "telegram": (28, 0.93, 0.8, 2),
    "weibo": (8, 0.75, 0.6, 4),
    "douyin": (6, 0.8, 0.65, 3),
    "x": (7, 0.55, 0.4, 9),
    "adult_site": (6, 0.3, 0.2, 20),
    "baidu": (5, 0.6, 0.5, 6),
}


def seed_intake(rng: random.Random) -> None:
    """A demo key (only if there is none) and ~15 help requests over the last 60 days."""
    if intake.active_key() is None:
        intake.create_key(DEMO_PASSPHRASE, demo=True)
    if db.session.scalar(select(func.count()).select_from(HelpRequest)):
        return
    ring = intake.keyring()
    worker = auth.find_user("caseworker@example.org")
    today = utcnow().date()
    statuses = [s.value for s in Status]
    for n in range(15):
        kinds, platforms, where, found, wanted, contact, details = _REQUESTS[n % len(_REQUESTS)]
        arrived = today - timedelta(days=rng.randint(0, 60))
        answers = intake.Answers(
            kinds=kinds, platforms=platforms, where=where, found_when=found, help_wanted=wanted,
            contact_method=contact, contact_detail="" if contact == "none" else f"demo{n}@example.org",
            name=rng.choice(["", "小林", "A", "匿名"]), details=details,
        )
        req, _code = intake.submit(ring, answers, arrived)
        if worker is None:
            continue
        status = statuses[min(n % 5, 4)] if (today - arrived).days > 3 else Status.NEW.value
        intake.update_case(
            req, worker, status=status, assignee_id=worker.id if status != Status.NEW.value else None,
            tags="urgent" if "extortion" in kinds else "", today=today,
            remind_on=today + timedelta(days=rng.randint(-2, 10)) if status in ("triaged", "in_progress") else None,
        )
        if status != Status.NEW.value:
            intake.team_reply(ring, req, worker, rng.choice(_TEAM_REPLIES), arrived + timedelta(days=1))
            intake.add_note(ring, req, worker, rng.choice(_NOTES), arrived + timedelta(days=1))
            if rng.random() < 0.5:
                intake.survivor_reply(ring, req, rng.choice(_SURVIVOR_REPLIES), arrived + timedelta(days=2))


def seed_takedowns(rng: random.Random) -> None:
    """About 60 takedown reports with realistic response rates (Telegram answers most)."""
    if db.session.scalar(select(func.count()).select_from(Takedown)):
        return
    ring = intake.keyring()
    worker = auth.find_user("caseworker@example.org")
    cases = list(db.session.scalars(select(HelpRequest)))
    today = utcnow().date()
    kinds = ["hidden_camera", "partner", "deepfake", "doxxing", "other"]
    for platform, (count, answer_p, removal_p, typical_days) in _PLATFORM_PROFILE.items():
        for n in range(count):
            case = rng.choice(cases) if cases and rng.random() < 0.15 else None
            reported = today - timedelta(days=rng.randint(1, 120))
            if case is not None:
                reported = min(case.received_week + timedelta(days=rng.randint(1, 10)), today)
            removed_on = None
            response = Response.NONE.value
            if rng.random() < answer_p:
                if rng.random() < removal_p / answer_p:
                    days = max(0, int(rng.gauss(typical_days, typical_days / 2)))
                    removed_on = min(reported + timedelta(days=days), today)
                    response = Response.REMOVED.value
                else:
                    response = rng.choice(
                        [Response.ACKNOWLEDGED.value, Response.MORE_INFO.value, Response.REFUSED.value]
                    )
            entry = tracker.Entry(
                platform=platform,
                content_type=rng.choice(kinds),
                target=f"https://t.me/demo_{platform}_{n:03d}"
                if platform == "telegram"
                else f"{platform} demo item {n:03d}",
                reported_on=reported,
                reference=f"DEMO-{platform[:2].upper()}-{rng.randint(1000, 9999)}",
                response=response,
                removed_on=removed_on,
                notes="",
            )
            tracker.create(ring, entry, worker, case.id if case is not None else None)
