"""The seeded admin signs in with a second factor, switches language and reads the dev mailbox."""
from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from campaign.demo import DEMO_PASSWORD


def test_seeded_admin_signs_in_switches_language_and_reads_mailbox(app, new_page, tmp_path):
    app.config["MAIL_SERVER"] = ""  # no mail server: mail lands in the development mailbox
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "mail")
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0

    page = new_page(javascript=False)
    page.goto("/login")
    page.get_by_label("电子邮箱").fill("admin@example.org")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    # First sign-in of an admin: set up the authenticator app.
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="继续").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="继续").click()

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Staff")).to_be_visible()
    page.get_by_role("link", name="Staff accounts").click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email").fill("new.caseworker@example.org")
    page.get_by_label("Caseworker").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent.")).to_be_visible()

    page.goto("/admin/mailbox")
    page.get_by_role("link", name="简体中文").click()
    expect(page.get_by_role("heading", name="开发邮箱")).to_be_visible()
    page.get_by_role("row", name="new.caseworker@example.org").get_by_role("link").click()
    expect(page.get_by_text("/invite/")).to_be_visible()
