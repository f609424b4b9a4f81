"""Random sequences of operations never break the pipeline's promises."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nextstep_tui.core.errors import NextstepError
from nextstep_tui.core.model import DropReason, LeadFields, State, StepInput
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.core.when import When
from nextstep_tui.storage.database import open_database
from tests import pg_server
from tests.conftest import NOW, ZONE, Clock

_numbers = itertools.count()

OPERATIONS = (
    "add",
    "done",
    "postpone",
    "edit",
    "drop",
    "win",
    "recycle",
    "note",
    "tick",
)

operation = st.tuples(
    st.sampled_from(OPERATIONS),
    st.integers(min_value=0, max_value=7),  # which lead, by position
    st.integers(min_value=-2, max_value=40),  # hours from now for a due time
    st.booleans(),
    st.booleans(),
)


def due(clock: Clock, hours: int, timed: bool) -> When:
    instant = clock().add(hours=hours).in_timezone("UTC")
    if not timed:
        local = instant.in_timezone(ZONE).start_of("day")
        instant = local.in_timezone("UTC")
    return When(instant=instant, has_time=timed, zone=ZONE)


def apply(pipeline: Pipeline, clock: Clock, mine: list[int], op: tuple) -> None:
    name, which, hours, flag_a, flag_b = op
    new_step = StepInput("Next move", due(clock, hours, flag_a), flag_a, flag_b)
    if name == "tick":
        clock.advance(hours=hours if hours > 0 else 1)
        return
    if name == "add" or not mine:
        # A due day already gone (an hour back, just after midnight) is refused.
        with contextlib.suppress(NextstepError):
            mine.append(pipeline.add_lead(LeadFields(name=f"L{len(mine)}"), new_step))
        return

    lead_id = mine[which % len(mine)]
    actions = {
        "done": lambda: pipeline.complete_step(lead_id, new_step),
        "postpone": lambda: pipeline.postpone(lead_id, new_step.when),
        "edit": lambda: pipeline.edit_step(lead_id, new_step),
        "drop": lambda: pipeline.drop(lead_id, DropReason.OTHER),
        "win": lambda: pipeline.win(lead_id),
        "recycle": lambda: pipeline.recycle(lead_id, new_step),
        "note": lambda: pipeline.add_note(lead_id, "a point"),
    }
    # A refused operation must leave everything as it was; checked below.
    with contextlib.suppress(NextstepError):
        actions[name]()


def check_promises(pipeline: Pipeline) -> None:
    db = pipeline.db
    broken = db.execute_sql(
        "SELECT id FROM lead WHERE (state = 'open' AND (step_action IS NULL "
        "OR step_due IS NULL)) OR (state <> 'open' AND step_action IS NOT NULL)"
    ).fetchall()
    assert broken == []

    # The kept tally of open leads agrees with counting them.
    health = pipeline.health()
    open_leads = list(pipeline.leads(State.OPEN))
    assert health.open == len(open_leads)
    assert health.loose == sum(lead.step.loose for lead in open_leads if lead.step)
    threshold = pipeline.hopium_threshold
    assert health.hopium == sum(
        lead.step.postponed >= threshold for lead in open_leads if lead.step
    )

    events: dict[int, list[tuple[str, dict]]] = {}
    for lead_id, kind, data in db.execute_sql(
        "SELECT lead_id, kind, data FROM event ORDER BY id"
    ):
        events.setdefault(lead_id, []).append((kind, json.loads(data)))

    for lead in pipeline.leads():
        history = events[lead.id]
        assert history[0][0] == "created"
        assert replayed_state(history) is lead.state
        if lead.step is not None:
            assert lead.step.postponed == replayed_postponements(history)
            last_set = [
                data for kind, data in history if kind in ("step_set", "step_edited")
            ]
            assert last_set[-1]["action"] == lead.step.action

    kinds = Counter(kind for history in events.values() for kind, _ in history)
    assert kinds["created"] == len(events)


def replayed_state(history: list[tuple[str, dict]]) -> State:
    state = State.OPEN
    for kind, _ in history:
        if kind == "won":
            state = State.WON
        elif kind == "dropped":
            state = State.DROPPED
        elif kind == "recycled":
            state = State.OPEN
    return state


def replayed_postponements(history: list[tuple[str, dict]]) -> int:
    count = 0
    for kind, data in history:
        if kind in ("done", "recycled", "created"):
            count = 0
        elif kind == "postponed" or (kind == "step_edited" and "count" in data):
            count += 1
    return count


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=1, max_size=30))
# Just after midnight, a day-only step an hour back is yesterday: refused.
@example([("tick", 0, 9, False, False), ("add", 0, -1, False, False)])
def test_random_operations_keep_every_promise(tmp_path: Path, ops: list[tuple]) -> None:
    db = open_database(str(tmp_path / f"property-{next(_numbers)}.db"))
    clock = Clock(pendulum.instance(NOW))
    pipeline = Pipeline(db, rep="ann", zone=ZONE, clock=clock)
    mine: list[int] = []

    for op in ops:
        apply(pipeline, clock, mine, op)
        check_promises(pipeline)
    db.close()


@pytest.fixture(scope="module")
def postgres_pipeline(pg: pg_server.Server) -> Iterator[Pipeline]:
    """One PostgreSQL database for every example: its leads pile up, and the
    promises are checked over all of them."""
    db = open_database(pg.new_database())
    yield Pipeline(db, rep="ann", zone=ZONE)
    db.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=1, max_size=30))
def test_random_operations_keep_every_promise_on_postgresql(
    postgres_pipeline: Pipeline, ops: list[tuple]
) -> None:
    clock = Clock(pendulum.instance(NOW))
    pipeline = Pipeline(postgres_pipeline.db, rep="ann", zone=ZONE, clock=clock)
    mine: list[int] = []

    for op in ops:
        apply(pipeline, clock, mine, op)
        check_promises(pipeline)
