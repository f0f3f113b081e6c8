"""An issue's text can be kept as a named template and a new issue started from it."""
from __future__ import annotations

from sqlalchemy import select

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import services
from campaign.newsletter.models import Issue, IssueTemplate


def test_save_as_template_then_start_a_new_issue_from_it(login_as, make_user):
    organiser = login_as(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(
        subject={"zh_Hans": "月度通讯", "en": "Monthly news"},
        body={"zh_Hans": "{{name|朋友}}，本月进展：", "en": "This month:"}),
        make_user(Role.ORGANISER))
    organiser.post(f"/staff/newsletter/issues/{issue.id}/template", data={"name": "每月模板"})
    template = db.session.scalar(select(IssueTemplate))
    assert template is not None and (template.name, template.subject, template.body) == (
        "每月模板", {"zh_Hans": "月度通讯", "en": "Monthly news"},
        {"zh_Hans": "{{name|朋友}}，本月进展：", "en": "This month:"})
    listed = organiser.get("/staff/newsletter/templates?lang=en").get_data(as_text=True)
    assert "每月模板" in listed and f"/staff/newsletter/issues/new?template={template.id}" in listed
    composer = organiser.get("/staff/newsletter/issues/new?lang=en").get_data(as_text=True)
    assert "Start from a template" in composer and "每月模板" in composer
    filled = organiser.get(f"/staff/newsletter/issues/new?template={template.id}&lang=en").get_data(as_text=True)
    assert 'value="月度通讯"' in filled and "{{name|朋友}}，本月进展：" in filled and 'value="Monthly news"' in filled
    # Saving the started issue is a new draft; the template stays as it was.
    organiser.post("/staff/newsletter/issues/new", data={"subject-zh_Hans": "五月通讯", "body-zh_Hans": "五月进展"})
    assert db.session.scalar(select(Issue.subject).order_by(Issue.id.desc())) == {"zh_Hans": "五月通讯"}
    db.session.refresh(template)
    assert template.subject == {"zh_Hans": "月度通讯", "en": "Monthly news"}


def test_a_template_needs_a_name_and_an_unknown_one_fills_nothing(login_as, make_user):
    organiser = login_as(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "月度通讯"}, body={"zh_Hans": "正文"}),
        make_user(Role.ORGANISER))
    page = organiser.post(f"/staff/newsletter/issues/{issue.id}/template", data={"name": " "},
                          follow_redirects=True).get_data(as_text=True)
    assert db.session.scalar(select(IssueTemplate)) is None
    assert "给模板起个名字" in page
    missing = organiser.get("/staff/newsletter/issues/new?template=999&lang=en")
    assert missing.status_code == 200 and "No such template." in missing.get_data(as_text=True)


def test_deleting_a_template_keeps_issues(login_as, make_user):
    organiser = login_as(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "月度通讯"}, body={"zh_Hans": "正文"}),
        make_user(Role.ORGANISER))
    template = services.save_template(issue.id, "模板", make_user(Role.ORGANISER))
    organiser.post(f"/staff/newsletter/templates/{template.id}/delete", data={})
    assert db.session.scalar(select(IssueTemplate)) is None
    assert db.session.get(Issue, issue.id) is not None
