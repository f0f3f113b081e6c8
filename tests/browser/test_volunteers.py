"""The whole volunteer path in a real browser without JavaScript: sign up, confirm, join, do a task."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from campaign.extensions import db
from campaign.volunteers.models import Task, Volunteer, WorkingGroup
from tests.browser.conftest import wait_for_mail
from tests.conftest import Inbox


class SignupPage:
    def __init__(self, page) -> None:
        self.page = page

    def open(self) -> None:
        self.page.goto("/volunteer?lang=en")

    def submit(self, nickname: str, email: str, group: str) -> None:
        self.page.get_by_label("Nickname").fill(nickname)
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Translation", exact=True).check()
        self.page.get_by_label("I agree that the campaign keeps these answers", exact=False).check()
        self.page.get_by_label(group).check()
        self.page.get_by_role("button", name="Sign up").click()


def _link(inbox: Inbox, address: str, index: int = 0) -> str:
    wait_for_mail()
    return Inbox.links(inbox.last_to(address))[index]


def test_from_sign_up_to_a_finished_task(new_page, inbox, login_as):
    """A stranger signs up, confirms, is invited, accepts, gets a task, signs in by link and finishes it."""
    group = WorkingGroup(name={"zh_Hans": "翻译组", "en": "Translation team"}, open_to_interest=True)
    db.session.add(group)
    db.session.commit()
    page = new_page(javascript=False)
    signup = SignupPage(page)
    signup.open()
    signup.submit("晨星", "morning.star@example.net", "Translation team")
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    page.goto(_link(inbox, "morning.star@example.net"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    organiser = login_as("organiser")
    volunteer = db.session.scalar(select(Volunteer))
    organiser.post(f"/staff/volunteers/{volunteer.id}/invite", data={"group": str(group.id)})
    page.goto(_link(inbox, "morning.star@example.net", 0))
    page.get_by_role("button", name="Accept and join").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()

    organiser.post(f"/staff/groups/{group.id}/tasks", data={
        "title": "翻译联合声明", "priority": "high", "assignees": [str(volunteer.id)]})
    wait_for_mail()
    assert "翻译联合声明" in Inbox.text(inbox.last_to("morning.star@example.net"))

    page.goto("/volunteer/signin")
    page.get_by_label("Email").fill("morning.star@example.net")
    page.get_by_role("button", name="Send me a link").click()
    page.goto(_link(inbox, "morning.star@example.net"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, 晨星")).to_be_visible()
    page.get_by_role("link", name="翻译联合声明").click()
    page.get_by_role("button", name="Mark as: Done").click()
    expect(page.get_by_text("Task moved.")).to_be_visible()

    task = db.session.scalar(select(Task))
    db.session.refresh(task)
    assert task.status == "done"
    board = organiser.get(f"/staff/groups/{group.id}?lang=en").get_data(as_text=True)
    done_column = board.split('id="col-done"', 1)[1]
    assert "翻译联合声明" in done_column
