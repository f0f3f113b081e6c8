"""`flask intake keygen` and `flask intake rotate`. Passphrases are asked for and never stored."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from campaign.intake import crypto
from campaign.intake import services as intake

intake_cli = AppGroup("intake", help="The key pair that encrypts help requests.")


def _read(path: str | None, prompt: str, confirm: bool) -> str:
    if path:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


@intake_cli.command("keygen")
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False),
              help="Read the passphrase from this file (for automation) instead of asking.")
def keygen(passphrase_file: str | None) -> None:
    """Create the key pair; its private key is stored only wrapped with your passphrase."""
    if intake.active_key() is not None:
        raise click.ClickException("a key exists already; use `flask intake rotate` to replace it")
    passphrase = _read(passphrase_file, "Passphrase", confirm=True)
    try:
        key = intake.create_key(passphrase)
    except crypto.WeakPassphrase as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created intake key v{key.version}. Without the passphrase no request can be read: "
               "keep it in the team's password manager, never on this server.")


@intake_cli.command("rotate")
@click.option("--old-passphrase-file", type=click.Path(exists=True, dir_okay=False))
@click.option("--new-passphrase-file", type=click.Path(exists=True, dir_okay=False))
def rotate(old_passphrase_file: str | None, new_passphrase_file: str | None) -> None:
    """Re-encrypt every stored request, message, note and report to a new key pair."""
    old = _read(old_passphrase_file, "Current passphrase", confirm=False)
    new = _read(new_passphrase_file, "New passphrase", confirm=True)
    try:
        key = intake.rotate(old, new)
    except intake.NoKey:
        raise click.ClickException("no key yet; run `flask intake keygen`") from None
    except crypto.WrongPassphrase:
        raise click.ClickException("the current passphrase does not unlock the key") from None
    except crypto.WeakPassphrase as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"rotated to intake key v{key.version}; caseworkers must unlock again")
