"""`flask reports export`: every report and raw list to files, with a progress bar."""
from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from campaign.exports import csv_stream
from campaign.extensions import db
from campaign.reports import frames as fr
from campaign.reports import raw
from campaign.reports.exports import frame_csv, frames_xlsx, write_xlsx
from campaign.reports.services import org_filter

reports_cli = AppGroup("reports", help="Campaign reports and exports.")


def _private_file(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


@reports_cli.command("export")
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write into."
)
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--no-personal", is_flag=True, help="Leave out the raw lists that hold personal data.")
def export(out: Path, since: datetime | None, until: datetime | None, no_personal: bool) -> None:
    """Write every report (CSV per table and one XLSX) and the raw lists (CSV and XLSX).

    The raw lists hold personal data: they are written readable by the owner only.
    """
    out.mkdir(parents=True, exist_ok=True)
    f = org_filter(since=since.date() if since else None, until=until.date() if until else None,
                   include_confidential=True)
    lists = [] if no_personal else list(raw.LISTS)
    steps = len(fr.SECTIONS) + 1 + 2 * len(lists)
    written: list[Path] = []
    with db.engine.connect() as conn, click.progressbar(length=steps, label="exporting", file=sys.stderr) as bar:
        sections = {}
        for key, (build, _restricted) in fr.SECTIONS.items():
            sections[key] = build(conn, f)
            for name, frame in sections[key].items():
                path = out / f"report-{key}-{name}.csv"
                path.write_text("".join(frame_csv(frame)), encoding="utf-8")
                written.append(path)
            bar.update(1)
        path = out / "reports.xlsx"
        path.write_bytes(frames_xlsx(sections))
        written.append(path)
        bar.update(1)
        for kind in lists:
            header, rows = raw.LISTS[kind](conn, f)
            path = out / f"{kind}.csv"
            with os.fdopen(_private_file(path), "w", encoding="utf-8", newline="") as handle:
                for chunk in csv_stream(header, rows):
                    handle.write(chunk)
            written.append(path)
            bar.update(1)
            header, rows = raw.LISTS[kind](conn, f)
            path = out / f"{kind}.xlsx"
            os.close(_private_file(path))
            write_xlsx(str(path), [(kind, header, rows)])
            written.append(path)
            bar.update(1)
    click.echo(f"wrote {len(written)} files to {out}")
