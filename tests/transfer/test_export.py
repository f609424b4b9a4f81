"""Export to CSV and JSON, and the round trip back through import."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

import pendulum

from nextstep_tui.core.model import DropReason, LeadFields
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage.database import open_database
from nextstep_tui.transfer.export import COLUMNS, export_csv, export_json
from tests.conftest import ZONE, Clock
from tests.core.helpers import step
from tests.transfer.helpers import SAMPLE, import_file

AWKWARD = LeadFields(
    name='=HYPERLINK("http://evil")',
    company="'=already guarded",
    contact="@mention",
    email="Jo.Doe@Acme.test",
    phone="+33 6 12 34 56 78",
    value_cents=1234567,
    source="-referral",
    notes='line one\nline two, with "quotes"\n+ a bullet',
)


def fill(pipeline: Pipeline) -> None:
    """Leads in every state, with awkward text, steps of both kinds, a recycle day."""
    awkward = pipeline.add_lead(AWKWARD, step("Call back", "mon 10:00", agreed=False))
    pipeline.postpone(awkward, step(due="tue 11:00").when)
    pipeline.add_lead(
        LeadFields(name="Date only", phone="0612345678"), step(due="today")
    )
    won = pipeline.add_lead(LeadFields(name="Won it", value_cents=99), step())
    pipeline.win(won, note="signed")
    dropped = pipeline.add_lead(LeadFields(name="Dropped", email="x@y.test"), step())
    pipeline.drop(
        dropped,
        DropReason.TIMING,
        note="next year",
        recycle_on=pendulum.date(2027, 3, 1),
    )


def exported(pipeline: Pipeline, path: Path) -> bytes:
    export_csv(pipeline, str(path))
    return path.read_bytes()


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_export_import_export_is_byte_for_byte(
    pipeline: Pipeline, tmp_path: Path, clock: Clock
) -> None:
    fill(pipeline)
    import_file(pipeline, SAMPLE)
    first = exported(pipeline, tmp_path / "first.csv")

    empty = open_database(str(tmp_path / "empty.db"))
    again = Pipeline(empty, rep="ann", zone=ZONE, clock=clock)
    report = import_file(again, tmp_path / "first.csv").report
    second = exported(again, tmp_path / "second.csv")

    assert report.rows == 8804
    assert report.triaged == 0  # the export's steps come back as they were
    assert second == first


def test_cells_a_spreadsheet_would_run_are_guarded(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    fill(pipeline)

    [row, *_] = rows_of(exported(pipeline, tmp_path / "out.csv"))

    assert row["name"] == '\'=HYPERLINK("http://evil")'
    assert row["company"] == "''=already guarded"
    assert row["contact"] == "'@mention"
    assert row["phone"] == "+33 6 12 34 56 78"  # digits and + call no function
    assert row["source"] == "'-referral"
    assert row["email"] == "Jo.Doe@Acme.test"
    assert row["notes"] == 'line one\nline two, with "quotes"\n+ a bullet'


def test_columns_hold_steps_flags_and_local_dates(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    fill(pipeline)

    data = exported(pipeline, tmp_path / "out.csv")
    awkward, date_only, won, dropped = rows_of(data)

    assert data.startswith(b"\xef\xbb\xbfexternal_id,name,")
    assert list(awkward) == list(COLUMNS)
    assert awkward["value"] == "12345.67"
    assert awkward["created"] == "2026-12-04 15:00"
    assert awkward["due"] == "2026-12-08 11:00"
    assert (awkward["scheduled"], awkward["agreed"], awkward["advances"]) == (
        "yes",
        "no",
        "yes",
    )
    assert (awkward["loose"], awkward["postponed"], awkward["hopium"]) == (
        "yes",
        "1",
        "no",
    )
    assert date_only["due"] == "2026-12-04" and date_only["scheduled"] == "no"
    assert date_only["phone"] == "0612345678"
    assert (
        won["state"] == "won"
        and won["closed"] == "2026-12-04 15:00"
        and won["step"] == ""
    )
    assert (dropped["drop_reason"], dropped["drop_note"]) == ("timing", "next year")
    assert dropped["recycle_on"] == "2027-03-01"


def test_export_file_is_private(pipeline: Pipeline, tmp_path: Path) -> None:
    fill(pipeline)
    path = tmp_path / "out.csv"
    path.write_text("old")

    count = export_csv(pipeline, str(path))

    assert count == 4
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_json_export_lists_every_lead(pipeline: Pipeline, tmp_path: Path) -> None:
    fill(pipeline)
    path = tmp_path / "out.json"

    count = export_json(
        pipeline, str(path), lambda lead: {"id": lead.id, "name": lead.name}
    )

    assert count == 4
    assert json.loads(path.read_text())[0] == {"id": 1, "name": AWKWARD.name}


def test_json_export_of_nothing_is_an_empty_list(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = tmp_path / "out.json"

    export_json(pipeline, str(path), lambda lead: {})

    assert json.loads(path.read_text()) == []
