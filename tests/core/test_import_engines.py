"""An import on each engine: rows with their own ids, then ids that carry on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.transfer.csv_import import ImportOptions, import_csv
from tests.conftest import Clock
from tests.core.helpers import fields, step
from tests.transfer.helpers import import_file, write


def test_imported_leads_and_later_ones_get_their_own_ids(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    first = pipeline.add_lead(fields("Before"), step())
    csv = write(
        tmp_path / "leads.csv",
        "Name,Email,Next step,Due\n"
        "Acme,a@acme.test,Demo,2026-12-10 10:00\n"
        "Globex,g@globex.test,,\n",
    )

    import_file(pipeline, csv)

    names = {lead.id: lead.name for lead in pipeline.leads()}
    assert names == {first: "Before", first + 1: "Acme", first + 2: "Globex"}
    assert pipeline.add_lead(fields("After"), step()) == first + 3
    assert pipeline.health().open == 4


def test_a_lead_added_during_an_import_waits_and_gets_its_own_id(
    pipeline: Pipeline, tmp_path: Path, clock: Clock
) -> None:
    """Another session's add waits for the import, whatever the engine,
    instead of taking an id the import handed out. (Another thread has its
    own connection: another session, as far as the database knows.)"""
    rows = "".join(f"Lead {n},l{n}@x.test,Call,2026-12-10 10:00\n" for n in range(3))
    csv = write(tmp_path / "leads.csv", "Name,Email,Next step,Due\n" + rows)
    other = Pipeline(pipeline.db, rep="bob", zone=pipeline.zone, clock=clock)
    added: list[int] = []
    tried = threading.Event()

    def add_meanwhile() -> None:
        tried.set()
        added.append(other.add_lead(fields("Meanwhile"), step()))

    adder = threading.Thread(target=add_meanwhile)

    def progress(done: int, total: int | None) -> None:
        if adder.is_alive() or added:
            return
        adder.start()
        tried.wait(5)
        time.sleep(0.3)  # the add is now waiting on the import's lock
        assert not added, "another session wrote during the import"

    import_csv(pipeline, csv, ImportOptions(), progress=progress)
    adder.join(10)

    names = {lead.id: lead.name for lead in pipeline.leads()}
    assert sorted(names.values()) == ["Lead 0", "Lead 1", "Lead 2", "Meanwhile"]
    assert names[added[0]] == "Meanwhile"
