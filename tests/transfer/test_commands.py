"""import, export and demo from the command line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nextstep_tui.cli import main
from nextstep_tui.transfer.commands import _ProgressLine
from tests.transfer.helpers import SAMPLE, quirk


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("NEXTSTEP_DB", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def lead_count(capsys: pytest.CaptureFixture[str]) -> int:
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    return len(json.loads(out))


def test_dry_run_shows_the_plan_and_writes_nothing(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "import", str(SAMPLE), "--dry-run")

    assert code == 0
    assert "Recognised: CRM + Sales + Opportunities sample (Maven Analytics)." in out
    assert "  opportunity_id → external_id" in out
    assert "  sales_agent: not used (--owner-from 'sales_agent' to assign leads)" in out
    assert (
        "Stages: Won → won (4,238); Engaging → open (1,589); Lost → dropped (2,473); "
        "Prospecting → open (500)." in out
    )
    assert "Rows without a creation date: 500; they are dated on the import day" in out
    assert (
        "Leads would be created: 8,800 (2,089 open, 4,238 won, 2,473 dropped)." in out
    )
    assert out.rstrip().endswith("Dry run: nothing was written.")
    assert not db.exists()  # not even an empty database


def test_import_then_reimport_says_nothing_changed(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "import", str(SAMPLE), "--owner-from", "sales_agent")
    assert code == 0
    assert "Leads created: 8,800" in out
    assert "  sales_agent → owner (as asked)" in out

    code, out, _ = run(capsys, "import", str(SAMPLE))
    assert code == 0
    assert "Leads updated: 0; already up to date: 8,800." in out
    assert out.rstrip().endswith(
        "Nothing changed: the pipeline already holds every row as it is."
    )


def test_ambiguous_dates_stop_with_the_question(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", str(quirk("ambiguous_dates.csv")))

    assert code == 1
    assert (
        "could be day-first or month-first; rerun with --dayfirst or --monthfirst"
        in err
    )

    code, out, _ = run(
        capsys, "import", str(quirk("ambiguous_dates.csv")), "--dayfirst"
    )
    assert code == 0
    assert "Dates: day-first (as asked)." in out


def test_a_bad_row_names_file_and_line(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", str(quirk("bad_row.csv")))

    assert code == 1
    assert err == (
        "nextstep: bad_row.csv, line 4: column 'Created': '2017-02-30' is not a date "
        "that exists. Nothing was imported.\n"
    )
    assert not db.exists()


def test_map_and_stage_options(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    semicolon = str(quirk("semicolon.csv"))
    code, out, _ = run(
        capsys,
        "import",
        semicolon,
        "--map",
        "Firma=company",
        "--map",
        "Betrag=value",
        "--stage",
        "Parked=dropped",
    )
    assert code == 0
    assert "  Firma → company (as asked)" in out

    code, _, err = run(capsys, "import", semicolon, "--map", "Firma=colour")
    assert code == 1 and "Unknown field 'colour' for 'Firma'" in err
    code, _, err = run(capsys, "import", semicolon, "--stage", "Parked=maybe")
    assert code == 1 and "--stage as NAME=open" in err
    code, _, err = run(capsys, "import", semicolon, "--map", "Nope=name")
    assert code == 1 and "no column 'Nope'" in err


def test_export_csv_ics_and_json(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(quirk("pipedrive_deals.csv")))

    code, _, err = run(capsys, "export", str(tmp_path / "out.csv"))
    assert code == 0 and err == f"Exported 3 leads to {tmp_path / 'out.csv'}.\n"
    assert (tmp_path / "out.csv").read_bytes().count(b"\r\n") == 4

    code, _, err = run(capsys, "export", "--ics", str(tmp_path / "out.ics"))
    assert code == 0 and "Exported 1 open step to" in err
    assert (tmp_path / "out.ics").read_bytes().count(b"BEGIN:VEVENT") == 1

    code, out, _ = run(capsys, "export", "--json")
    assert code == 0
    assert [lead["name"] for lead in json.loads(out)] == [
        "Acme renewal",
        "Globex pilot",
        "Initech deal",
    ]

    code, _, err = run(capsys, "export")
    assert code == 2 and "name the file to export to" in err


def test_demo_no_open_prints_where_and_what(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.db"

    code, out, _ = run(capsys, "demo", "--no-open", "--db", str(path))

    assert code == 0
    assert f"Demo database: {path}\n" in out
    assert "Leads: 8,800 (2,089 open, 4,238 won, 2,473 dropped)" in out
    assert path.exists()


def test_demo_refuses_the_reps_own_database(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "demo", "--no-open", "--db", str(db))

    assert code == 1
    assert "is your own pipeline" in err
    assert not db.exists()


def test_progress_line_for_big_files_only() -> None:
    stream = io.StringIO()
    progress = _ProgressLine(stream)

    progress(500, 1000)
    assert stream.getvalue() == ""
    progress(10_000, 40_000)
    progress(40_000, 40_000)
    progress.clear()

    assert stream.getvalue() == (
        "\rImporting: 10,000 of about 40,000 rows (25%)"
        "\rImporting: 40,000 of about 40,000 rows (100%)\r\x1b[K"
    )


def test_transfer_commands_do_not_load_the_screen_library() -> None:
    code = (
        "import sys; from nextstep_tui.cli import build_parser; build_parser(); "
        "import nextstep_tui.transfer.csv_import, nextstep_tui.transfer.export, "
        "nextstep_tui.transfer.ics, nextstep_tui.transfer.demo; "
        "sys.exit('textual' in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_amounts_that_read_both_ways_stop_with_the_question(
    db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "amounts.csv"
    path.write_text("Name,Value\r\nAcme,1.234\r\n", encoding="utf-8")

    code, _, err = run(capsys, "import", str(path))
    assert code == 1
    assert "'1.234' could be 1234 or 1.234; rerun with --decimal-point or" in err

    code, out, _ = run(capsys, "import", str(path), "--decimal-comma")
    assert code == 0
    assert "Amounts: decimal comma (as asked)." in out


def test_a_dry_run_or_a_failed_import_leaves_no_new_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("Name\nAcme\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text('Name\n"Acme\n', encoding="utf-8")  # a quote never closed
    target = tmp_path / "new.db"

    assert main(["--db", str(target), "import", str(good), "--dry-run"]) == 0
    assert main(["--db", str(target), "import", str(bad)]) != 0
    assert not target.exists()
    assert not list(tmp_path.glob("new.db*"))

    assert main(["--db", str(target), "import", str(good)]) == 0
    assert target.exists()
    assert main(["--db", str(target), "import", str(bad)]) != 0
    assert target.exists()  # an existing database is never removed
