"""Without JavaScript, a survivor sends the questionnaire and comes back with the code."""
from flask import Flask

from campaign.intake import services as intake


class HelpPage:
    """Selectors of the questionnaire and the status page in one place."""

    def __init__(self, page):
        self.page = page

    def send(self, where: str) -> str:
        self.page.goto("/help?lang=en")
        self.page.check("input[name=kinds][value=hidden_camera]")
        self.page.check("input[name=platforms][value=telegram]")
        self.page.fill("textarea[name=where]", where)
        self.page.check("input[name=help_wanted][value=takedown]")
        self.page.click("form.form button[type=submit], form.form input[type=submit]")
        return self.page.inner_text("#receipt-code").strip()

    def check_status(self, code: str) -> str:
        self.page.goto("/help/status?lang=en")
        self.page.fill("input[name=code]", code)
        self.page.click("form.form input[type=submit]")
        return self.page.inner_text("#request-status")


def test_questionnaire_without_javascript(app: Flask, new_page):
    """The whole survivor flow works with scripts off and loads nothing from other hosts."""
    intake.create_key("browser-test-passphrase")
    page = new_page(javascript=False, locale="en-GB")
    help_page = HelpPage(page)
    code = help_page.send("t.me/some-channel")
    assert len(code.replace("-", "")) == 20
    assert help_page.check_status(code) == "New"
    assert "No messages yet" in page.content()
