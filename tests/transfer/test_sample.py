"""The public sample CRM, imported whole and checked against the file itself."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pendulum
import pytest

from nextstep_tui.core.importing import LOST_NOTE, TRIAGE_ACTION, Outcome
from nextstep_tui.core.model import DropReason, Lead, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.transfer.csv_import import ImportOptions, import_csv
from tests.conftest import NOW, ZONE
from tests.transfer.helpers import SAMPLE, SAMPLE_DIR, dump, import_file

STATES = {"Prospecting": "open", "Engaging": "open", "Won": "won", "Lost": "dropped"}


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def by_external_id(pipeline: Pipeline) -> dict[str, Lead]:
    return {str(lead.fields.external_id): lead for lead in pipeline.leads()}


@pytest.fixture
def imported(pipeline: Pipeline) -> Pipeline:
    import_file(pipeline, SAMPLE, owner_from="sales_agent")
    return pipeline


def test_every_row_comes_in_with_its_state(imported: Pipeline) -> None:
    rows = sample_rows()
    expected = Counter(STATES[row["deal_stage"]] for row in rows)

    found = Counter(lead.state.value for lead in imported.leads())

    assert len(rows) == 8800
    assert found == expected
    assert found == {"won": 4238, "dropped": 2473, "open": 2089}
    health = imported.health()  # the tally the import's rows kept
    assert (health.open, health.loose, health.firm) == (2089, 2089, 0)


def test_counts_per_creation_month_match_the_file(imported: Pipeline) -> None:
    # Rows without an engage date are dated on the import day.
    import_month = NOW.format("YYYY-MM")
    expected = Counter(row["engage_date"][:7] or import_month for row in sample_rows())

    months = Counter(
        lead.created_at.in_timezone(ZONE).format("YYYY-MM") for lead in imported.leads()
    )

    assert months == expected
    assert expected[import_month] == 500


def test_counts_per_agent_match_the_file(imported: Pipeline) -> None:
    expected = Counter(row["sales_agent"] for row in sample_rows())

    assert Counter(lead.owner for lead in imported.leads()) == expected
    assert len(expected) == 30


def test_without_owner_from_every_lead_is_the_importing_reps(
    pipeline: Pipeline,
) -> None:
    import_file(pipeline, SAMPLE)

    assert {lead.owner for lead in pipeline.leads()} == {"ann"}


def test_won_row_keeps_its_dates_value_and_sector(imported: Pipeline) -> None:
    lead = by_external_id(imported)["1C1I7A6R"]  # Cancity, GTX Plus Basic, Won

    assert lead.state is State.WON
    assert lead.name == "Cancity — GTX Plus Basic"
    assert lead.company == "Cancity"
    assert lead.fields.value_cents == 105400
    assert lead.fields.notes == "Sector: retail"
    assert lead.created_at == pendulum.datetime(2016, 10, 20, tz=ZONE)
    assert lead.closed_at == pendulum.datetime(2017, 3, 1, tz=ZONE)
    assert [event.kind for event in imported.history(lead.id)] == ["created", "won"]


def test_lost_row_is_dropped_with_the_products_price(imported: Pipeline) -> None:
    rows = sample_rows()
    lost = next(
        r for r in rows if r["deal_stage"] == "Lost" and r["product"] == "GTXPro"
    )
    lead = by_external_id(imported)[lost["opportunity_id"]]

    assert lead.state is State.DROPPED
    assert lead.drop_reason is DropReason.OTHER
    assert lead.drop_note == LOST_NOTE
    # close_value is 0 for lost deals; products.csv spells it "GTX Pro".
    assert lost["close_value"] == "0"
    assert lead.fields.value_cents == 482100


def test_open_rows_get_a_loose_triage_step_due_today(imported: Pipeline) -> None:
    today = NOW.in_timezone(ZONE).date()
    open_leads = list(imported.leads(State.OPEN))

    assert len(open_leads) == 2089
    for lead in open_leads:
        assert lead.step is not None
        assert lead.step.action == TRIAGE_ACTION
        assert lead.step.due.in_timezone(ZONE).date() == today
        assert not lead.step.has_time
        assert lead.step.missing == ("scheduled", "agreed", "advances")


def test_rows_without_an_account_are_named_by_product_and_id(
    imported: Pipeline,
) -> None:
    row = next(r for r in sample_rows() if not r["account"])
    lead = by_external_id(imported)[row["opportunity_id"]]

    assert lead.name == f"{row['product']} ({row['opportunity_id']})"
    assert lead.company == ""


def test_report_counts_rows_rules_and_outcomes(pipeline: Pipeline) -> None:
    result = import_file(pipeline, SAMPLE)
    report = result.report

    assert report.rows == 8800
    assert report.outcomes[Outcome.CREATED] == 8800
    assert report.undated == 500
    assert report.triaged == 2089
    assert result.plan.columns.profile is not None
    assert "Maven" in result.plan.columns.profile
    assert result.plan.side is not None
    assert result.plan.side.found == ("accounts.csv", "products.csv")
    assert {stage: state.value for stage, (state, _) in result.stages.items()} == STATES


def test_reimporting_the_sample_changes_nothing(pipeline: Pipeline) -> None:
    import_file(pipeline, SAMPLE)
    before = dump(pipeline.db)

    report = import_file(pipeline, SAMPLE).report

    assert not report.changed
    assert report.outcomes[Outcome.UNCHANGED] == 8800
    assert dump(pipeline.db) == before


def test_side_files_are_optional(pipeline: Pipeline, tmp_path: Path) -> None:
    lonely = tmp_path / "sales_pipeline.csv"
    lonely.write_bytes((SAMPLE_DIR / "sales_pipeline.csv").read_bytes())

    result = import_file(pipeline, lonely)

    assert result.plan.side is not None and result.plan.side.found == ()
    lead = next(iter(pipeline.leads(State.DROPPED)))
    assert lead.fields.value_cents == 0
    assert lead.fields.notes == ""


def test_progress_is_told_rows_done_and_rows_there_are(pipeline: Pipeline) -> None:
    calls: list[tuple[int, int | None]] = []

    import_csv(pipeline, SAMPLE, ImportOptions(), progress=lambda *c: calls.append(c))

    assert calls[0] == (500, 8800)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (8800, 8800)
