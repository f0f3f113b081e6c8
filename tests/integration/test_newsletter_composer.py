"""The composer tells the organiser who an issue would reach before anything is saved, and
schedules in the organisation's own clock (ORG_TIMEZONE), storing UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import services
from campaign.newsletter.models import Issue
from tests.integration.newsletter_helpers import add_subscribers


def test_count_button_keeps_what_was_typed_and_saves_nothing(login_as, app):
    add_subscribers(3, prefix="zh")
    add_subscribers(2, prefix="en", locale="en")
    organiser = login_as(Role.ORGANISER)
    page = organiser.post("/staff/newsletter/issues/new?lang=en", data={
        "subject-zh_Hans": "Spring <update>", "body-zh_Hans": "Dear {{name}}, news.",
            "languages": ["en"], "count": "Count recipients",
    }).get_data(as_text=True)
    assert "2 people would receive this issue now." in page
    assert 'value="Spring &lt;update&gt;"' in page
    assert "Dear {{name}}, news." in page
    assert db.session.scalar(select(func.count(Issue.id))) == 0


def test_count_button_works_with_nothing_typed_yet(login_as, app):
    add_subscribers(1)
    organiser = login_as(Role.ORGANISER)
    page = organiser.post("/staff/newsletter/issues/new?lang=zh", data={"count": "1"}).get_data(as_text=True)
    assert "目前有 1 人会收到这一期。" in page
    assert "error" not in page.split('id="recipient-count"')[1].split("</p>")[0]


def test_live_count_answers_as_the_audience_changes(login_as, app):
    add_subscribers(3, prefix="zh")
    add_subscribers(2, prefix="en", locale="en")
    organiser = login_as(Role.ORGANISER)
    everyone = organiser.get("/staff/newsletter/audience.json?lang=en").get_json()
    assert everyone["count"] == 5
    chinese = organiser.get("/staff/newsletter/audience.json?lang=en&languages=zh_Hans").get_json()
    assert chinese == {"count": 3, "message": "3 people would receive this issue now."}
    unknown = organiser.get("/staff/newsletter/audience.json?segment=nonsense:1").get_json()
    assert unknown["count"] == 0


def test_live_count_is_for_organisers_only(login_as, client, app):
    assert client.get("/staff/newsletter/audience.json").status_code in (302, 401, 403)
    assert login_as(Role.CASEWORKER).get("/staff/newsletter/audience.json").status_code == 403


def test_schedule_is_typed_and_shown_in_the_organisation_time_zone(login_as, app, make_user):
    add_subscribers(1)
    organiser = login_as(Role.ORGANISER)
    author = make_user(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "定时"}, body={"zh_Hans": "正文"}), author)
    page = organiser.get(f"/staff/newsletter/issues/{issue.id}?lang=en").get_data(as_text=True)
    assert "Send at (Asia/Shanghai time)" in page
    organiser.post(f"/staff/newsletter/issues/{issue.id}/schedule", data={"when": "2030-03-01T09:30"})
    stored = db.session.get(Issue, issue.id)
    assert stored is not None and stored.status == "scheduled"
    assert stored.scheduled_at == datetime(2030, 3, 1, 1, 30)  # 09:30 in Shanghai is 01:30 UTC
    page = organiser.get(f"/staff/newsletter/issues/{issue.id}?lang=en").get_data(as_text=True)
    assert "Scheduled for 2030-03-01 09:30 (Asia/Shanghai time)" in page
    assert 'value="2030-03-01T09:30"' in page


def test_schedule_follows_another_zone(make_app, inbox, make_user):
    app = make_app(ORG_TIMEZONE="Europe/Berlin")
    with app.app_context():
        add_subscribers(1, prefix="berlin")
        from tests.conftest import Client, sign_in

        app.test_client_class = Client
        organiser = sign_in(app.test_client(), make_user(Role.ORGANISER))
        issue = services.create_issue(services.IssueData(subject={"zh_Hans": "定时"},
            body={"zh_Hans": "正文"}), make_user(Role.ORGANISER))
        organiser.post(f"/staff/newsletter/issues/{issue.id}/schedule", data={"when": "2030-07-01T09:30"})
        stored = db.session.get(Issue, issue.id)
        assert stored is not None and stored.scheduled_at == datetime(2030, 7, 1, 7, 30)  # CEST is UTC+2


def test_counts_follow_the_visibility_policy_of_who_asks(login_as, app):
    """An organiser who may not see a confidential group counts nobody in it, even by typing its id."""
    from tests.integration.volunteer_factories import add_member, make_group, make_volunteer

    group = make_group(confidential=True)
    add_member(group, make_volunteer(email="hidden@example.net", mail_consent=True, status="vetted"))
    url = f"/staff/newsletter/audience.json?segment=volunteer-group:{group.id}"
    assert login_as(Role.ORGANISER).get(url).get_json()["count"] == 0
    assert login_as(Role.ADMIN).get(url).get_json()["count"] == 1


def test_composer_has_one_fieldset_per_language_and_flags_the_missing_one(login_as, make_user):
    """With three languages the composer shows three fieldsets; a language left unwritten is flagged,
    there and in the list of issues."""
    organiser = login_as(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(
        subject={"zh_Hans": "三月通讯", "en": "March news"}, body={"zh_Hans": "正文", "en": "Text"}),
            make_user(Role.ORGANISER))
    page = organiser.get(f"/staff/newsletter/issues/{issue.id}/edit?lang=en").get_data(as_text=True)
    assert page.count('<fieldset class="card translated">') == 3
    for name in ("subject-zh_Hans", "subject-zh_Hant", "subject-en", "body-zh_Hans", "body-zh_Hant", "body-en"):
        assert f'name="{name}"' in page
    assert 'value="March news"' in page
    assert page.count("Not translated yet") == 1 and "Not translated yet: Subject, Text (Markdown)" in page
    listed = organiser.get("/staff/newsletter?lang=en").get_data(as_text=True)
    assert "Not translated: 繁體中文" in listed


def test_composer_stores_every_language_written(login_as):
    """Saving the composer keeps each language's subject and text; an empty one is left out."""
    organiser = login_as(Role.ORGANISER)
    organiser.post("/staff/newsletter/issues/new", data={
        "subject-zh_Hans": "通讯", "subject-zh_Hant": "通訊", "subject-en": "",
        "body-zh_Hans": "正文", "body-zh_Hant": "正文（繁）", "body-en": ""})
    issue = db.session.scalar(select(Issue))
    assert issue.subject == {"zh_Hans": "通讯", "zh_Hant": "通訊"}
    assert issue.body == {"zh_Hans": "正文", "zh_Hant": "正文（繁）"}
