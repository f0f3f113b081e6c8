"""The coarse categories stored in the clear, shared by the questionnaire and the tracker."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

KINDS = [
    ("hidden_camera", _l("Hidden-camera recording")),
    ("partner", _l("Shared by a partner or ex")),
    ("deepfake", _l("Deepfake or edited image")),
    ("doxxing", _l("Doxxing (personal details exposed)")),
    ("extortion", _l("Threats or extortion")),
    ("other", _l("Something else")),
]

PLATFORMS = [
    ("telegram", _l("Telegram")),
    ("weibo", _l("Weibo")),
    ("douyin", _l("Douyin")),
    ("wechat", _l("WeChat")),
    ("qq", _l("QQ")),
    ("xiaohongshu", _l("Xiaohongshu")),
    ("baidu", _l("Baidu Tieba or Netdisk")),
    ("x", _l("X (Twitter)")),
    ("adult_site", _l("An adult video site")),
    ("other", _l("Another platform")),
]

HELP_WANTED = [
    ("takedown", _l("Getting the content taken down")),
    ("legal", _l("Legal advice")),
    ("psychological", _l("Psychological support")),
    ("evidence", _l("Guidance on keeping evidence")),
    ("report_only", _l("I only want to report it")),
]

CONTACT = [
    ("none", _l("Do not contact me: I will check with my receipt code")),
    ("email", _l("Email")),
    ("signal", _l("Signal")),
    ("telegram", _l("Telegram")),
]


def label(choices: list[tuple[str, object]], code: str) -> str:
    return str(dict(choices).get(code, code))
