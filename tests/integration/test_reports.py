"""The reports area: charts with their tables, exports, the caseworker-only section, the CLI."""
from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from campaign.audit.models import AuditEvent
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.reports.services import weekly_summary
from tests.conftest import deliver_now


def _seed(app) -> None:
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0


def test_organiser_reads_every_campaign_section_with_charts(app, login_as):
    """Each section shows its charts (SVG drawn on the server) beside tables, in both languages."""
    _seed(app)
    client = login_as(Role.ORGANISER)
    for key in ("petitions", "volunteers", "groups", "newsletter"):
        page = client.get(f"/reports/{key}?lang=zh").get_data(as_text=True)
        assert "报告" in page and "<table>" in page, key
    page = client.get("/reports/petitions?lang=en").get_data(as_text=True)
    assert page.count('src="data:image/svg+xml;base64,') >= 3
    assert "Confirmed signatures per day" in page


def test_date_filter_narrows_the_figures(app, login_as):
    """Choosing a date range changes the figures; a range that ends before it starts is refused."""
    _seed(app)
    client = login_as(Role.ORGANISER)
    everything = client.get("/reports/petitions/signatures_per_day.csv").get_data(as_text=True)
    nothing = client.get("/reports/petitions/signatures_per_day.csv?since=2000-01-01&until=2000-01-02").get_data(
        as_text=True
    )
    assert len(everything.splitlines()) > 30 and len(nothing.splitlines()) == 1
    page = client.get("/reports/petitions?since=2026-02-01&until=2026-01-01&lang=en").get_data(as_text=True)
    assert "The end date is before the start date." in page


def test_help_desk_report_is_for_caseworkers_and_admins_only(app, login_as):
    """Organisers cannot open the help-request figures; caseworkers can, and see no names."""
    _seed(app)
    assert login_as(Role.ORGANISER).get("/reports/intake").status_code == 403
    assert login_as(Role.ORGANISER).get("/reports/intake.xlsx").status_code == 403
    response = login_as(Role.CASEWORKER).get("/reports/intake?lang=en")
    assert response.status_code == 200 and "Takedown requests by platform" in response.get_data(as_text=True)
    assert login_as(Role.CASEWORKER).get("/reports/petitions").status_code == 403


def test_csv_export_has_bom_chinese_and_inert_formulas(app, login_as):
    """A CSV opens in Excel with Chinese intact, and a signer's formula-like comment stays text."""
    _seed(app)
    client = login_as(Role.ORGANISER)
    region = client.get("/reports/petitions/by_region.csv")
    assert region.data.startswith("\ufeff".encode())
    assert "北京" in region.get_data(as_text=True) or "上海" in region.get_data(as_text=True)
    from campaign.reports import tables as t

    db.session.execute(t.signatures.update().where(t.signatures.c.id == 1).values(comment="=HYPERLINK(\"http://evil\")"))
    db.session.commit()
    raw = client.get("/reports/raw/signatures.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in raw and ",=HYPERLINK" not in raw


def test_xlsx_export_has_one_sheet_per_table(app, login_as):
    """One sheet per table, named and headed in the downloader's language."""
    _seed(app)
    client = login_as(Role.ORGANISER)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports/petitions.xlsx?lang=en").data), read_only=True)
    assert book.sheetnames == ["Confirmed signatures per day", "Confirmation rate", "Signatures by region",
                               "Signatures by share channel", "Signatures by source", "Comments"]
    sheet = book["Signatures by region"]
    assert next(sheet.iter_rows(values_only=True)) == ("Region", "Signatures")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports/petitions.xlsx?lang=zh").data), read_only=True)
    assert len(book.sheetnames) == 6 and all(not name.isascii() for name in book.sheetnames)


def test_personal_data_lists_need_the_organiser_role_and_are_logged(app, login_as):
    """Raw lists with emails are for organisers; every download leaves an audit entry."""
    _seed(app)
    assert login_as(Role.CASEWORKER).get("/reports/raw/volunteers.csv").status_code == 403
    client = login_as(Role.ORGANISER)
    response = client.get("/reports/raw/volunteers.xlsx?lang=en")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert book["Volunteers"].max_row > 100
    logged = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export.personal_data")
    )
    assert logged == 1


def test_cli_export_writes_every_file(app, tmp_path):
    """`flask reports export --out DIR` writes each report and list; lists are owner-only."""
    _seed(app)
    result = app.test_cli_runner().invoke(args=["reports", "export", "--out", str(tmp_path), "--from", "2020-01-01"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in tmp_path.iterdir()}
    assert {"reports.xlsx", "signatures.csv", "volunteers.xlsx", "report-intake-takedowns_by_platform.csv"} <= names
    assert (tmp_path / "signatures.csv").stat().st_mode & 0o077 == 0
    assert (tmp_path / "report-petitions-by_channel.csv").read_text(encoding="utf-8").startswith("\ufeff")


def test_weekly_summary_goes_to_organisers_once_a_week(app, inbox, make_user):
    """When turned on, organisers get one summary a week; a second run the same week sends nothing."""
    organiser = make_user(Role.ORGANISER)
    make_user(Role.CASEWORKER)
    app.config["REPORTS_WEEKLY_SUMMARY"] = True
    assert weekly_summary() == 1
    assert weekly_summary() == 0
    deliver_now(app)
    assert len(inbox.messages) == 1 and inbox.last_to(organiser.email)


def test_group_names_and_titles_are_shown_in_the_readers_language_with_the_fallback(app):
    """A translated column (`group`, `title`, `subject`) becomes one column in the reader's language:
    Traditional where written, else the marked fallback; exports hold plain text under one title."""
    import pandas as pd
    from flask_babel import force_locale

    from campaign.content import Shown
    from campaign.reports.labels import column_title, for_export, labelled, raw_export

    policy = {"zh_Hans": "政策倡导", "zh_Hant": "政策倡導", "en": "Policy"}
    support = {"zh_Hans": "幸存者支持", "en": "Survivor support"}
    frame = pd.DataFrame({"group": [policy, support], "members": [3, 1]})
    with app.test_request_context("/?lang=zh-Hant"):
        shown = labelled("by_group", frame)["group"].tolist()
        assert shown == ["政策倡導", "幸存者支持"]
        assert not shown[0].fallback and shown[1].fallback and shown[1].tag == "zh-Hans"
        exported = for_export("by_group", frame)
        assert list(exported.columns) == [column_title("group"), column_title("members")] != ["group", "members"]
        assert [type(name) for name in exported.iloc[:, 0]] == [str, str]
        titles, rows = raw_export("tasks", ["group", "title"], iter([(support, "写信")]))
        assert len(titles) == 2 and list(rows) == [["幸存者支持", "写信"]]
    with app.test_request_context("/"), force_locale("en"):
        assert labelled("by_group", frame)["group"].tolist() == ["Policy", "Survivor support"]
        assert isinstance(labelled("events", pd.DataFrame({"title": [policy]}))["title"][0], Shown)
        assert for_export("by_group", frame).columns[0] == "Working group"


def test_days_are_the_organisations_days(app, login_as):
    """In Shanghai a day starts at 16:00 UTC the day before: a signature confirmed at 07:30 there
    counts on that morning's date, in the chart's table and under a date filter, on SQLite and
    PostgreSQL alike."""
    from datetime import datetime

    from campaign.petitions.models import Signature
    from tests.petitions_support import make_petition

    app.config["ORG_TIMEZONE"] = "Asia/Shanghai"
    petition = make_petition()
    for n, confirmed in enumerate([datetime(2026, 3, 10, 10, 0), datetime(2026, 3, 10, 23, 30)]):
        db.session.add(Signature(petition_id=petition.id, email=f"s{n}@example.org", name="S", status="confirmed",
                                 created_at=confirmed, confirmed_at=confirmed))
    db.session.commit()
    client = login_as(Role.ORGANISER)
    per_day = client.get("/reports/petitions/signatures_per_day.csv").get_data(as_text=True).splitlines()[1:]
    assert [row.split(",")[:2] for row in per_day] == [["2026-03-10", "1"], ["2026-03-11", "1"]]
    morning = client.get("/reports/petitions/signatures_per_day.csv?since=2026-03-11&until=2026-03-11")
    assert [row.split(",")[:2] for row in morning.get_data(as_text=True).splitlines()[1:]] == [["2026-03-11", "1"]]
