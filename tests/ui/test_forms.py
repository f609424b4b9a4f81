"""The step editor's checks, without a screen."""

from __future__ import annotations

import subprocess
import sys

import pendulum
import pytest

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import DropReason, Health, Lead, LeadFields, State, Step
from nextstep_tui.ui.forms import (
    DecisionKind,
    DropDraft,
    EditorMode,
    StepDraft,
    attribute_states,
    draft_of,
    hopium_warning,
    loose_warning,
    numbers_after_drop,
    read_drop,
    read_save,
    read_win,
    recycle_reading,
    when_reading,
)
from tests.conftest import NOW, ZONE
from tests.core.helpers import step


def open_lead(due: pendulum.DateTime, postponed: int = 0) -> Lead:
    return Lead(
        id=7,
        fields=LeadFields("Acme", "Acme Corp"),
        owner="ann",
        state=State.OPEN,
        created_at=NOW,
        version=3,
        step=Step("Demo", due, True, True, True, postponed),
    )


def test_forms_do_not_import_textual() -> None:
    code = "import sys, nextstep_tui.ui.forms; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_firm_step_is_read_with_its_attributes() -> None:
    draft = StepDraft("Demo to the CFO", "mon 10:00", agreed=True, advances=True)

    decision = read_save(EditorMode.DONE, draft, NOW, ZONE)

    assert decision.kind is DecisionKind.SAVE
    assert decision.step is not None
    assert decision.step.action == "Demo to the CFO"
    assert decision.step.when.instant == pendulum.datetime(2026, 12, 7, 10, tz=ZONE)
    assert not decision.step.loose
    assert decision.fields is None


def test_adding_needs_a_name_and_keeps_the_company() -> None:
    draft = StepDraft("Call", "tomorrow 9am", name="  ", company="Acme Corp")
    with pytest.raises(InvalidInput, match="name cannot be empty"):
        read_save(EditorMode.ADD, draft, NOW, ZONE)

    decision = read_save(
        EditorMode.ADD, StepDraft("Call", "tomorrow 9am", name="Acme"), NOW, ZONE
    )
    assert decision.fields == LeadFields("Acme", "")


@pytest.mark.parametrize(
    ("action", "when", "message"),
    [
        ("", "mon 10:00", "action cannot be empty"),
        ("Demo", "", "Say when"),
        ("Demo", "yesterday", "in the past"),
    ],
)
def test_a_step_without_action_or_a_future_time_is_refused(
    action: str, when: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_save(EditorMode.DONE, StepDraft(action, when), NOW, ZONE)


def test_postponing_keeps_the_step_and_must_move_it_later() -> None:
    lead = open_lead(pendulum.datetime(2026, 12, 7, 10, tz=ZONE))

    same = StepDraft(action="Demo", when="tue 10:00", agreed=True, advances=True)
    decision = read_save(EditorMode.POSTPONE, same, NOW, ZONE, lead)
    assert decision.step is not None
    assert decision.step.action == "Demo"
    assert decision.step.agreed and decision.step.advances

    earlier = StepDraft(action="Demo", when="today 17:00", agreed=True)
    with pytest.raises(InvalidInput, match="moves a step later"):
        read_save(EditorMode.POSTPONE, earlier, NOW, ZONE, lead)
    with pytest.raises(InvalidInput, match="action"):
        read_save(EditorMode.POSTPONE, StepDraft(when="tue 10:00"), NOW, ZONE, lead)


def test_the_postpone_reading_says_when_a_time_is_not_later() -> None:
    current = pendulum.datetime(2026, 12, 7, 10, tz=ZONE)
    earlier = when_reading("mon 09:00", NOW, ZONE, after=current)
    later = when_reading("tue 09:00", NOW, ZONE, after=current)
    assert not earlier.ok and "moves a step later" in earlier.text
    assert later.ok


def test_the_when_reading_shows_the_date_or_the_error() -> None:
    good = when_reading("mon 10:00", NOW, ZONE)
    day_only = when_reading("mon", NOW, ZONE)
    bad = when_reading("someday maybe", NOW, ZONE)
    blank = when_reading("", NOW, ZONE)

    assert good.ok and good.has_time and "in " in good.text
    assert day_only.ok and not day_only.has_time and "no time yet" in day_only.text
    assert not bad.ok and bad.text
    assert not blank.ok and "e.g." in blank.text


def test_a_drop_needs_a_reason_and_reads_the_recycle_day() -> None:
    with pytest.raises(InvalidInput, match="Choose why"):
        read_drop(DropDraft(None), NOW, ZONE)

    decision = read_drop(
        DropDraft(DropReason.TIMING, "call in spring", "2027-03-01"), NOW, ZONE
    )
    assert decision.kind is DecisionKind.DROP
    assert decision.reason is DropReason.TIMING
    assert decision.note == "call in spring"
    assert decision.recycle_on == pendulum.date(2027, 3, 1)

    assert read_drop(DropDraft(DropReason.OTHER), NOW, ZONE).recycle_on is None


def test_the_recycle_reading_says_when_or_never() -> None:
    assert "stays dropped" in recycle_reading("", NOW, ZONE).text
    later = recycle_reading("2027-03-01", NOW, ZONE)
    assert later.ok and "Mon 1 Mar 2027" in later.text and "in 87d" in later.text
    assert not recycle_reading("2020-01-01", NOW, ZONE).ok


def test_a_win_keeps_its_note() -> None:
    decision = read_win("  signed at last \n")
    assert decision.kind is DecisionKind.WIN
    assert decision.note == "signed at last"


def test_the_attributes_say_which_are_loose() -> None:
    firm = attribute_states(True, True, True, True)
    loose = attribute_states(True, False, False, True)

    assert firm == "✓ scheduled  ✓ agreed  ✓ advances  → firm"
    assert loose == "✗ scheduled  ✗ agreed  ✓ advances  → loose"
    assert attribute_states(False, True, True, True).startswith("✗ scheduled")


def test_loose_and_hopium_warnings_offer_dropping() -> None:
    assert loose_warning(step(agreed=True, advances=True)) is None
    warning = loose_warning(step(agreed=False))
    assert warning is not None and "not agreed" in warning and "Drop" in warning

    assert hopium_warning(2, 3) is None
    hopium = hopium_warning(3, 3)
    assert hopium is not None and "number 3" in hopium and "Drop" in hopium


def test_the_numbers_game_counts_a_firm_lead_out() -> None:
    health = Health(firm=12, open=20, target=30, due_now=2, loose=8, hopium=1)

    assert numbers_after_drop(health, True) == (
        "After this drop: 11 firm / 30 target — prospect 19 more."
    )
    assert "12 firm" in numbers_after_drop(health, False)
    full = Health(firm=31, open=31, target=30, due_now=0, loose=0, hopium=0)
    assert numbers_after_drop(full, True).endswith("on target.")


def test_a_draft_starts_from_the_current_step() -> None:
    lead = open_lead(pendulum.datetime(2026, 12, 7, 10, tz=ZONE))
    assert draft_of(lead, ZONE) == StepDraft("Demo", "2026-12-07 10:00", True, True)
    assert draft_of(None, ZONE) == StepDraft()
