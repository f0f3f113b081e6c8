"""The tables the reports read, taken from the features' models."""
from __future__ import annotations

from campaign.events.models import Event
from campaign.intake.models import HelpRequest
from campaign.intake.takedowns.models import Takedown
from campaign.newsletter.models import Issue, OutboxRow, Subscriber
from campaign.petitions.models import Petition, Signature
from campaign.volunteers.models import (
    Membership,
    StatusChange,
    Task,
    TaskComment,
    TaskEvent,
    Volunteer,
    WorkingGroup,
)

petitions = Petition.__table__
signatures = Signature.__table__
volunteers = Volunteer.__table__
status_changes = StatusChange.__table__
groups = WorkingGroup.__table__
memberships = Membership.__table__
tasks = Task.__table__
task_events = TaskEvent.__table__
task_comments = TaskComment.__table__
subscribers = Subscriber.__table__
issues = Issue.__table__
outbox = OutboxRow.__table__
help_requests = HelpRequest.__table__
takedowns = Takedown.__table__
events = Event.__table__
