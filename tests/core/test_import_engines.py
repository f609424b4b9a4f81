"""An import on each engine: rows with their own ids, then ids that carry on."""

from __future__ import annotations

from pathlib import Path

from nextstep_tui.core.pipeline import Pipeline
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
