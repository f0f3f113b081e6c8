"""Volunteer codes as people read them: statuses, task states, priorities, skills, languages, contact kinds."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.volunteers.models import Priority, Status, TaskStatus

LANGUAGES = [
    ("zh", _l("Mandarin")), ("yue", _l("Cantonese")), ("en", _l("English")), ("ja", _l("Japanese")),
    ("ko", _l("Korean")), ("fr", _l("French")), ("de", _l("German")), ("es", _l("Spanish")),
]
SKILLS = [
    ("policy", _l("Policy and advocacy")), ("legal", _l("Legal knowledge")),
    ("support", _l("Peer or psychological support")), ("translation", _l("Translation")),
    ("writing", _l("Writing and editing")), ("design", _l("Design and illustration")),
    ("social", _l("Social media")), ("research", _l("Research")), ("monitoring", _l("Channel monitoring")),
    ("tech", _l("Technology and security")), ("events", _l("Events and outreach")),
]
CONTACT_KINDS = [("", _l("None")), ("signal", _l("Signal")), ("telegram", _l("Telegram")), ("phone", _l("Phone"))]
STATUS_LABELS = {
    Status.NEW: _l("new"), Status.CONTACTED: _l("contacted"), Status.VETTED: _l("vetted"),
    Status.INVITED: _l("invited"), Status.ACTIVE: _l("active"), Status.PAUSED: _l("paused"),
    Status.LEFT: _l("left"), Status.BLOCKED: _l("blocked"),
}
TASK_STATUS_LABELS = {
    TaskStatus.TODO: _l("To do"), TaskStatus.IN_PROGRESS: _l("In progress"),
    TaskStatus.BLOCKED: _l("Blocked"), TaskStatus.DONE: _l("Done"),
}
PRIORITY_LABELS = {Priority.LOW: _l("low"), Priority.NORMAL: _l("normal"), Priority.HIGH: _l("high")}
