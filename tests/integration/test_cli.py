"""The `flask users` commands and the demo seeder."""
from __future__ import annotations

from sqlalchemy import func, select

from campaign.audit.models import AuditEvent
from campaign.auth import services as auth
from campaign.auth.models import Role
from campaign.extensions import db


def test_users_create_list_set_role_disable(app):
    """An admin on the server can create, list, change and disable staff accounts."""
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Ops@Example.org",
            "--role",
            "organiser",
            "--password",
            "a long password here",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "ops@example.org" in runner.invoke(args=["users", "list"]).output
    result = runner.invoke(
        args=["users", "set-role", "--email", "ops@example.org", "--role", "admin", "--role", "caseworker"]
    )
    assert result.exit_code == 0
    assert auth.find_user("ops@example.org").roles == {Role.ADMIN, Role.CASEWORKER}
    assert runner.invoke(args=["users", "disable", "--email", "ops@example.org"]).exit_code == 0
    assert auth.check_password("ops@example.org", "a long password here") is None
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.disable")) == 1
    )


def test_users_create_prompts_for_the_password(app):
    """Without --password the command asks twice, hidden, and refuses short ones."""
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--role", "admin"], input="short\nshort\n"
    )
    assert result.exit_code != 0 and "12" in result.output
    result = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--role", "admin"],
        input="a long password here\na long password here\n",
    )
    assert result.exit_code == 0, result.output
    assert auth.check_password("x@example.org", "a long password here") is not None


def test_unknown_role_and_unknown_user_are_clear_errors(app):
    runner = app.test_cli_runner()
    assert (
        "Invalid value"
        in runner.invoke(
            args=["users", "create", "--email", "y@example.org", "--role", "king", "--password", "x" * 12]
        ).output
    )
    assert "no account" in runner.invoke(args=["users", "disable", "--email", "ghost@example.org"]).output


def test_demo_seed_twice_changes_nothing(app):
    """`flask demo seed` fills an empty database and a second run adds nothing."""
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "admin@example.org" in first.output

    def counts() -> dict[str, int]:
        return {
            t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables
            if t.name not in {"audit_events", "queued_mail"}
        }

    before = counts()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert counts() == before
