"""The lead screen and its dialogs, driven with Pilot; snapshots at 80x24."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, TextArea

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import DropReason, HistoryEvent, LeadFields, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.forms import EditorMode
from nextstep_tui.ui.screens.lead import (
    LeadDraft,
    LeadForm,
    LeadScreen,
    NoteDialog,
    describe_event,
    draft_of_fields,
    read_lead_fields,
    read_note,
)
from nextstep_tui.ui.screens.pipeline import PipelineScreen
from tests.conftest import NOW, ZONE, Clock
from tests.core.helpers import step, when
from tests.ui.conftest import (
    AppMaker,
    RecordingApp,
    Seeded,
    Snap,
    modals,
    settle,
    until,
)
from tests.ui.test_step_editor import editor, fill


def text(screen: LeadScreen, selector: str) -> str:
    """The plain text of every Static matching ``selector``, one per line."""
    return "\n".join(str(widget.render()) for widget in screen.query(selector))


def timeline(screen: LeadScreen) -> list[str]:
    """The history, one event a line: time, what, details."""
    cells = [str(widget.render()) for widget in screen.query("#timeline Static")]
    return ["  ".join(cells[index : index + 3]) for index in range(0, len(cells), 3)]


def shown(screen: LeadScreen) -> str:
    return text(screen, "Static")


async def open_lead(pilot: Pilot[None], lead_id: int) -> LeadScreen:
    await settle(pilot)
    screen = LeadScreen(lead_id)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


def lead_screen(pilot: Pilot[None]) -> LeadScreen:
    screen = pilot.app.screen
    assert isinstance(screen, LeadScreen), pilot.app.screen_stack
    return screen


# -- plain pieces -------------------------------------------------------------


def test_the_form_reads_and_checks_the_fields() -> None:
    draft = LeadDraft(name="  Acme ", company="Acme Corp", value="12,000.50")
    fields = read_lead_fields(draft, external_id="crm-7")
    assert fields == LeadFields(
        "Acme", "Acme Corp", value_cents=1_200_050, external_id="crm-7"
    )
    assert draft_of_fields(fields).value == "12,000.50"

    with pytest.raises(InvalidInput, match="name cannot be empty"):
        read_lead_fields(LeadDraft(name=" "))
    with pytest.raises(InvalidInput, match="not an amount of money"):
        read_lead_fields(LeadDraft(name="Acme", value="lots"))
    with pytest.raises(InvalidInput, match="cannot be empty"):
        read_note("   ")
    assert read_note("  SSO first \n") == "SSO first"


def test_history_events_read_as_words() -> None:
    def event(kind: str, **data: object) -> HistoryEvent:
        return HistoryEvent(1, NOW, "ann", kind, dict(data))

    due = "2026-12-07T09:00:00+00:00"
    assert describe_event(event("created", name="Acme"), ZONE, NOW) == (
        "created",
        "Acme",
    )
    assert describe_event(
        event("step_set", action="Demo", due=due, has_time=True), ZONE, NOW
    ) == ("next step", "Demo · due Mon 7 Dec 10:00")
    assert describe_event(
        event("postponed", to=due, has_time=True, count=2, **{"from": due}), ZONE, NOW
    )[1].endswith("(2x)")
    assert describe_event(
        event("dropped", reason="no-budget", note="", recycle_on="2027-03-01"),
        ZONE,
        NOW,
    ) == ("dropped", "no budget · back on Mon 1 Mar 2027")
    assert describe_event(event("edited", value_cents=[None, 150]), ZONE, NOW) == (
        "edited",
        "value: — → 1.50",
    )
    assert describe_event(event("recycled", was="timing"), ZONE, NOW)[1] == (
        "back in the pipeline (was dropped: timing)"
    )


# -- showing the lead ----------------------------------------------------------


async def test_the_lead_shows_fields_step_points_and_history(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    pipeline.edit_lead(
        seeded.hooli,
        LeadFields("Hooli", "Hooli XYZ", contact="Gavin", value_cents=990_000),
    )
    pipeline.add_note(seeded.hooli, "They never answered on SSO")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lead(pilot, seeded.hooli)
        assert text(screen, "#lead-name") == "Hooli"
        assert "open · ann · created 4 Dec 2026" in text(screen, "#lead-heading")
        fields = text(screen, "#lead-fields Static")
        assert "Gavin" in fields and "9,900.00" in fields and "Hooli XYZ" in fields

        assert text(screen, "#step-title") == "Next step"
        assert text(screen, "#step-action") == "Pilot review"
        assert text(screen, "#step-when") == "Thu 10 Dec 09:00 · in 6d"
        marks = text(screen, "#step-marks")
        assert "✓ scheduled  ✓ agreed  ✓ advances" in marks
        assert "postponed 3 times since the last step done — hopium (from 3)" in marks

        assert await until(
            pilot, lambda: "Talking points (1)" in text(screen, "#points-title")
        )
        assert "They never answered on SSO" in text(screen, "#points Static")

        events = timeline(screen)
        assert events[0] == "2026-12-04 15:00  note  They never answered on SSO"
        assert (
            events[1]
            == "2026-12-04 15:00  edited  contact: — → Gavin; value: — → 9,900.00"
        )
        assert sum(" postponed " in line for line in events) == 3
        assert events[-1] == "2026-12-04 15:00  created  Hooli"

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PipelineScreen)


async def test_names_and_notes_show_literally(
    make_app: AppMaker, pipeline: Pipeline
) -> None:
    lead_id = pipeline.add_lead(
        LeadFields("[bold]Acme[/]", "[/", notes="寿司🍣 [red]x"),
        step("Call [i]them[/i]", "mon 10:00"),
    )
    pipeline.add_note(lead_id, "[link=x]click[/link] 👋")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lead(pilot, lead_id)
        everything = shown(screen)
        for typed in ("[bold]Acme[/]", "[/", "寿司🍣 [red]x", "Call [i]them[/i]"):
            assert typed in everything
        assert "[link=x]click[/link] 👋" in text(screen, "#points Static")


async def test_a_closed_lead_says_how_it_ended(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    pipeline.drop(
        seeded.acme,
        DropReason.TIMING,
        note="Back after the budget round",
        recycle_on=pendulum.date(2027, 3, 1),
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lead(pilot, seeded.acme)
        assert text(screen, "#step-title") == "Closed"
        assert text(screen, "#step-action") == (
            "Dropped: timing — Back after the budget round"
        )
        assert text(screen, "#step-when") == "on Fri 4 Dec 2026"
        assert text(screen, "#step-marks").startswith("Back on Mon 1 Mar 2027")

        await pilot.press("d")  # a dropped lead has no step to complete
        await settle(pilot)
        assert not modals(app)


# -- editing the facts ---------------------------------------------------------


async def test_editing_the_fields_saves_them(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lead(pilot, seeded.globex)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, LeadForm)
        assert app.focused is form.query_one("#name", Input)

        form.query_one("#contact", Input).value = "Hank Scorpio"
        form.query_one("#value", Input).value = "€25,000"
        form.query_one(
            "#notes", TextArea
        ).text = "Wants a volcano lair.\nAnd a hammock."
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert app.screen is screen
        lead = pipeline.get(seeded.globex)
        assert lead.fields.contact == "Hank Scorpio"
        assert lead.fields.value_cents == 2_500_000
        assert "Hank Scorpio" in text(screen, "#lead-fields Static")
        assert "Saved Globex." in app.told
        assert timeline(screen)[0].endswith(
            "  edited  contact: — → Hank Scorpio; notes: — → Wants a volcano lair. "
            "And a hammock.; value: — → 25,000.00"
        )


async def test_form_mistakes_are_messages_and_escape_keeps_the_lead(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_lead(pilot, seeded.globex)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, LeadForm)

        form.query_one("#value", Input).value = "a lot"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "'a lot' is not an amount of money." in app.told

        form.query_one("#value", Input).value = ""
        form.query_one("#name", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "The lead's name cannot be empty." in app.told

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LeadScreen)
        assert pipeline.get(seeded.globex).name == "Globex"


async def test_a_conflict_keeps_both_sessions_changes_and_names_the_clash(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lead(pilot, seeded.globex)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, LeadForm)

        # Meanwhile, another session renames the lead and its company.
        pipeline.edit_lead(seeded.globex, LeadFields("Globex Corporation", "Globex"))
        form.query_one("#company", Input).value = "Globex International"
        form.query_one("#phone", Input).value = "555-0100"
        await pilot.press("ctrl+s")
        assert await until(
            pilot, lambda: isinstance(app.screen, LeadForm) and app.screen is not form
        )

        [told] = [told for told in app.told if told.startswith("Not saved")]
        assert "changed in another session by ann at" in told
        # Only the fact both changed is a clash; the name is simply theirs.
        assert (
            "Both changed: saved now → yours: "
            "company 'Globex' → 'Globex International'." in told
        )
        assert text(screen, "#lead-name") == "Globex Corporation"
        again = app.screen
        assert isinstance(again, LeadForm)
        assert again.query_one("#name", Input).value == "Globex Corporation"
        assert again.query_one("#company", Input).value == "Globex International"
        assert again.query_one("#phone", Input).value == "555-0100"
        lead = pipeline.get(seeded.globex)
        assert (lead.name, lead.fields.phone) == ("Globex Corporation", "")

        await pilot.press("ctrl+s")  # the rep's changes, over theirs, knowingly
        await settle(pilot)
        lead = pipeline.get(seeded.globex)
        assert (lead.name, lead.company, lead.fields.phone) == (
            "Globex Corporation",
            "Globex International",
            "555-0100",
        )


# -- talking points ------------------------------------------------------------


async def test_n_adds_a_talking_point(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lead(pilot, seeded.initech)
        assert "None yet" in text(screen, "#points Static")

        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        await pilot.press("enter")  # empty: refused, the dialog stays
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        assert "A talking point cannot be empty." in app.told

        await pilot.press(*"Their TPS reports need a new cover sheet", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert [note.data["text"] for note in pipeline.notes(seeded.initech)] == [
            "Their TPS reports need a new cover sheet"
        ]
        assert await until(
            pilot, lambda: "Talking points (1)" in text(screen, "#points-title")
        )

        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"never mind", "escape")
        await settle(pilot)
        assert app.screen is screen
        assert len(pipeline.notes(seeded.initech)) == 1


# -- acting on the step ----------------------------------------------------------


async def test_done_sets_the_next_step(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lead(pilot, seeded.acme)
        await pilot.press("d")
        await settle(pilot)
        assert editor(app).mode is EditorMode.DONE
        await fill(pilot, outcome="CFO liked it", action="Send the contract")
        await fill(pilot, when="tue 10:00", agreed=True, advances=True)
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert app.screen is screen
        assert text(screen, "#step-action") == "Send the contract"
        assert timeline(screen)[1].endswith("  done  Demo to the CFO — CFO liked it")


async def test_postpone_drop_and_recycle_from_the_lead(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lead(pilot, seeded.globex)
        await pilot.press("p")
        await settle(pilot)
        assert editor(app).mode is EditorMode.POSTPONE
        await fill(pilot, when="wed 10:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "postponed once since the last step done" in text(screen, "#step-marks")

        await pilot.press("u")  # only a dropped lead recycles
        await settle(pilot)
        assert not modals(app)

        await pilot.press("x")
        await settle(pilot)
        editor(app).query_one("#reason", Select).value = DropReason.NO_FIT
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pipeline.get(seeded.globex).state is State.DROPPED
        assert text(screen, "#step-action") == "Dropped: no fit"

        await pilot.press("u")
        await settle(pilot)
        assert editor(app).mode is EditorMode.RECYCLE
        await fill(pilot, action="Re-pitch", when="mon 10:00", agreed=True)
        await fill(pilot, advances=True)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pipeline.get(seeded.globex).state is State.OPEN
        assert text(screen, "#step-action") == "Re-pitch"


async def test_win_closes_the_lead(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lead(pilot, seeded.umbrella)
        await pilot.press("w")
        await settle(pilot)
        assert editor(app).mode is EditorMode.WIN
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pipeline.get(seeded.umbrella).state is State.WON
        assert text(screen, "#step-action") == "Won"
        assert "won · ann" in text(screen, "#lead-heading")


async def test_a_key_pressed_twice_opens_one_editor(
    make_app: AppMaker, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_lead(pilot, seeded.acme)
        await pilot.press("d", "d")
        await settle(pilot)
        assert len(modals(app)) == 1


async def test_opened_from_the_pipeline_with_enter(
    make_app: AppMaker, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert lead_screen(pilot).lead_id == seeded.umbrella


# -- snapshots ------------------------------------------------------------------


def _showing(lead_id: int, *keys: str) -> Callable[[Pilot[None]], object]:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_lead(pilot, lead_id)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False

    return run_before


def _busy_lead(pipeline: Pipeline, clock: Clock) -> int:
    clock.current = NOW.subtract(months=3)
    lead_id = pipeline.add_lead(
        LeadFields(
            "[bold]Initrode[/] 寿司🍣",
            "Initrode GmbH",
            contact="Bill Lumbergh",
            email="bill@initrode.example",
            value_cents=4_200_000,
            source="referral",
        ),
        step("Intro call", "mon 10:00", now=clock.current),
    )
    clock.current = clock.current.add(days=7)
    pipeline.complete_step(
        lead_id,
        step("Demo to the ops team", "thu 14:00", now=clock.current),
        outcome="Keen on the reporting",
    )
    pipeline.add_note(lead_id, "Their budget resets in April")
    clock.current = NOW.subtract(days=1)
    pipeline.postpone(lead_id, when("tue 14:00", clock.current))
    clock.current = NOW
    return lead_id


def test_snapshot_lead(snap_compare: Snap, pipeline: Pipeline, clock: Clock) -> None:
    lead_id = _busy_lead(pipeline, clock)
    assert snap_compare(RecordingApp(pipeline), run_before=_showing(lead_id))


def test_snapshot_lead_form(
    snap_compare: Snap, pipeline: Pipeline, clock: Clock
) -> None:
    lead_id = _busy_lead(pipeline, clock)
    assert snap_compare(RecordingApp(pipeline), run_before=_showing(lead_id, "e"))


def test_snapshot_note_dialog(
    snap_compare: Snap, pipeline: Pipeline, clock: Clock
) -> None:
    lead_id = _busy_lead(pipeline, clock)
    assert snap_compare(RecordingApp(pipeline), run_before=_showing(lead_id, "n"))


async def test_typed_words_survive_a_database_held_too_long(
    make_app: AppMaker,
    pipeline: Pipeline,
    seeded: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another session holds the write lock past the wait: the note and the
    edited facts come back in their dialogs, ready to save again."""
    db: Any = pipeline.db  # its connection settings, for the next connections
    short = [(k, 100 if k == "busy_timeout" else v) for k, v in db._pragmas]
    monkeypatch.setattr(db, "_pragmas", short)
    monkeypatch.setattr(db, "_timeout", 0.1)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lead(pilot, seeded.globex)
        holder = sqlite3.connect(tmp_path / "pipeline.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")

        await pilot.press("n", *"Ask about the Q3 budget", "enter")
        assert await until(pilot, lambda: isinstance(app.screen, NoteDialog))
        note = app.screen
        assert note.query_one("#note", Input).value == "Ask about the Q3 budget"
        assert any("locked too long" in told for told in app.told)
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("e")
        assert await until(pilot, lambda: isinstance(app.screen, LeadForm))
        app.screen.query_one("#phone", Input).value = "555-0199"
        await pilot.press("ctrl+s")
        assert await until(
            pilot,
            lambda: (
                isinstance(app.screen, LeadForm)
                and app.screen.query_one("#phone", Input).value == "555-0199"
                and sum("locked too long" in told for told in app.told) == 2
            ),
        )

        holder.execute("ROLLBACK")
        await pilot.press("ctrl+s")  # the lock is free: it goes through
        await settle(pilot)
        assert app.screen is screen
        assert pipeline.get(seeded.globex).fields.phone == "555-0199"
        holder.close()
