"""The step editor, driven through the pipeline screen as a rep would."""

from __future__ import annotations

import pendulum
import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, ContentSwitcher, Input, Select, Static

from nextstep_tui.core.model import DropReason, ListView, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.app import NextstepApp
from nextstep_tui.ui.forms import EditorMode
from nextstep_tui.ui.screens.step_editor import StepEditor, TickBox
from tests.conftest import ZONE
from tests.core.helpers import step
from tests.ui.conftest import AppMaker, Seeded, lead_list, modals, settle


def editor(app: App[None]) -> StepEditor:
    assert isinstance(app.screen, StepEditor), app.screen_stack
    return app.screen


async def fill(pilot: Pilot[None], **values: str | bool) -> None:
    """Set the editor's fields by id (``drop_note`` is ``#drop-note``)."""
    screen = editor(pilot.app)
    for name, value in values.items():
        widget = screen.query_one("#" + name.replace("_", "-"))
        if isinstance(widget, Input):
            assert isinstance(value, str)
            widget.value = value
        elif isinstance(widget, TickBox):
            widget.value = bool(value)
    await pilot.pause()


def panel(app: NextstepApp) -> str | None:
    return editor(app).query_one("#panels", ContentSwitcher).current


def action_of(pipeline: Pipeline, lead_id: int) -> str | None:
    step = pipeline.get(lead_id).step
    return step.action if step is not None else None


def text_of(app: NextstepApp, selector: str) -> str:
    return str(editor(app).query_one(selector, Static).render())


async def open_on(pilot: Pilot[None], section: str, index: int, key: str) -> None:
    """Show ``section``, put the cursor on row ``index`` and press ``key``."""
    await settle(pilot)
    await pilot.press(section)
    await settle(pilot)
    lead_list(pilot.app).move_to(index)  # type: ignore[arg-type]
    await pilot.press(key)
    await settle(pilot)


async def test_adding_a_lead_typed_key_by_key(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert editor(app).mode is EditorMode.ADD
        assert app.focused is not None and app.focused.id == "name"

        await pilot.press(*"Wayne", "tab", *"Wayne", "space", *"Ent", "tab")
        await pilot.press(*"Kickoff", "tab", *"mon", "space", *"11am")
        assert "Mon 7 Dec" in text_of(app, "#when-reading")
        await fill(pilot, agreed=True, advances=True)
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert not modals(app)
        assert pipeline.count(ListView.ALL, "Wayne") == 1
        [lead] = pipeline.rows(ListView.ALL, "Wayne")
        assert (lead.name, lead.company) == ("Wayne", "Wayne Ent")
        assert lead.step is not None and lead.step.action == "Kickoff"
        assert lead.step.due == pendulum.datetime(2026, 12, 7, 11, tz=ZONE)


async def test_a_new_lead_is_left_only_by_saving_or_discarding(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await fill(pilot, name="Nobody")

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StepEditor)

        editor(app).query_one("#discard", Button).press()
        await settle(pilot)
        assert not modals(app)
        assert pipeline.count(ListView.ALL, "Nobody") == 0


async def test_done_sets_the_next_step(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "5", 1, "d")
        assert editor(app).mode is EditorMode.DONE
        lead = editor(app).context.lead
        assert lead is not None and lead.id == seeded.acme

        await fill(
            pilot,
            outcome="CFO liked it",
            action="Send the contract",
            when="tue 10:00",
            agreed=True,
            advances=True,
        )
        await pilot.press("ctrl+s")
        await settle(pilot)

        lead = pipeline.get(seeded.acme)
        assert lead.step is not None and lead.step.action == "Send the contract"
        kinds = [event.kind for event in pipeline.history(seeded.acme)]
        assert kinds[-2:] == ["done", "step_set"]
        assert pipeline.history(seeded.acme)[-2].data["outcome"] == "CFO liked it"
        assert lead_list(app).lead_id == seeded.acme  # the cursor followed it


async def test_saving_a_loose_step_offers_dropping_first(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "1", 1, "d")
        await fill(pilot, action="Maybe call", when="tue")
        assert "loose" in text_of(app, "#attributes")

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert panel(app) == "confirm-panel"
        assert app.focused is not None and app.focused.id == "confirm-drop"
        assert "loose" in text_of(app, "#confirm-text")
        assert action_of(pipeline, seeded.acme) == "Demo to the CFO"

        await pilot.press("enter")  # the first choice: drop
        await settle(pilot)
        assert panel(app) == "drop-panel"

        await pilot.press("escape")  # back to the step, not out of the editor
        await settle(pilot)
        assert panel(app) == "step-panel"
        await pilot.press("ctrl+s")
        await settle(pilot)
        editor(app).query_one("#confirm-save", Button).press()
        await settle(pilot)

        lead = pipeline.get(seeded.acme)
        assert lead.step is not None and lead.step.action == "Maybe call"
        assert lead.step.loose


async def test_postponing_counts_and_offers_dropping_at_the_threshold(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "2", 0, "p")  # Globex, Monday 10:00
        assert editor(app).mode is EditorMode.POSTPONE
        screen = editor(app)  # the same step, to move later: only when is blank
        assert screen.query_one("#action", Input).value == "Send the proposal"
        assert screen.query_one("#when", Input).value == ""
        assert screen.query_one("#agreed", TickBox).value
        assert app.focused is screen.query_one("#when", Input)
        await fill(pilot, when="tue 10:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pipeline.get(seeded.globex).step.postponed == 1  # type: ignore[union-attr]
        # The cursor stayed on Globex, and the line under the list says it anew.
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "Globex" in summary and "postponed once" in summary

        await pilot.press("4")  # Hopium: Hooli, postponed three times
        await settle(pilot)
        assert lead_list(app).lead_id == seeded.hooli
        await pilot.press("p")
        await settle(pilot)
        assert "number 4" in text_of(app, "#warning")
        buttons = [b.id for b in editor(app).query("#step-panel Button").results()]
        assert buttons[0] == "to-drop"

        await fill(pilot, when="fri 10:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert panel(app) == "confirm-panel"
        assert app.focused is not None and app.focused.id == "confirm-drop"
        assert pipeline.get(seeded.hooli).step.postponed == 3  # type: ignore[union-attr]

        editor(app).query_one("#confirm-save", Button).press()
        await settle(pilot)
        assert pipeline.get(seeded.hooli).step.postponed == 4  # type: ignore[union-attr]


async def test_postponing_can_firm_the_step_up(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "3", 0, "p")  # Loose: Initech, Tuesday, not agreed
        assert editor(app).mode is EditorMode.POSTPONE
        assert "✗ agreed" in text_of(app, "#attributes")
        await pilot.press(*"wed", "space", *"10am", "tab", "space")  # agreed
        await settle(pilot)
        assert "→ firm" in text_of(app, "#attributes")
        await pilot.press("ctrl+s")
        await settle(pilot)

        lead = pipeline.get(seeded.initech)
        assert lead.step is not None and not lead.step.loose
        assert lead.step.action == "Call back about pricing"
        assert lead.step.postponed == 1
        assert "Postponed Initech (once now)." in app.told
        postponed = pipeline.history(seeded.initech)[-1]
        assert (postponed.kind, postponed.data["agreed"]) == ("postponed", True)


async def test_dropping_with_a_recycle_date_shows_the_numbers_game(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "1", 1, "x")  # Acme, firm
        assert panel(app) == "drop-panel"
        health = pipeline.health()
        assert text_of(app, "#numbers") == (
            f"After this drop: {health.firm - 1} firm / 30 target"
            f" — prospect {31 - health.firm} more."
        )

        await pilot.press("ctrl+s")  # no reason yet: refused, nothing written
        await settle(pilot)
        assert isinstance(app.screen, StepEditor)

        editor(app).query_one("#reason", Select).value = DropReason.TIMING
        await fill(pilot, drop_note="budget in spring", recycle="2027-03-01")
        assert "Mon 1 Mar 2027" in text_of(app, "#recycle-reading")
        await pilot.press("ctrl+s")
        await settle(pilot)

        lead = pipeline.get(seeded.acme)
        assert lead.state is State.DROPPED
        assert lead.drop_reason is DropReason.TIMING
        assert lead.drop_note == "budget in spring"
        assert lead.recycle_on is not None
        assert lead.recycle_on.in_timezone(ZONE).date() == pendulum.date(2027, 3, 1)


async def test_drop_from_the_key_can_be_called_off(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "1", 1, "x")
        await pilot.press("escape")
        await settle(pilot)
        assert not modals(app)
        assert pipeline.get(seeded.acme).state is State.OPEN


async def test_winning_closes_the_lead(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "1", 1, "w")
        assert panel(app) == "win-panel"
        await fill(pilot, win_note="signed")
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert pipeline.get(seeded.acme).state is State.WON
        assert seeded.acme not in [lead.id for lead in pipeline.rows(ListView.ALL)]


async def test_escape_and_q_leave_the_editor_open_and_write_nothing(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    version = pipeline.get(seeded.acme).version
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "1", 1, "d")
        await fill(pilot, action="Call", when="mon 10:00")
        editor(app).query_one("#agreed", TickBox).focus()  # q is not typed text here

        await pilot.press("escape", "q", "ctrl+q")
        await settle(pilot)

        assert isinstance(app.screen, StepEditor)
        assert app.return_code is None  # still running
        assert any("needs a next step" in told for told in app.told)
        assert any("Finish the step editor" in told for told in app.told)
        assert pipeline.get(seeded.acme).version == version


async def test_escape_in_the_postpone_editor_says_what_to_decide(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "2", 0, "p")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StepEditor)
        assert any("A postponement is decided here" in told for told in app.told)
        assert pipeline.get(seeded.globex).step.postponed == 0  # type: ignore[union-attr]


async def test_keys_do_not_reach_the_screen_behind(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "1", 1, "d")
        editor(app).query_one("#agreed", TickBox).focus()
        await pilot.press("2", "j", "a", "x", "question_mark")
        await settle(pilot)

        assert len(modals(app)) == 1
        assert isinstance(app.screen, StepEditor)
        assert lead_list(app).lead_id == seeded.acme


@pytest.mark.parametrize("keys", [("d", "d"), ("a", "a"), ("p", "p"), ("x", "w")])
async def test_a_key_pressed_twice_opens_one_editor(
    make_app: AppMaker, seeded: Seeded, keys: tuple[str, str]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        assert len(modals(app)) == 1


async def test_quitting_while_open_keeps_the_old_step(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "1", 1, "d")
        await fill(
            pilot, action="Never saved", when="mon 10:00", agreed=True, advances=True
        )
        app.stop("SIGTERM")  # what the signal handler calls
        await pilot.pause()

    lead = pipeline.get(seeded.acme)
    assert lead.step is not None and lead.step.action == "Demo to the CFO"


async def test_a_conflicting_change_reopens_the_editor_with_what_was_typed(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "1", 1, "d")
        await fill(
            pilot, action="Send terms", when="mon 10:00", agreed=True, advances=True
        )
        pipeline.add_note(seeded.acme, "another session")
        pipeline.edit_step(seeded.acme, step("Changed elsewhere", "mon 12:00"))

        await pilot.press("ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, StepEditor)
        assert editor(app).query_one("#action", Input).value == "Send terms"
        [told] = [told for told in app.told if "another session" in told]
        # Both values: theirs in words, yours back in the editor.
        assert "by ann at" in told
        assert "its step is now 'Changed elsewhere', Mon 7 Dec 12:00." in told
        assert "Yours is back in the editor" in told
        assert action_of(pipeline, seeded.acme) == "Changed elsewhere"

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pipeline.get(seeded.acme).step.action == "Send terms"  # type: ignore[union-attr]


async def test_typed_values_survive_a_tiny_terminal(
    make_app: AppMaker, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, "1", 1, "d")
        await fill(pilot, action="Keep me", when="mon 10:00", agreed=True)

        await pilot.resize_terminal(20, 5)
        await pilot.press("tab", "tab")
        await settle(pilot)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)

        assert editor(app).query_one("#action", Input).value == "Keep me"
        assert editor(app).query_one("#when", Input).value == "mon 10:00"
        assert editor(app).query_one("#agreed", TickBox).value
