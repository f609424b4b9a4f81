"""Large files stream: the memory an import needs does not grow with the file."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from nextstep_tui.core.model import ListView
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage.database import open_database
from nextstep_tui.transfer.csv_import import ImportOptions, import_csv
from tests.conftest import ZONE


def write_deals(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Deal ID,Name,Email,Stage,Created\n")
        for number in range(rows):
            month, day = 1 + number % 11, 1 + number % 27
            out.write(
                f"{number},Lead {number},lead{number}@example.com,Prospecting,"
                f"2026-{month:02d}-{day:02d}\n"
            )
    return path


def peak_while_importing(folder: Path, rows: int) -> int:
    """The most memory Python held during the import of ``rows`` rows."""
    folder.mkdir()
    source = write_deals(folder / "deals.csv", rows)
    db = open_database(str(folder / "big.db"))
    try:
        pipeline = Pipeline(db, rep="ann", zone=ZONE)
        tracemalloc.start()
        try:
            import_csv(pipeline, source, ImportOptions())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert pipeline.count(ListView.ALL) == rows
    finally:
        db.close()
    return peak


def test_four_times_the_rows_needs_no_more_memory(tmp_path: Path) -> None:
    small = peak_while_importing(tmp_path / "small", 5_000)
    large = peak_while_importing(tmp_path / "large", 20_000)
    # A reader that kept rows, or their keys, would need about four times as much.
    assert large < small * 1.5, (small, large)
