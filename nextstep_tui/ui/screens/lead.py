"""One lead: its facts, its step, its talking points and its whole history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import pendulum
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from nextstep_tui.core.errors import Busy, Conflict, InvalidInput, NotFound
from nextstep_tui.core.model import (
    EDITABLE_FIELDS,
    MAX_NOTES,
    MAX_TEXT,
    DropReason,
    HistoryEvent,
    Lead,
    LeadFields,
    State,
)
from nextstep_tui.core.text import clean_line, clean_text, parse_money, strip_controls
from nextstep_tui.core.when import local_label, relative
from nextstep_tui.ui.flows import (
    EDITED,
    LeadFlows,
    PipelineChanged,
    tell_failure,
)
from nextstep_tui.ui.forms import attribute_states
from nextstep_tui.ui.screens.base import PipelineView
from nextstep_tui.ui.screens.cohorts import age_label
from nextstep_tui.ui.screens.reps import offer_reps
from nextstep_tui.ui.widgets.key_line import KeyLine

TIME_FORMAT = "YYYY-MM-DD HH:mm"
DAY_FORMAT = "ddd D MMM YYYY"

CONFLICT_TEXT = (
    "Not saved: this lead was changed elsewhere (another window or the command "
    "line) while you were editing it. It now shows the latest; press e to edit "
    "it again."
)

# -- what the form fields mean (plain, tested without a screen) ---------------


@dataclass(frozen=True)
class LeadDraft:
    """The lead's facts as typed in the form."""

    name: str = ""
    company: str = ""
    contact: str = ""
    email: str = ""
    phone: str = ""
    value: str = ""
    source: str = ""
    notes: str = ""


def draft_of_fields(fields: LeadFields) -> LeadDraft:
    """The form's starting text for ``fields``."""
    value = "" if fields.value_cents is None else money_text(fields.value_cents)
    return LeadDraft(
        name=fields.name,
        company=fields.company,
        contact=fields.contact,
        email=fields.email,
        phone=fields.phone,
        value=value,
        source=fields.source,
        notes=fields.notes,
    )


def read_lead_fields(draft: LeadDraft, external_id: str | None = None) -> LeadFields:
    """The facts typed, checked; ``InvalidInput`` says what is wrong."""
    return LeadFields(
        name=clean_line(draft.name, "The lead's name", MAX_TEXT),
        company=clean_line(draft.company, "Company", MAX_TEXT, required=False),
        contact=clean_line(draft.contact, "Contact", MAX_TEXT, required=False),
        email=clean_line(draft.email, "Email", MAX_TEXT, required=False),
        phone=clean_line(draft.phone, "Phone", MAX_TEXT, required=False),
        value_cents=parse_money(draft.value),
        source=clean_line(draft.source, "Source", MAX_TEXT, required=False),
        external_id=external_id,
        notes=clean_text(draft.notes, "Notes", MAX_NOTES, required=False),
    )


def read_note(text: str) -> str:
    """A talking point, checked; ``InvalidInput`` if empty or too long."""
    return clean_text(text, "A talking point", MAX_NOTES, required=True)


def money_text(cents: int) -> str:
    return f"{cents / 100:,.2f}"


# -- what the screen shows (plain, tested without a screen) -------------------


def field_pairs(lead: Lead) -> list[tuple[str, str]]:
    """(label, value) of every fact; empty values as an em dash."""
    fields = lead.fields
    value = "" if fields.value_cents is None else money_text(fields.value_cents)
    pairs = [
        ("Company", fields.company),
        ("Contact", fields.contact),
        ("Email", fields.email),
        ("Phone", fields.phone),
        ("Value", value),
        ("Source", fields.source),
    ]
    if fields.external_id:
        pairs.append(("Ext. id", fields.external_id))
    return [(label, one_line(text) or "—") for label, text in pairs]


def heading_text(lead: Lead, now: pendulum.DateTime, zone: str) -> str:
    """The line over the facts: id, state, owner and age."""
    created = lead.created_at.in_timezone(zone).format("D MMM YYYY")
    age = age_label(lead.created_at, now)
    state = lead.state.value
    return f"#{lead.id} · {state} · {lead.owner} · created {created} ({age} ago)"


def step_text(
    lead: Lead, now: pendulum.DateTime, zone: str, threshold: int
) -> tuple[str, str, str]:
    """The step as (action, when, attributes), or how the lead was closed."""
    step = lead.step
    if step is None:
        return closed_text(lead, zone)
    due = local_label(step.due, step.has_time, zone, now=now)
    when = f"{due} · {relative(step.due, step.has_time, now, zone)}"
    marks = attribute_states(True, step.has_time, step.agreed, step.advances)
    if step.postponed:
        times = "once" if step.postponed == 1 else f"{step.postponed} times"
        hopium = f" — hopium (from {threshold})" if lead.hopium else ""
        marks += f"\npostponed {times} since the last step done{hopium}"
    return one_line(step.action), when, marks


def closed_text(lead: Lead, zone: str) -> tuple[str, str, str]:
    """How a won or dropped lead ended, in the step's place."""
    closed = (
        lead.closed_at.in_timezone(zone).format(DAY_FORMAT) if lead.closed_at else ""
    )
    if lead.state is State.WON:
        return "Won", f"on {closed}", "No more steps: the lead is closed."
    reason = lead.drop_reason.label if lead.drop_reason else "no reason given"
    note = f" — {one_line(lead.drop_note)}" if lead.drop_note else ""
    if lead.recycle_on is not None:
        back = f"Back on {lead.recycle_on.in_timezone(zone).format(DAY_FORMAT)}; "
    else:
        back = "No recycle date; "
    return (
        f"Dropped: {reason}{note}",
        f"on {closed}",
        back + "u recycles it now with a new step.",
    )


def describe_event(
    event: HistoryEvent, zone: str, now: pendulum.DateTime
) -> tuple[str, str]:
    """(what, details) of one history event, in words; dues as local labels."""
    data = event.data

    def due(key: str) -> str:
        return _due(data, key, zone, now)

    kind = event.kind
    if kind == "created":
        return "created", str(data.get("name", ""))
    if kind in ("step_set", "step_edited"):
        text = f"{data.get('action', '')} · due {due('due')}"
        if data.get("postponed_from"):
            text += f" (later: postponed {data.get('count', '?')}x)"
        return ("next step" if kind == "step_set" else "changed"), text
    if kind == "done":
        outcome = f" — {data['outcome']}" if data.get("outcome") else ""
        return "done", f"{data.get('action', '')}{outcome}"
    if kind == "postponed":
        to = due("to")
        text = f"from {due('from')} to {to} ({data.get('count', '?')}x)"
        firmed = [
            words
            for name, words in (("agreed", "agreed"), ("advances", "advancing"))
            if data.get(name) is True
        ]
        if data.get("action"):
            text += f", now: {data['action']}"
        if firmed:
            text += ", now " + " and ".join(firmed)
        return "postponed", text
    if kind == "dropped":
        return "dropped", _dropped_details(data)
    if kind == "won":
        return "won", str(data.get("note") or "")
    if kind == "recycled":
        was = _reason_label(data.get("was"))
        return "recycled", f"back in the pipeline (was dropped: {was})"
    if kind == "edited":
        return "edited", "; ".join(_change(name, pair) for name, pair in data.items())
    if kind == "note":
        return "note", str(data.get("text", ""))
    return kind, ", ".join(f"{key}={value}" for key, value in data.items())


def _due(data: dict[str, object], key: str, zone: str, now: pendulum.DateTime) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        return "?"
    has_time = bool(data.get("has_time", True))
    instant = pendulum.parse(value)
    assert isinstance(instant, pendulum.DateTime)
    return local_label(instant, has_time, zone, now=now)


def _dropped_details(data: dict[str, object]) -> str:
    text = _reason_label(data.get("reason"))
    if data.get("note"):
        text += f" — {data['note']}"
    if data.get("recycle_on"):
        day = pendulum.parse(str(data["recycle_on"]), exact=True)
        assert isinstance(day, pendulum.Date)
        text += f" · back on {day.format(DAY_FORMAT)}"
    return text


def _reason_label(value: object) -> str:
    try:
        return DropReason(str(value)).label
    except ValueError:
        return str(value)


def _change(name: str, pair: object) -> str:
    label = "value" if name == "value_cents" else name.replace("_", " ")
    if not isinstance(pair, list) or len(pair) != 2:
        return label
    old, new = (_short(value, name) for value in pair)
    return f"{label}: {old} → {new}"


def _short(value: object, name: str) -> str:
    if value is None or value == "":
        return "—"
    if name == "value_cents" and isinstance(value, int):
        return money_text(value)
    text = one_line(str(value))
    return text if len(text) <= 40 else text[:39] + "…"


def one_line(text: str) -> str:
    """Stored text for a one-line place: controls gone, line breaks as spaces."""
    return " ".join(strip_controls(text).split())


# -- dialogs ---------------------------------------------------------------------


class LeadForm(ModalScreen[LeadFields | None]):
    """Edit the lead's facts; returns them checked, or None if left."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="lead_form.save"),
        Binding("escape", "cancel", "Cancel", id="lead_form.cancel"),
    ]

    FIELDS: ClassVar[list[tuple[str, str]]] = [
        ("name", "Name"),
        ("company", "Company"),
        ("contact", "Contact"),
        ("email", "Email"),
        ("phone", "Phone"),
        ("value", "Value"),
        ("source", "Source"),
    ]

    def __init__(self, fields: LeadFields) -> None:
        super().__init__()
        self.fields = fields

    def compose(self) -> ComposeResult:
        draft = draft_of_fields(self.fields)
        with Vertical(id="lead-form"):
            for name, label in self.FIELDS:
                with Horizontal(classes="field"):
                    yield Label(Content(label), classes="field-label")
                    yield Input(getattr(draft, name), id=name, compact=True)
            with Horizontal(classes="field notes"):
                yield Label(Content("Notes"), classes="field-label")
                yield TextArea(draft.notes, id="notes", compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield KeyLine()

    def on_mount(self) -> None:
        dialog = self.query_one("#lead-form")
        dialog.border_title = Content("Edit the lead")
        dialog.border_subtitle = Content("ctrl+s saves · escape cancels")
        self.query_one("#name", Input).focus()

    def draft(self) -> LeadDraft:
        values = {
            name: self.query_one(f"#{name}", Input).value for name, _ in self.FIELDS
        }
        return LeadDraft(**values, notes=self.query_one("#notes", TextArea).text)

    def action_save(self) -> None:
        try:
            fields = read_lead_fields(self.draft(), self.fields.external_id)
        except InvalidInput as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.dismiss(fields)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        """Enter moves on, as Tab does; ctrl+s or Save decides."""
        event.stop()
        self.focus_next()


def merge_edits(
    base: LeadFields, theirs: LeadFields, yours: LeadFields
) -> tuple[LeadFields, list[str]]:
    """The rep's edit over another session's: each fact the rep changed is
    theirs to keep, each one they left takes the other session's value.
    Also the facts both changed, in words: "company 'Acme' → 'Acme Ltd'"."""
    merged = {
        name: getattr(
            yours if getattr(yours, name) != getattr(base, name) else theirs, name
        )
        for name in EDITABLE_FIELDS
    }
    shown_base, shown_theirs = draft_of_fields(base), draft_of_fields(theirs)
    shown_yours = draft_of_fields(yours)
    both = [
        f"{label.lower()} {getattr(shown_theirs, name)!r} → "
        f"{getattr(shown_yours, name)!r}"
        for name, label in LeadForm.FIELDS
        if getattr(shown_theirs, name) != getattr(shown_base, name)
        and getattr(shown_yours, name) != getattr(shown_base, name)
        and getattr(shown_theirs, name) != getattr(shown_yours, name)
    ]
    return LeadFields(**merged), both


class NoteDialog(ModalScreen[str | None]):
    """Type one talking point; returns it checked, or None if left."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="note_dialog.cancel"),
    ]

    def __init__(self, lead_name: str, text: str = "") -> None:
        super().__init__()
        self.lead_name = lead_name
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog"):
            yield Static(
                Content("A point to go over with the buyer before you drop the lead:"),
                classes="hint",
            )
            yield Input(
                self.text,
                placeholder="e.g. they never answered on SSO",
                id="note",
                compact=True,
            )
        yield KeyLine()

    def on_mount(self) -> None:
        dialog = self.query_one("#note-dialog")
        dialog.border_title = Content(f"Talking point · {one_line(self.lead_name)}")
        dialog.border_subtitle = Content("enter saves · escape cancels")
        self.query_one("#note", Input).focus()

    @on(Input.Submitted)
    def save(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            text = read_note(event.value)
        except InvalidInput as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- the screen -------------------------------------------------------------------


@dataclass(frozen=True)
class LeadView:
    """Everything the screen shows, read in one go."""

    lead: Lead
    history: list[HistoryEvent]
    notes: list[HistoryEvent]


class LeadScreen(PipelineView):
    """A lead's facts, step, talking points and history; act on it from here."""

    CSS_PATH = "lead.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="lead.back"),
        Binding("e", "edit", "Edit", id="lead.edit"),
        Binding("n", "note", "Note", id="lead.note"),
        Binding("d", "done", "Done", id="lead.done"),
        Binding("p", "postpone", "Postpone", id="lead.postpone"),
        Binding("x", "drop", "Drop", id="lead.drop"),
        Binding("w", "win", "Win", id="lead.win"),
        Binding("s", "edit_step", "Step", id="lead.edit_step"),
        Binding("u", "recycle", "Recycle", id="lead.recycle"),
        Binding("o", "reassign", "Reassign", id="lead.reassign"),
    ]

    class Loaded(Message):
        """The lead was read (from a worker)."""

        def __init__(self, view: LeadView) -> None:
            super().__init__()
            self.view = view

    class FieldsSaved(Message):
        """The edited facts were written (from a worker)."""

        def __init__(self, lead_id: int) -> None:
            super().__init__()
            self.lead_id = lead_id

    class NoteAdded(Message):
        """A talking point was written (from a worker)."""

        def __init__(self, lead_id: int) -> None:
            super().__init__()
            self.lead_id = lead_id

    def __init__(self, lead_id: int) -> None:
        super().__init__()
        self.lead_id = lead_id
        self.flows = LeadFlows(self)
        self.view: LeadView | None = None

    @property
    def lead(self) -> Lead | None:
        return self.view.lead if self.view is not None else None

    def compose(self) -> ComposeResult:
        yield Static(Content("…"), id="lead-name")
        with VerticalScroll(id="lead-body"):
            yield Static(id="lead-heading")
            yield Grid(id="lead-fields")
            yield Static(id="lead-notes-field")
            yield Static(Content("Next step"), id="step-title", classes="section")
            yield Static(id="step-action")
            yield Static(id="step-when")
            yield Static(id="step-marks")
            yield Static(id="points-title", classes="section")
            yield Vertical(id="points")
            yield Static(Content("History, newest first"), classes="section")
            yield Grid(id="timeline")
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one("#lead-body").focus()
        self.load()

    # -- reading ---------------------------------------------------------------

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="lead-read", exit_on_error=False)
    def load(self) -> None:
        """Read the lead, its history and its talking points."""
        pipeline = self.pipeline
        try:
            history = pipeline.history(self.lead_id)
            view = LeadView(
                lead=pipeline.get(self.lead_id),
                history=history,
                notes=[event for event in history if event.kind == "note"],
            )
        except NotFound as error:  # gone from the pipeline: reassigned elsewhere
            self.app.call_from_thread(self.leave, str(error))
            return
        except Exception as error:  # told to the rep; logged if unexpected
            tell_failure(self.app, error)
            return
        self.post_message(self.Loaded(view))

    def leave(self, why: str) -> None:
        """The lead is no longer the rep's to see: say so and go back."""
        self.app.notify(why, severity="warning", markup=False)
        if self.is_current:
            self.app.pop_screen()

    async def on_lead_screen_loaded(self, message: Loaded) -> None:
        self.view = message.view
        await self.show(message.view)
        self.refresh_bindings()

    # -- showing ---------------------------------------------------------------

    async def show(self, view: LeadView) -> None:
        lead = view.lead
        pipeline = self.pipeline
        now, zone = pipeline.now(), pipeline.zone
        self.query_one("#lead-name", Static).update(Content(one_line(lead.name)))
        self.query_one("#lead-heading", Static).update(
            Content(heading_text(lead, now, zone))
        )
        await self._show_fields(lead)
        self._show_step(lead, now, zone, pipeline.hopium_threshold)
        await self._show_points(view.notes, zone)
        await self._show_timeline(view.history, zone)

    async def _show_fields(self, lead: Lead) -> None:
        grid = self.query_one("#lead-fields", Grid)
        await grid.remove_children()
        cells: list[Static] = []
        for label, value in field_pairs(lead):
            cells.append(Static(Content(label), classes="field-label"))
            cells.append(Static(Content(value), classes="field-value"))
        await grid.mount_all(cells)
        notes = self.query_one("#lead-notes-field", Static)
        notes.display = bool(lead.fields.notes)
        notes.update(
            Content.assemble(("Notes  ", "bold"), strip_controls(lead.fields.notes))
        )

    def _show_step(
        self, lead: Lead, now: pendulum.DateTime, zone: str, threshold: int
    ) -> None:
        title = "Next step" if lead.state is State.OPEN else "Closed"
        self.query_one("#step-title", Static).update(Content(title))
        action, when, marks = step_text(lead, now, zone, threshold)
        self.query_one("#step-action", Static).update(Content(action))
        self.query_one("#step-when", Static).update(Content(when))
        self.query_one("#step-marks", Static).update(Content(marks))
        step = lead.step
        self.query_one("#step-marks").set_class(
            step is not None and (step.loose or lead.hopium), "-loose"
        )

    async def _show_points(self, notes: list[HistoryEvent], zone: str) -> None:
        title = f"Talking points ({len(notes)})" if notes else "Talking points"
        self.query_one("#points-title", Static).update(Content(title))
        box = self.query_one("#points", Vertical)
        await box.remove_children()
        if not notes:
            hint = "None yet: n adds a point to go over with the buyer before dropping."
            await box.mount(Static(Content(hint), classes="empty"))
            return
        await box.mount_all(
            Static(
                Content.assemble(
                    "• ",
                    strip_controls(str(note.data.get("text", ""))),
                    (f"  {note.at.in_timezone(zone).format('D MMM')}", "dim"),
                )
            )
            for note in notes
        )

    async def _show_timeline(self, history: list[HistoryEvent], zone: str) -> None:
        grid = self.query_one("#timeline", Grid)
        await grid.remove_children()
        rep, now = self.pipeline.rep, self.pipeline.now()
        cells: list[Static] = []
        for event in reversed(history):
            what, details = describe_event(event, zone, now)
            by = f" (by {event.actor})" if event.actor != rep else ""
            at = event.at.in_timezone(zone).format(TIME_FORMAT)
            cells.append(Static(Content(at), classes="when"))
            cells.append(Static(Content(what), classes="kind"))
            cells.append(Static(Content(strip_controls(details) + by), classes="what"))
        await grid.mount_all(cells)

    # -- acting ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the actions that fit the lead's state are offered."""
        lead = self.lead
        if lead is None:
            return action == "back"
        if action in ("done", "postpone", "drop", "win", "edit_step"):
            return lead.state is State.OPEN
        if action == "recycle":
            return lead.state is State.DROPPED
        if action == "reassign":
            return self.pipeline.access.manager
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_done(self) -> None:
        self.flows.done(self.lead_id)

    def action_postpone(self) -> None:
        self.flows.postpone(self.lead_id)

    def action_drop(self) -> None:
        self.flows.drop(self.lead_id)

    def action_win(self) -> None:
        self.flows.win(self.lead_id)

    def action_edit_step(self) -> None:
        self.flows.edit(self.lead_id)

    def action_recycle(self) -> None:
        self.flows.recycle(self.lead_id)

    def action_edit(self) -> None:
        lead = self.lead
        if lead is None:
            return

        def edited(fields: LeadFields | None) -> None:
            if fields is not None:
                self.save_fields(fields, lead.version, lead.fields)

        self.app.push_screen(LeadForm(lead.fields), edited)

    def action_note(self) -> None:
        self.type_note("")

    def type_note(self, text: str) -> None:
        lead = self.lead
        if lead is None:
            return

        def typed(text: str | None) -> None:
            if text is not None:
                self.save_note(text)

        self.app.push_screen(NoteDialog(lead.name, text), typed)

    @work(thread=True, exclusive=True, group="reps", exit_on_error=False)
    def action_reassign(self) -> None:
        lead = self.lead
        if lead is None:
            return

        def chosen(rep: str | None) -> None:
            if rep:
                self.reassign(rep, lead.version)

        title = f"Who takes {one_line(lead.name)}"
        offer_reps(self.app, self.pipeline, title, chosen, current=lead.owner)

    @work(thread=True, group="lead-write", exit_on_error=False)
    def reassign(self, rep: str, version: int) -> None:
        try:
            before = self.pipeline.reassign(self.lead_id, rep, expected_version=version)
        except Conflict:
            self.app.notify(CONFLICT_TEXT, severity="warning", markup=False, timeout=10)
            self.post_message(self.FieldsSaved(self.lead_id))
            return
        except Exception as error:  # told to the rep; logged if unexpected
            tell_failure(self.app, error)
            return
        told = "already" if before == rep else "now"
        self.app.notify(f"The lead is {told} {one_line(rep)}'s.", markup=False)
        self.post_message(self.FieldsSaved(self.lead_id))

    @work(thread=True, group="lead-write", exit_on_error=False)
    def save_fields(self, fields: LeadFields, version: int, base: LeadFields) -> None:
        """Write the edited facts, if nobody changed the lead since ``base``
        (the facts at ``version``) was read."""
        try:
            self.pipeline.edit_lead(self.lead_id, fields, expected_version=version)
        except Conflict as error:
            self.keep_edit(base, fields, str(error))
            return
        except Busy as error:  # the typed facts are kept, for another try
            tell_failure(self.app, error)
            self.app.call_from_thread(self.edit_again, fields, version, base)
            return
        except Exception as error:  # told to the rep; logged if unexpected
            tell_failure(self.app, error)
            return
        self.app.notify(f"Saved {one_line(fields.name)}.", markup=False)
        self.post_message(self.FieldsSaved(self.lead_id))

    def edit_again(self, fields: LeadFields, version: int, base: LeadFields) -> None:
        def edited(fields: LeadFields | None) -> None:
            if fields is not None:
                self.save_fields(fields, version, base)

        self.app.push_screen(LeadForm(fields), edited)

    def keep_edit(self, base: LeadFields, yours: LeadFields, why: str) -> None:
        """Worker thread: another session saved first. Open the form again
        on the rep's changes over the other session's, and say where both
        changed the same fact."""
        try:
            lead = self.pipeline.get(self.lead_id)
        except Exception as error:  # closed or gone meanwhile: say so
            tell_failure(self.app, error)
            self.post_message(self.FieldsSaved(self.lead_id))
            return
        merged, both = merge_edits(base, lead.fields, yours)
        told = f"Not saved: {why}"
        if both:
            told += " Both changed: saved now → yours: " + "; ".join(both) + "."
        told += " Your changes are open again over theirs: ctrl+s saves them."
        self.app.notify(told, severity="warning", markup=False, timeout=15)
        self.post_message(self.FieldsSaved(self.lead_id))
        self.app.call_from_thread(self.edit_again, merged, lead.version, lead.fields)

    @work(thread=True, group="lead-write", exit_on_error=False)
    def save_note(self, text: str) -> None:
        try:
            self.pipeline.add_note(self.lead_id, text)
        except Busy as error:  # the rep's words are kept, for another try
            tell_failure(self.app, error)
            self.app.call_from_thread(self.type_note, text)
            return
        except Exception as error:  # told to the rep; logged if unexpected
            tell_failure(self.app, error)
            return
        self.post_message(self.NoteAdded(self.lead_id))

    def on_lead_screen_fields_saved(self, message: FieldsSaved) -> None:
        # Reloads this screen too (``on_pipeline_changed``) and bubbles to the app.
        self.post_message(PipelineChanged(message.lead_id, EDITED))

    def on_lead_screen_note_added(self, message: NoteAdded) -> None:
        self.load()

    def palette_commands(self) -> Iterable[SystemCommand]:
        """The screen's actions for the command palette."""
        yield SystemCommand("Edit lead", "Change the lead's facts", self.action_edit)
        yield SystemCommand("Add talking point", "A point to go over", self.action_note)
        yield SystemCommand("Done", "The step is done: set the next", self.action_done)
        yield SystemCommand("Postpone", "Move the step later", self.action_postpone)
        yield SystemCommand(
            "Change step", "Edit the current step", self.action_edit_step
        )
        yield SystemCommand("Drop", "Drop the lead", self.action_drop)
        yield SystemCommand("Win", "Close the lead as won", self.action_win)
        yield SystemCommand("Recycle", "Reopen a dropped lead", self.action_recycle)
        yield SystemCommand("Back", "Back to the list", self.action_back)
