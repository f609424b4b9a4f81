"""Every operation and view of the pipeline, on a real database file."""

from __future__ import annotations

import pytest

from nextstep_tui.core.access import Access
from nextstep_tui.core.errors import Conflict, InvalidInput, NotFound, WrongState
from nextstep_tui.core.model import DropReason, LeadFields, ListView, State, StepInput
from nextstep_tui.core.pipeline import Pipeline
from tests.conftest import Clock
from tests.core.helpers import fields, step, when


def kinds(pipeline: Pipeline, lead_id: int) -> list[str]:
    return [event.kind for event in pipeline.history(lead_id)]


def test_add_lead_keeps_fields_and_first_step(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(
        fields("Acme", company="Acme Ltd", email="cfo@acme.test", value_cents=120000),
        step("Demo to the CFO", "mon 10:00"),
    )
    lead = pipeline.get(lead_id)

    assert lead.state is State.OPEN
    assert lead.owner == "ann"
    assert lead.fields.company == "Acme Ltd"
    assert lead.fields.value_cents == 120000
    assert lead.step is not None
    assert lead.step.action == "Demo to the CFO"
    assert lead.step.due.isoformat() == "2026-12-07T09:00:00+00:00"
    assert not lead.step.loose
    assert kinds(pipeline, lead_id) == ["created", "step_set"]


def test_created_at_is_computed_per_row(pipeline: Pipeline, clock: Clock) -> None:
    first = pipeline.add_lead(fields("A"), step())
    clock.advance(minutes=5)
    second = pipeline.add_lead(fields("B"), step())

    gap = pipeline.get(second).created_at - pipeline.get(first).created_at
    assert gap.in_seconds() == 300


def test_add_lead_refuses_an_empty_step_or_name(pipeline: Pipeline) -> None:
    with pytest.raises(InvalidInput, match="action"):
        pipeline.add_lead(fields(), step(action="   "))
    with pytest.raises(InvalidInput, match="name"):
        pipeline.add_lead(fields(""), step())
    assert pipeline.count() == 0


def test_a_time_earlier_today_is_refused_but_today_alone_is_not(
    pipeline: Pipeline,
) -> None:
    # NOW is Friday 15:00 in the rep's zone.
    with pytest.raises(InvalidInput, match="in the past"):
        pipeline.add_lead(fields(), step(due="today 14:00"))
    assert pipeline.add_lead(fields("Later today"), step(due="today 15:30"))
    assert pipeline.add_lead(fields("Some time today"), step(due="today"))


def test_postponing_may_firm_the_step_up_and_still_counts(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields(), step(due="mon", agreed=False))

    pipeline.postpone(lead_id, when("tue 10:00"), action="Demo", agreed=True)

    lead = pipeline.get(lead_id)
    assert lead.step is not None and not lead.step.loose
    assert (lead.step.action, lead.step.postponed) == ("Demo", 1)
    event = pipeline.history(lead_id)[-1]
    assert event.kind == "postponed"
    assert (event.data["action"], event.data["agreed"]) == ("Demo", True)
    assert "advances" not in event.data  # unchanged, so not written
    with pytest.raises(InvalidInput, match="moves a step later"):
        pipeline.postpone(lead_id, when("mon 09:00"), agreed=False)


def test_a_step_in_the_past_is_refused(pipeline: Pipeline, clock: Clock) -> None:
    past = StepInput("Call", when("today 10:00"), True, True)
    clock.advance(days=1)

    with pytest.raises(InvalidInput, match="past"):
        pipeline.add_lead(fields(), past)


def test_loose_step_names_what_it_lacks(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields(), step(due="mon", agreed=False, advances=True))
    current = pipeline.get(lead_id).step

    assert current is not None
    assert current.missing == ("scheduled", "agreed")
    assert current.loose


def test_complete_step_sets_the_next_and_resets_postponements(
    pipeline: Pipeline,
) -> None:
    lead_id = pipeline.add_lead(fields(), step("Call", "today 16:00"))
    pipeline.postpone(lead_id, when("tomorrow 10:00"))

    pipeline.complete_step(
        lead_id, step("Send proposal", "tue 09:00"), outcome="Liked it"
    )

    lead = pipeline.get(lead_id)
    assert lead.step is not None
    assert lead.step.action == "Send proposal"
    assert lead.step.postponed == 0
    done = next(e for e in pipeline.history(lead_id) if e.kind == "done")
    assert done.data["action"] == "Call"
    assert done.data["outcome"] == "Liked it"


def test_postpone_counts_and_flags_hopium(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields(), step(due="today 16:00"))

    counts = [
        pipeline.postpone(lead_id, when(text))
        for text in ("mon 10:00", "tue 10:00", "wed 10:00")
    ]

    assert counts == [1, 2, 3]
    assert pipeline.get(lead_id).hopium
    assert [lead.id for lead in pipeline.rows(ListView.HOPIUM)] == [lead_id]
    moved = [e.data for e in pipeline.history(lead_id) if e.kind == "postponed"]
    assert moved[0]["from"] == "2026-12-04T15:00:00+00:00"
    assert moved[0]["to"] == "2026-12-07T09:00:00+00:00"


def test_postpone_must_move_later(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields(), step(due="tue 10:00"))

    with pytest.raises(InvalidInput, match="later"):
        pipeline.postpone(lead_id, when("mon 10:00"))
    assert pipeline.get(lead_id).step.postponed == 0  # type: ignore[union-attr]


def test_edit_step_moving_later_counts_as_postponing(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields(), step(due="mon 10:00"))

    pipeline.edit_step(lead_id, step("Call instead", "mon 09:00"))
    assert pipeline.get(lead_id).step.postponed == 0  # type: ignore[union-attr]
    pipeline.edit_step(lead_id, step("Call instead", "wed 09:00"))
    assert pipeline.get(lead_id).step.postponed == 1  # type: ignore[union-attr]


def test_drop_with_reason_note_and_recycle_day(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields(), step())

    pipeline.drop(
        lead_id,
        DropReason.TIMING,
        note="Budget opens in spring",
        recycle_on=when("15 mar 2027").local().date(),
    )

    lead = pipeline.get(lead_id)
    assert lead.state is State.DROPPED
    assert lead.step is None
    assert lead.drop_reason is DropReason.TIMING
    assert lead.recycle_on is not None
    assert lead.recycle_on.in_timezone("Europe/Paris").to_date_string() == "2027-03-15"
    assert pipeline.count() == 0


def test_step_operations_refuse_closed_leads(pipeline: Pipeline) -> None:
    won = pipeline.add_lead(fields("Won"), step())
    dropped = pipeline.add_lead(fields("Dropped"), step())
    pipeline.win(won)
    pipeline.drop(dropped, DropReason.NO_FIT)

    for lead_id in (won, dropped):
        with pytest.raises(WrongState):
            pipeline.complete_step(lead_id, step())
        with pytest.raises(WrongState):
            pipeline.postpone(lead_id, when("fri 10:00"))
        with pytest.raises(WrongState):
            pipeline.edit_step(lead_id, step())
        with pytest.raises(WrongState):
            pipeline.win(lead_id)
        with pytest.raises(WrongState):
            pipeline.drop(lead_id, DropReason.OTHER)
    with pytest.raises(WrongState):
        pipeline.recycle(won, step())


def test_recycle_reopens_only_with_a_new_step(pipeline: Pipeline, clock: Clock) -> None:
    lead_id = pipeline.add_lead(fields(), step())
    pipeline.drop(lead_id, DropReason.TIMING, recycle_on=when("mon").local().date())
    assert pipeline.recycle_due() == []

    clock.advance(days=3)
    assert [lead.id for lead in pipeline.recycle_due()] == [lead_id]

    pipeline.recycle(lead_id, step("Re-open talks", "tue 10:00", now=clock()))
    lead = pipeline.get(lead_id)
    assert lead.state is State.OPEN
    assert lead.drop_reason is None
    assert lead.step is not None and lead.step.action == "Re-open talks"
    assert kinds(pipeline, lead_id)[-2:] == ["recycled", "step_set"]


def test_dropped_list_puts_ready_leads_first(pipeline: Pipeline, clock: Clock) -> None:
    later = pipeline.add_lead(fields("Later"), step())
    undated = pipeline.add_lead(fields("Undated"), step())
    ready = pipeline.add_lead(fields("Ready"), step())
    pipeline.drop(
        later, DropReason.TIMING, recycle_on=when("1 feb 2027").local().date()
    )
    pipeline.drop(undated, DropReason.NO_FIT)
    pipeline.drop(ready, DropReason.TIMING, recycle_on=when("mon").local().date())
    clock.advance(days=4)

    assert [lead.name for lead in pipeline.dropped()] == ["Ready", "Later", "Undated"]
    assert pipeline.dropped_count() == 3


def test_edit_lead_records_what_changed(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields("Acme", company="Old"), step())

    pipeline.edit_lead(
        lead_id, LeadFields(name="Acme", company="New", phone="+33 1 23")
    )

    lead = pipeline.get(lead_id)
    assert lead.fields.company == "New"
    edited = pipeline.history(lead_id)[-1]
    assert edited.kind == "edited"
    assert edited.data == {"company": ["Old", "New"], "phone": ["", "+33 1 23"]}


def test_notes_are_talking_points(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields(), step())
    pipeline.add_note(lead_id, "They loved the reporting module")

    assert [note.data["text"] for note in pipeline.notes(lead_id)] == [
        "They loved the reporting module"
    ]


def test_stale_version_is_a_conflict(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields(), step(due="mon 10:00"))
    seen = pipeline.get(lead_id).version
    pipeline.postpone(lead_id, when("tue 10:00"))

    with pytest.raises(Conflict) as caught:
        pipeline.postpone(lead_id, when("wed 10:00"), expected_version=seen)
    assert pipeline.get(lead_id).step.postponed == 1  # type: ignore[union-attr]
    # What the other session left, in words, beside what the rep is saving.
    assert str(caught.value) == (
        "Acme was changed in another session by ann at 15:00: its step is now "
        "'Demo to the CFO', Tue 8 Dec 10:00."
    )


def test_a_save_on_a_lead_closed_elsewhere_says_why(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields(), step(due="mon 10:00"))
    seen = pipeline.get(lead_id).version
    pipeline.drop(lead_id, DropReason.NO_BUDGET)

    with pytest.raises(WrongState) as caught:
        pipeline.postpone(lead_id, when("wed 10:00"), expected_version=seen)
    assert str(caught.value) == (
        "Acme was dropped (no-budget) in another session by ann at 15:00; "
        "nothing was saved."
    )
    assert pipeline.get(lead_id).state is State.DROPPED


def test_unknown_lead_is_not_found(pipeline: Pipeline) -> None:
    with pytest.raises(NotFound):
        pipeline.get(999)
    with pytest.raises(NotFound):
        pipeline.win(999)


def test_team_scope_refuses_other_reps_leads(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(fields(), step())
    bob = Pipeline(
        pipeline.db,
        rep="bob",
        zone=pipeline.zone,
        access=Access(rep="bob", team="sales"),
        clock=pipeline.clock,
    )

    assert bob.count() == 0
    with pytest.raises(NotFound):
        bob.get(lead_id)
    with pytest.raises(NotFound, match="not in your pipeline"):
        bob.win(lead_id)


def test_views_split_now_later_loose(pipeline: Pipeline) -> None:
    overdue_free = pipeline.add_lead(fields("Today"), step(due="today 18:00"))
    later = pipeline.add_lead(fields("Later"), step(due="mon 10:00"))
    loose = pipeline.add_lead(fields("Loose"), step(due="today", agreed=False))

    assert {lead.id for lead in pipeline.rows(ListView.NOW)} == {overdue_free, loose}
    assert [lead.id for lead in pipeline.rows(ListView.LATER)] == [later]
    assert [lead.id for lead in pipeline.rows(ListView.LOOSE)] == [loose]
    assert [lead.id for lead in pipeline.rows()] == [loose, overdue_free, later]


def test_due_now_turns_at_the_reps_midnight(pipeline: Pipeline, clock: Clock) -> None:
    lead_id = pipeline.add_lead(fields(), step(due="sat 09:00"))
    assert pipeline.count(ListView.NOW) == 0

    clock.current = clock.current.in_timezone("Europe/Paris").set(hour=23, minute=59)
    assert pipeline.count(ListView.NOW) == 0  # already Saturday in UTC? no: 22:59Z
    clock.advance(minutes=2)
    assert [lead.id for lead in pipeline.rows(ListView.NOW)] == [lead_id]


def test_text_filter_matches_fields_and_step_literally(pipeline: Pipeline) -> None:
    pipeline.add_lead(fields("Acme", company="Widgets 100%"), step("Demo"))
    pipeline.add_lead(fields("Globex", email="boss@globex.test"), step("Send quote"))

    assert [lead.name for lead in pipeline.rows(text="quote")] == ["Globex"]
    assert [lead.name for lead in pipeline.rows(text="100%")] == ["Acme"]
    assert pipeline.count(text="%") == 1
    assert pipeline.count(text="_") == 0


def test_position_follows_the_lead_not_the_row(pipeline: Pipeline) -> None:
    first = pipeline.add_lead(fields("First"), step(due="mon 09:00"))
    second = pipeline.add_lead(fields("Second"), step(due="tue 09:00"))
    assert pipeline.position(second) == 1

    pipeline.postpone(first, when("wed 09:00"))
    assert pipeline.position(second) == 0
    assert pipeline.position(first) == 1
    assert pipeline.position(first, ListView.NOW) is None


def test_paging_returns_consecutive_slices(pipeline: Pipeline) -> None:
    ids = [pipeline.add_lead(fields(f"L{n}"), step(due=f"+{n + 1}d")) for n in range(7)]

    pages = [pipeline.rows(offset=offset, limit=3) for offset in (0, 3, 6)]
    assert [lead.id for page in pages for lead in page] == ids


def test_health_counts_firm_against_target(pipeline: Pipeline) -> None:
    pipeline.add_lead(fields("Firm"), step(due="mon 10:00"))
    pipeline.add_lead(fields("Loose"), step(due="today", agreed=False))
    hopeless = pipeline.add_lead(fields("Hopeless"), step(due="today 16:00"))
    for text in ("mon 11:00", "tue 11:00", "wed 11:00"):
        pipeline.postpone(hopeless, when(text))

    health = pipeline.health()
    assert (health.open, health.firm, health.loose, health.hopium) == (3, 2, 1, 1)
    assert health.due_now == 1
    assert health.target == 30
    assert health.short_of_target == 28


def test_cohorts_group_by_month_in_the_reps_zone(
    pipeline: Pipeline, clock: Clock
) -> None:
    # 23:30 on 31 Oct in Paris is still October there, but November in no zone;
    # 00:30 on 1 Nov in Paris is 23:30 on 31 Oct in UTC: it must count as November.
    clock.current = pendulum_at("2026-10-31T23:30:00+01:00")
    october = pipeline.add_lead(fields("Oct"), step(due="+1d", now=clock()))
    clock.current = pendulum_at("2026-11-01T00:30:00+01:00")
    november = pipeline.add_lead(fields("Nov"), step(due="+1d", now=clock()))
    clock.advance(days=2)
    pipeline.win(october)
    pipeline.drop(november, DropReason.NO_BUDGET)
    pipeline.add_lead(fields("Nov 2"), step(due="+1d", now=clock()))

    rows = pipeline.cohorts()
    assert [(r.month, r.created, r.won, r.dropped, r.open) for r in rows] == [
        ("2026-10", 1, 1, 0, 0),
        ("2026-11", 2, 0, 1, 1),
    ]
    assert [lead.name for lead in pipeline.cohort_leads("2026-11")] == ["Nov 2"]
    assert pipeline.cohort_count("2026-10") == 0


def test_cohorts_skip_months_without_leads(pipeline: Pipeline, clock: Clock) -> None:
    clock.current = pendulum_at("2026-01-15T12:00:00+01:00")
    pipeline.add_lead(fields("Jan"), step(due="+1d", now=clock()))
    clock.current = pendulum_at("2026-03-15T12:00:00+01:00")
    pipeline.add_lead(fields("Mar"), step(due="+1d", now=clock()))

    assert [row.month for row in pipeline.cohorts()] == ["2026-01", "2026-03"]


def test_bad_month_is_invalid_input(pipeline: Pipeline) -> None:
    with pytest.raises(InvalidInput):
        pipeline.cohort_leads("Jan")


def pendulum_at(text: str):
    import pendulum

    return pendulum.parse(text)
