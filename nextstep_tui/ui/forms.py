"""What the step editor's fields mean: plain checks, tested without a screen.

The editor collects a ``StepDraft`` or a ``DropDraft`` (the text as typed) and
these functions turn it into a ``StepDecision`` or raise ``InvalidInput`` with
the words the rep is shown. Nothing here imports Textual.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import pendulum

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import (
    MAX_NOTES,
    MAX_TEXT,
    DropReason,
    Health,
    Lead,
    LeadFields,
    StepInput,
    missing_attributes,
)
from nextstep_tui.core.text import clean_line, clean_text
from nextstep_tui.core.when import (
    When,
    check_due,
    check_later,
    check_recycle_day,
    local_label,
    parse_day,
    parse_when,
    relative,
)


class EditorMode(enum.StrEnum):
    """Why the step editor is open; it decides the fields and the exits."""

    ADD = "add"  # a new lead and its first step; exits: save or discard
    DONE = "done"  # the step is done; the next one replaces it
    POSTPONE = "postpone"  # only the due time moves (counted)
    EDIT = "edit"  # change the current step (later counts as a postponement)
    RECYCLE = "recycle"  # a dropped lead comes back; leaving keeps it dropped
    DROP = "drop"  # straight to dropping; cancelling keeps the lead and its step
    WIN = "win"  # straight to winning; cancelling keeps the lead and its step


class DecisionKind(enum.StrEnum):
    SAVE = "save"
    DROP = "drop"
    WIN = "win"
    DISCARD = "discard"  # nothing is written (a new lead, recycle, drop or win)


@dataclass(frozen=True)
class StepDecision:
    """What the rep decided in the step editor; the caller writes it."""

    kind: DecisionKind
    step: StepInput | None = None
    fields: LeadFields | None = None
    outcome: str = ""
    reason: DropReason | None = None
    note: str = ""
    recycle_on: pendulum.Date | None = None
    draft: StepDraft | None = field(default=None, compare=False)
    """What was typed, to refill the editor if the save fails."""


@dataclass(frozen=True)
class StepDraft:
    """The step as typed; also what refills the editor after a failed save."""

    action: str = ""
    when: str = ""
    agreed: bool = False
    advances: bool = False
    name: str = ""
    company: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class DropDraft:
    reason: DropReason | None = None
    note: str = ""
    recycle: str = ""


@dataclass(frozen=True)
class Reading:
    """How a typed date reads back: ``ok`` False means ``text`` is the error."""

    ok: bool
    text: str
    has_time: bool = False


# -- reading dates live ------------------------------------------------------


def read_when(text: str, now: pendulum.DateTime, zone: str) -> When:
    """The due time typed, which must not be gone already."""
    if not text.strip():
        raise InvalidInput("Say when the step is due, e.g. 'tue 10am' or '+3d'.")
    when = parse_when(text, now, zone)
    check_due(when, now, zone)
    return when


def when_reading(
    text: str,
    now: pendulum.DateTime,
    zone: str,
    after: pendulum.DateTime | None = None,
) -> Reading:
    """The line under the date field: the date understood, or why not.

    ``after``: when postponing, the current due time the new one must pass.
    """
    if not text.strip():
        return Reading(False, "Type a day, e.g. 'tomorrow 10am', 'fri', '+3d'.")
    try:
        when = read_when(text, now, zone)
        if after is not None:
            check_later(when, after)
    except InvalidInput as error:
        return Reading(False, str(error))
    label = local_label(when.instant, when.has_time, zone)
    line = f"{label} · {relative(when.instant, when.has_time, now, zone)}"
    if not when.has_time:
        line += " · no time yet"
    if when.note:
        line += f" ({when.note})"
    return Reading(True, line, when.has_time)


def read_recycle_day(
    text: str, now: pendulum.DateTime, zone: str
) -> pendulum.Date | None:
    """The optional day a dropped lead comes back; blank means never."""
    if not text.strip():
        return None
    day = parse_day(text, now, zone)
    check_recycle_day(day, now, zone)
    return day


def recycle_reading(text: str, now: pendulum.DateTime, zone: str) -> Reading:
    if not text.strip():
        return Reading(True, "Not recycled: the lead stays dropped.")
    try:
        day = read_recycle_day(text, now, zone)
    except InvalidInput as error:
        return Reading(False, str(error))
    assert day is not None
    days = (day - now.in_timezone(zone).date()).days
    away = "today" if days == 0 else f"in {days}d"
    return Reading(True, f"Back on {day.format('ddd D MMM YYYY')} · {away}")


# -- reading whole decisions -------------------------------------------------


def read_step(draft: StepDraft, now: pendulum.DateTime, zone: str) -> StepInput:
    action = clean_line(draft.action, "The step's action", MAX_TEXT)
    return StepInput(
        action, read_when(draft.when, now, zone), draft.agreed, draft.advances
    )


def read_fields(draft: StepDraft) -> LeadFields:
    return LeadFields(
        name=clean_line(draft.name, "The lead's name", MAX_TEXT),
        company=clean_line(draft.company, "Company", MAX_TEXT, required=False),
    )


def read_save(
    mode: EditorMode,
    draft: StepDraft,
    now: pendulum.DateTime,
    zone: str,
    lead: Lead | None = None,
) -> StepDecision:
    """The decision to save the step typed in ``mode``."""
    if mode is EditorMode.POSTPONE:
        return _read_postpone(draft, now, zone, lead)
    fields = read_fields(draft) if mode is EditorMode.ADD else None
    outcome = ""
    if mode is EditorMode.DONE:
        outcome = clean_text(draft.outcome, "Outcome", MAX_TEXT, required=False)
    step = read_step(draft, now, zone)
    return StepDecision(DecisionKind.SAVE, step=step, fields=fields, outcome=outcome)


def _read_postpone(
    draft: StepDraft, now: pendulum.DateTime, zone: str, lead: Lead | None
) -> StepDecision:
    if lead is None or lead.step is None:
        raise InvalidInput("Only an open lead's step can be postponed.")
    when = read_when(draft.when, now, zone)
    check_later(when, lead.step.due)
    action = clean_line(draft.action, "The step's action", MAX_TEXT)
    step = StepInput(action, when, draft.agreed, draft.advances)
    return StepDecision(DecisionKind.SAVE, step=step)


def read_drop(draft: DropDraft, now: pendulum.DateTime, zone: str) -> StepDecision:
    if draft.reason is None:
        raise InvalidInput("Choose why the lead is dropped.")
    return StepDecision(
        DecisionKind.DROP,
        reason=draft.reason,
        note=clean_text(draft.note, "Note", MAX_NOTES, required=False),
        recycle_on=read_recycle_day(draft.recycle, now, zone),
    )


def read_win(note: str) -> StepDecision:
    return StepDecision(
        DecisionKind.WIN, note=clean_text(note, "Note", MAX_NOTES, required=False)
    )


def draft_of(lead: Lead | None, zone: str) -> StepDraft:
    """A draft holding the lead's current step, to start editing from."""
    if lead is None or lead.step is None:
        return StepDraft()
    step = lead.step
    local = step.due.in_timezone(zone)
    when = local.format("YYYY-MM-DD HH:mm" if step.has_time else "YYYY-MM-DD")
    return StepDraft(step.action, when, step.agreed, step.advances)


# -- what the editor warns about ----------------------------------------------


def attribute_states(
    when_ok: bool, has_time: bool, agreed: bool, advances: bool
) -> str:
    """The three attributes of a real step as text: ``✓ scheduled ✗ agreed …``."""
    scheduled = when_ok and has_time
    marks = [("scheduled", scheduled), ("agreed", agreed), ("advances", advances)]
    line = "  ".join(f"{'✓' if present else '✗'} {name}" for name, present in marks)
    loose = missing_attributes(scheduled, agreed, advances)
    return line + ("  → loose" if loose else "  → firm")


def _missing_words(name: str) -> str:
    return {
        "scheduled": "no time set",
        "agreed": "not agreed",
        "advances": "does not advance",
    }[name]


def loose_warning(step: StepInput) -> str | None:
    """Why saving this step is hoping rather than selling, or None if firm."""
    if not step.loose:
        return None
    words = ", ".join(_missing_words(name) for name in step.missing)
    return f"This step is loose ({words}). Drop the lead rather than keep hoping?"


def hopium_warning(postponed: int, threshold: int) -> str | None:
    """The warning when this postponement reaches the hopium threshold."""
    if postponed < threshold:
        return None
    return (
        f"This would be postponement number {postponed} (hopium from {threshold}). "
        "Drop the lead rather than postpone again?"
    )


def numbers_after_drop(health: Health, lead_is_firm: bool) -> str:
    """The numbers game: the firm leads left after this drop, against the target."""
    firm = health.firm - (1 if lead_is_firm else 0)
    line = f"After this drop: {firm} firm / {health.target} target"
    short = health.target - firm
    if short > 0:
        return f"{line} — prospect {short} more."
    return f"{line} — on target."
