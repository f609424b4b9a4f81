"""The command line, as scripts and shell logins use it."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from nextstep_tui.cli import build_parser, main
from nextstep_tui.storage.database import open_database


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("NEXTSTEP_DB", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys: pytest.CaptureFixture[str], name: str = "Acme", *extra: str) -> int:
    code, out, err = run(
        capsys, "add", name, "--step", "Demo", "--due", "tomorrow 10am", *extra
    )
    assert code == 0, err
    return int(out)


def test_add_prints_the_id_and_list_json_shows_it(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lead_id = add(
        capsys,
        "Acme",
        "--company",
        "Acme Ltd",
        "--value",
        "12,000.50",
        "--agreed",
        "--advances",
    )

    code, out, _ = run(capsys, "list", "--json")
    [lead] = json.loads(out)
    assert code == 0
    assert lead["id"] == lead_id
    assert lead["company"] == "Acme Ltd"
    assert lead["value"] == 12000.5
    assert lead["state"] == "open"
    assert lead["action"] == "Demo"
    assert lead["loose"] is False
    assert "T10:00:00" in lead["due"]
    assert lead["created"][:4].isdigit()


def test_agenda_json_and_text(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(capsys, "Later")
    run(capsys, "add", "Today", "--step", "Call", "--due", "today")

    code, out, _ = run(capsys, "agenda", "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert code == 0
    assert rows["Today"]["now"] is True and rows["Later"]["now"] is False
    assert rows["Today"]["loose"] is True and rows["Today"]["postponed"] == 0
    assert set(rows["Later"]) >= {
        "id",
        "name",
        "action",
        "due",
        "now",
        "loose",
        "postponed",
    }

    code, out, _ = run(capsys, "agenda")
    assert "Due now (1):" in out and "Today" in out
    assert "Next:" in out and "Later" in out


def test_done_postpone_drop_recycle_win(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lead_id = add(capsys)
    code, out, err = run(
        capsys, "done", str(lead_id), "--step", "Proposal", "--due", "+2d"
    )
    assert code == 0 and out.startswith("Next step: ") and "Proposal" in out
    assert "loose (no time set, not agreed, does not advance)" in err
    code, out, _ = run(capsys, "postpone", str(lead_id), "+3d")
    assert code == 0 and "once" in out
    assert (
        run(capsys, "drop", str(lead_id), "--reason", "no-budget", "--recycle", "+30d")[
            0
        ]
        == 0
    )
    assert (
        run(
            capsys, "recycle", str(lead_id), "--step", "Call back", "--due", "tomorrow"
        )[0]
        == 0
    )
    assert run(capsys, "win", str(lead_id))[0] == 0

    code, out, _ = run(capsys, "show", str(lead_id), "--json")
    kinds = [event["kind"] for event in json.loads(out)["history"]]
    assert kinds == [
        "created",
        "step_set",
        "done",
        "step_set",
        "postponed",
        "dropped",
        "recycled",
        "step_set",
        "won",
    ]


def test_each_change_is_confirmed_in_one_line(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lead_id = add(capsys, "Acme", "--agreed", "--advances")
    _, out, _ = run(capsys, "note", str(lead_id), "Budget is signed")
    assert out == f"Talking point added to #{lead_id}.\n"
    _, out, _ = run(capsys, "drop", str(lead_id), "--reason", "timing")
    assert out == f"Dropped #{lead_id} (timing).\n"
    _, out, err = run(
        capsys, "recycle", str(lead_id), "--step", "Call", "--due", "mon 10:00",
        "--agreed", "--advances",
    )  # fmt: skip
    assert out.startswith("Back in the pipeline: ") and err == ""
    _, out, _ = run(capsys, "win", str(lead_id))
    assert out == f"Won #{lead_id}.\n"


def test_errors_go_to_stderr_and_change_nothing(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lead_id = add(capsys)
    before = sqlite3.connect(db).execute("SELECT * FROM lead").fetchall()

    for argv in (
        ["postpone", str(lead_id), "01/02/2027"],
        ["postpone", str(lead_id), "gibberish"],
        ["drop", str(lead_id), "--reason", "bored"],
        ["win", "999"],
        ["add", "X", "--step", "Y", "--due", "tomorrow", "--value", "lots"],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 1, argv
        assert out == ""
        assert err.startswith("nextstep: ") and "Traceback" not in err

    assert sqlite3.connect(db).execute("SELECT * FROM lead").fetchall() == before


def test_hopium_warning_after_three_postponements(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lead_id = add(capsys)
    for days in (2, 3):
        run(capsys, "postpone", str(lead_id), f"+{days}d")
    code, _, err = run(capsys, "postpone", str(lead_id), "+4d")

    assert code == 0
    assert "postponed 3 times" in err and "drop" in err


def test_cohorts_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(capsys, "A")
    won = add(capsys, "B")
    run(capsys, "win", str(won))

    code, out, _ = run(capsys, "cohorts", "--json")
    [month] = json.loads(out)
    assert code == 0
    assert month["created"] == 2 and month["won"] == 1 and month["open"] == 1
    assert len(month["month"]) == 7


def test_names_are_printed_without_terminal_escapes(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(capsys, "Evil\x1b[2J\x1b]0;pwned\x07Corp")

    _, out, _ = run(capsys, "agenda")
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil[2J]0;pwnedCorp" in out


def test_show_gives_history_times_in_the_reps_zone(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    lead_id = add(capsys)

    code, out, _ = run(capsys, "show", str(lead_id))
    step_set = next(line for line in out.splitlines() if "step_set" in line)
    assert code == 0
    assert "due=" in step_set and " 10:00" in step_set
    assert "+00:00" not in out


def test_agenda_lists_a_few_due_now_and_counts_the_rest(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for number in range(5):
        run(capsys, "add", f"Lead {number}", "--step", "Call", "--due", "today")
    code, out, _ = run(capsys, "agenda", "--now", "2")
    assert code == 0
    assert "Due now (5):" in out
    assert out.count("Call") == 2
    assert "... and 3 more due now" in out

    code, out, _ = run(capsys, "agenda", "--json")
    assert code == 0 and len(json.loads(out)) == 5


def test_the_app_without_a_terminal_says_so_and_stops(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nextstep_tui", "--db", str(tmp_path / "x.db")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr


@pytest.mark.parametrize(
    "command", [["agenda"], ["list"], ["show", "1"], ["cohorts"], ["export", "-"]]
)
def test_reading_a_database_that_is_not_there_is_an_error(
    db: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, out, err = run(capsys, *command)
    assert code != 0 and out == ""
    assert f"No database at {db}" in err
    assert not db.exists()  # a typo must not leave an empty file behind


def test_a_postgresql_server_not_there_gets_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://ann:secret@/sales?host={tmp_path}"  # no server's socket
    code, _, err = run(capsys, "--db", url, "agenda")
    assert code != 0
    assert err.startswith("nextstep: Cannot open the database postgresql://ann:***@")
    assert "secret" not in err


def test_every_command_has_help() -> None:
    parser = build_parser()
    subparsers = next(
        action
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    for name in subparsers.choices:
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args([name, "--help"])
        assert exit_info.value.code == 0


def test_version_and_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nextstep_tui", "--version"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("nextstep ")


def test_agenda_does_not_import_the_screen_library(tmp_path: Path) -> None:
    open_database(str(tmp_path / "a.db")).close()
    probe = (
        "import sys; from nextstep_tui.cli import main; "
        "code = main(['agenda']); "
        "assert 'textual' not in sys.modules, 'textual was imported'; "
        "sys.exit(code)"
    )
    env = {**os.environ, "NEXTSTEP_DB": str(tmp_path / "a.db")}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr


def test_core_never_imports_the_screens() -> None:
    probe = (
        "import sys, nextstep_tui.core.pipeline, nextstep_tui.core.model; "
        "ui = ('textual', 'nextstep_tui.ui'); "
        "bad = [m for m in sys.modules if m.startswith(ui)]; "
        "assert not bad, bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
