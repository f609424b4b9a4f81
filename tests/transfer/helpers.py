"""Files and builders shared by the import and export tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import peewee

from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.transfer.csv_import import ImportOptions, ImportResult, import_csv

DATA = Path(__file__).resolve().parent.parent / "data"
QUIRKS = DATA / "quirks"
SAMPLE_DIR = DATA / "crm-sales-opportunities"
SAMPLE = SAMPLE_DIR / "sales_pipeline.csv"


def import_file(
    pipeline: Pipeline, path: Path, *, dry_run: bool = False, **options: Any
) -> ImportResult:
    return import_csv(pipeline, path, ImportOptions(**options), dry_run=dry_run)


def quirk(name: str) -> Path:
    return QUIRKS / name


def dump(db: peewee.Database) -> list[str]:
    """Every statement that would rebuild the database: equal dumps, equal data."""
    connection = db.connection()
    return list(connection.iterdump())


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
