"""Listings read by key give the same leads, in the same order, as by offset."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pendulum
import pytest

from nextstep_tui.core.listing import Listing
from nextstep_tui.core.model import DropReason, Lead, LeadFields, ListView, State
from nextstep_tui.core.pipeline import Pipeline
from tests.conftest import Clock
from tests.core.helpers import step

DUES = ["today 18:00", "mon 10:00", "mon 10:00", "tue", "+2w", "yesterday 15:00"]


@pytest.fixture
def crowded(pipeline: Pipeline, clock: Clock) -> Pipeline:
    """Sixty leads over six months: open with tied due times, won, dropped with
    and without a recycle day, the same instants shared by several leads."""
    start = clock.current
    for number in range(60):
        clock.current = start.subtract(months=number % 6, days=number % 3)
        due = DUES[number % len(DUES)]
        lead_id = pipeline.add_lead(
            LeadFields(f"Lead {number:02d}"), step(due=due, now=start)
        )
        clock.current = start
        if number % 5 == 3:
            pipeline.win(lead_id)
        elif number % 5 == 4:
            back = pendulum.date(2027, 1 + number % 3, 1) if number % 10 == 4 else None
            pipeline.drop(lead_id, DropReason.TIMING, recycle_on=back)
    return pipeline


def listings(pipeline: Pipeline) -> dict[str, Listing]:
    found = {view.value: pipeline.listing(view) for view in ListView}
    found["filtered"] = pipeline.listing(ListView.ALL, "Lead 1")
    found["dropped"] = pipeline.dropped_listing()
    for row in pipeline.cohorts():
        found[row.month] = pipeline.cohort_listing(row.month)
    return found


def ids(leads: list[Lead] | None) -> list[int]:
    assert leads is not None
    return [lead.id for lead in leads]


def test_walking_forward_by_key_reads_every_lead_once(crowded: Pipeline) -> None:
    for name, listing in listings(crowded).items():
        everything = listing.page(0, 1000)
        assert len(everything) == listing.count(), name
        walked = listing.page(0, 7)
        while len(walked) < len(everything):
            more = listing.after(walked[-1], 7)
            assert more, name
            walked += more
        assert ids(walked) == ids(everything), name


def test_walking_back_from_the_end_reads_every_lead_once(crowded: Pipeline) -> None:
    for name, listing in listings(crowded).items():
        everything = listing.page(0, 1000)
        walked = listing.before(None, 4) or []
        while walked and len(walked) < len(everything):
            walked = (listing.before(walked[0], 4) or []) + walked
        assert ids(walked) == ids(everything), name


def test_offsets_keys_and_positions_agree(crowded: Pipeline) -> None:
    for name, listing in listings(crowded).items():
        everything = listing.page(0, 1000)
        for index, lead in enumerate(everything):
            assert listing.position(lead.id) == index, (name, lead.name)
            assert ids(listing.page(index, 3)) == ids(everything[index : index + 3])
            assert ids(listing.after(lead, 3)) == ids(everything[index + 1 : index + 4])
            assert ids(listing.before(lead, 3)) == ids(
                everything[max(0, index - 3) : index]
            )


def test_a_lead_outside_the_listing_has_no_position(crowded: Pipeline) -> None:
    won = next(crowded.leads(State.WON))
    assert crowded.listing(ListView.ALL).position(won.id) is None
    assert crowded.dropped_listing().position(won.id) is None


def test_the_dropped_list_puts_dated_first_then_the_latest_dropped(
    crowded: Pipeline, clock: Clock
) -> None:
    dropped = crowded.dropped_listing().page(0, 1000)
    dated = [lead for lead in dropped if lead.recycle_on is not None]
    undated = [lead for lead in dropped if lead.recycle_on is None]
    assert dated and undated
    assert dropped == dated + undated
    assert [lead.recycle_on for lead in dated] == sorted(
        lead.recycle_on for lead in dated if lead.recycle_on is not None
    )
    closed = [lead.closed_at for lead in undated]
    assert closed == sorted(closed, reverse=True)  # type: ignore[type-var]


def test_a_snapshot_reads_one_moment_while_another_session_writes(
    crowded: Pipeline, db_path: Path
) -> None:
    listing = crowded.listing(ListView.ALL)
    with listing.snapshot():
        before = listing.count()
        first = ids(listing.page(0, 5))
        other = sqlite3.connect(db_path)  # another rep's session, another process
        other.execute(
            "INSERT INTO lead (name, owner, created_at, state, step_action, step_due) "
            "VALUES ('Newcomer', 'bob', 0, 'open', 'Call', 0)"  # due first of all
        )
        other.commit()
        other.close()
        assert listing.count() == before
        assert ids(listing.page(0, 5)) == first
    assert listing.count() == before + 1
    assert listing.page(0, 1)[0].name == "Newcomer"
