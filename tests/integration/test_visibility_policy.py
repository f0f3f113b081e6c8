"""The one visibility policy in the newsletter, the volunteer life cycle, vetting, blocking, one
locale code and imports that honour the source's opt-outs."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import segments
from campaign.newsletter import services as newsletter
from campaign.newsletter.models import Subscriber
from campaign.volunteers import services, work
from campaign.volunteers.models import Membership, StatusChange, Task, Volunteer
from tests.conftest import Inbox
from tests.integration.volunteer_factories import add_member, make_group, make_volunteer, volunteer_client
from tests.petitions_support import make_petition, send_mail

# An issue's subject and text, written in Simplified Chinese only.
S, B = {"zh_Hans": "s"}, {"zh_Hans": "b"}


def _members_with_subscriptions(group, n: int = 2) -> list[Volunteer]:
    people = []
    for i in range(n):
        person = make_volunteer(vetted=True, status="active", email=f"member{i}.{group.id}@example.net")
        add_member(group, person)
        db.session.add(Subscriber(email=person.email, name="", status="confirmed", locale="zh_Hans"))
        people.append(person)
    db.session.commit()
    return people


def test_organiser_can_neither_choose_nor_reach_a_confidential_group(make_user):
    """The segment menu leaves the group out, and an issue that names it anyway reaches nobody
    when an organiser sends it; an admin, who may see the group, reaches its members."""
    group = make_group(name={"zh_Hans": "幸存者支持组", "en": "Survivor support"}, confidential=True)
    _members_with_subscriptions(group)
    organiser, admin = make_user(Role.ORGANISER), make_user(Role.ADMIN)
    stored = f"volunteer-group:{group.id}"
    assert stored not in dict(segments.options(organiser))
    assert stored in dict(segments.options(admin))
    issue = newsletter.create_issue(newsletter.IssueData(subject=S, body=B, segment=stored), organiser)
    assert newsletter.audience_count(issue, organiser) == 0
    with pytest.raises(newsletter.NewsletterError):  # an issue reaching nobody is never sent
        newsletter.start_send(issue.id, organiser)
    other = newsletter.create_issue(newsletter.IssueData(subject=S, body=B, segment=stored), admin)
    assert newsletter.audience_count(other, admin) == 2


def test_composer_page_does_not_name_a_confidential_group(login_as):
    make_group(name={"zh_Hans": "幸存者支持组", "en": "Survivor support"}, confidential=True)
    page = login_as(Role.ORGANISER).get("/staff/newsletter/issues/new").get_data(as_text=True)
    assert "幸存者支持组" not in page and "Survivor support" not in page


def test_status_moves_follow_the_life_cycle(login_as):
    """A blocked person cannot be made active in one step: the page says so in the user's language."""
    person = make_volunteer(status="blocked")
    organiser = login_as(Role.ORGANISER)
    response = organiser.post(f"/staff/volunteers/{person.id}/status?lang=en", data={"status": "active"},
                              follow_redirects=True)
    assert "cannot go from" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Volunteer, person.id).status == "blocked"
    zh = organiser.post(f"/staff/volunteers/{person.id}/status?lang=zh", data={"status": "active"},
                        follow_redirects=True).get_data(as_text=True)
    assert "cannot go from" not in zh
    organiser.post(f"/staff/volunteers/{person.id}/status", data={"status": "contacted"})
    db.session.expire_all()
    assert db.session.get(Volunteer, person.id).status == "contacted"


def test_only_vetted_volunteers_join_confidential_or_vetted_only_groups(make_user):
    """An unvetted volunteer cannot be invited to a confidential group, nor to one set to "vetted only"."""
    admin = make_user(Role.ADMIN)
    new_person = make_volunteer()
    for group in (make_group(confidential=True), make_group(vetted_only=True)):
        try:
            work.invite(admin, group, new_person)
        except work.InvitationProblem as exc:
            assert "vetted" in str(exc)
        else:
            raise AssertionError("an unvetted volunteer was invited")
    vetted = make_volunteer(vetted=True)
    assert work.invite(admin, make_group(confidential=True), vetted).state == "pending"
    # An ordinary group still welcomes a new volunteer.
    assert work.invite(admin, make_group(), make_volunteer()).state == "pending"


def test_being_vetted_means_a_dated_vetting_entry(make_user):
    """Status alone does not make someone vetted: only the vetting entry in their history does."""
    person = make_volunteer(status="active")
    assert not services.is_vetted(person)
    services.set_status(make_user(Role.ORGANISER), person, services.Status.VETTED, vouched_by="阿青")
    assert services.is_vetted(person)
    assert db.session.scalar(select(StatusChange).where(StatusChange.volunteer_id == person.id,
                                                        StatusChange.to_status == "vetted")) is not None


def test_blocking_takes_someone_off_open_tasks_but_keeps_done_work(app, login_as):
    group = make_group(confidential=True)
    person = make_volunteer(vetted=True, status="active")
    add_member(group, person)
    open_task, done_task = Task(group_id=group.id, title="open"), Task(group_id=group.id, title="done", status="done")
    open_task.assignees, done_task.assignees = [person], [person]
    db.session.add_all([open_task, done_task])
    db.session.commit()
    login_as(Role.ORGANISER).post(f"/staff/volunteers/{person.id}/status", data={"status": "blocked", "confirmed": "y"})
    db.session.expire_all()
    assert person not in db.session.get(Task, open_task.id).assignees
    assert person in db.session.get(Task, done_task.id).assignees
    assert db.session.scalar(select(Membership).where(Membership.volunteer_id == person.id)) is None


def test_a_lead_sees_no_other_groups_members(app):
    mine, theirs = make_group(), make_group(confidential=True)
    lead, stranger = make_volunteer(), make_volunteer(nickname="陌生人ZQ")
    add_member(mine, lead, lead=True)
    add_member(theirs, stranger)
    client = volunteer_client(app, lead)
    assert client.get(f"/me/groups/{theirs.id}").status_code == 404


def test_chinese_signers_who_opt_in_are_reached_by_a_chinese_only_issue(app, client, inbox, make_user):
    """Signing in Chinese and ticking the newsletter makes a 中文 subscriber, one code everywhere."""
    petition = make_petition()
    client.post(f"/petitions/{petition.slug}/sign?lang=zh", data={
        "email": "zh.signer@example.org", "name": "小王", "display": "full", "region": "", "comment": "",
        "newsletter": "y"})
    send_mail(app)
    confirm = next(u for u in Inbox.links(inbox.last_to("zh.signer@example.org")) if "confirm" in u)
    client.post(confirm.split("5000", 1)[1], data={})
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == "zh.signer@example.org"))
    assert subscriber.locale == "zh_Hans"
    organiser = make_user(Role.ORGANISER)
    chinese = newsletter.create_issue(newsletter.IssueData(subject=S, body=B, languages=["zh_Hans"]), organiser)
    legacy = newsletter.create_issue(newsletter.IssueData(subject=S, body=B, languages=["zh"]), organiser)
    english = newsletter.create_issue(newsletter.IssueData(subject=S, body=B, languages=["en"]), organiser)
    assert newsletter.audience_count(chinese) == 1 and newsletter.audience_count(legacy) == 1
    assert newsletter.audience_count(english) == 0


def test_import_honours_the_sources_opt_outs(make_user):
    """Substack rows marked email_disabled (or unsubscribed) come in as unsubscribed and are never mailed."""
    data = ("email,name,created_at,email_disabled,unsubscribed_at\n"
            "ok@example.org,Ok,2025-01-01,false,\n"
            "off@example.org,Off,2025-01-01,true,\n"
            "gone@example.org,Gone,2025-01-01,false,2025-03-01\n")
    preview = newsletter.preview_import(data)
    assert [a for a, _n, _d in preview.accepted] == ["ok@example.org"]
    assert sorted(a for a, _n, _d in preview.opted_out) == ["gone@example.org", "off@example.org"]
    newsletter.import_subscribers(data, "substack", "zh", make_user(Role.ORGANISER))
    status = dict(db.session.execute(select(Subscriber.email, Subscriber.status)).all())
    assert status == {"ok@example.org": "confirmed", "off@example.org": "unsubscribed",
                      "gone@example.org": "unsubscribed"}
    assert db.session.scalar(select(Subscriber.locale).where(Subscriber.email == "ok@example.org")) == "zh_Hans"
