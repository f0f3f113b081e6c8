"""`flask newsletter send-progress ISSUE_ID`: follow a send from the terminal."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from campaign.extensions import db
from campaign.newsletter import dispatch
from campaign.newsletter.models import Issue, IssueStatus

newsletter_cli = AppGroup("newsletter", help="The newsletter: follow a send from the terminal.")


@newsletter_cli.command("send-progress")
@click.argument("issue_id", type=int)
@click.option("--interval", default=1.0, show_default=True, help="Seconds between updates.")
def send_progress(issue_id: int, interval: float) -> None:
    """Show a progress bar until the send is finished, paused or cancelled (workers do the sending)."""
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        raise click.ClickException(f"no issue {issue_id}")
    state = dispatch.progress(issue_id)
    done = state.sent + state.failed + state.skipped
    with click.progressbar(length=state.total, label=f"issue {issue_id}", show_pos=True, show_eta=True) as bar:
        bar.update(done)
        while True:
            db.session.expire_all()
            issue = db.session.get(Issue, issue_id)
            if issue is None:
                raise click.ClickException(f"issue {issue_id} was deleted")
            state = dispatch.progress(issue_id)
            now_done = state.sent + state.failed + state.skipped
            bar.update(now_done - done)
            done = now_done
            if issue.status != IssueStatus.SENDING.value:
                break
            db.session.commit()
            time.sleep(interval)
    click.echo(
        f"{issue.status}: {state.sent} sent, {state.failed} failed, {state.skipped} skipped, "
        f"{state.pending} pending, {state.rate}/s"
    )
