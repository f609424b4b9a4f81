"""The step editor: a modal that is left only with a next step, a drop or a win.

It returns a ``StepDecision`` and writes nothing; the caller (``flows``) makes
the one Pipeline call. Escape never closes it (in the drop and win modes,
where the lead keeps its step, it cancels).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

import pendulum
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    ContentSwitcher,
    Input,
    Label,
    Select,
    Static,
)

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import DropReason, Health, Lead
from nextstep_tui.core.when import local_label, relative
from nextstep_tui.ui.forms import (
    DecisionKind,
    DropDraft,
    EditorMode,
    StepDecision,
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

TITLES = {
    EditorMode.ADD: "New lead and its first step",
    EditorMode.DONE: "Step done: the next step",
    EditorMode.POSTPONE: "Postpone the step",
    EditorMode.EDIT: "Change the step",
    EditorMode.RECYCLE: "Recycle: a new next step",
    EditorMode.DROP: "Drop the lead",
    EditorMode.WIN: "Close the lead as won",
}

# Modes whose lead keeps its step if the rep leaves without a decision.
CANCELLABLE = {EditorMode.DROP, EditorMode.WIN}


@dataclass(frozen=True)
class EditorContext:
    """What the editor shows and checks against; read before it opens."""

    mode: EditorMode
    lead: Lead | None
    health: Health
    hopium_threshold: int
    zone: str
    clock: Callable[[], pendulum.DateTime]
    draft: StepDraft | None = None


class TickBox(Static, can_focus=True):
    """A yes/no field that reads as text, ``[x] Agreed`` or ``[ ] Agreed``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,enter", "flip", "Toggle", show=False, id="tick_box.toggle"),
    ]

    value: reactive[bool] = reactive(False, init=False)

    class Changed(Message):
        """The box was ticked or cleared."""

        def __init__(self, tick_box: TickBox, value: bool) -> None:
            super().__init__()
            self.tick_box = tick_box
            self.value = value

        @property
        def control(self) -> TickBox:
            return self.tick_box

    def __init__(self, label: str, value: bool = False, *, id: str) -> None:
        super().__init__(id=id)
        self.label = label
        self.set_reactive(TickBox.value, value)

    def render(self) -> Content:
        return Content(f"[{'x' if self.value else ' '}] {self.label}")

    def watch_value(self, value: bool) -> None:
        self.post_message(self.Changed(self, value))

    def action_flip(self) -> None:
        self.value = not self.value

    def on_click(self) -> None:
        self.action_flip()


class StepEditor(ModalScreen[StepDecision]):
    """Edit a lead's next step; returns the rep's ``StepDecision``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Confirm", id="step_editor.confirm"),
        Binding("escape", "leave", "Back", show=False, id="step_editor.leave"),
    ]

    def __init__(self, context: EditorContext) -> None:
        super().__init__()
        self.context = context
        self.mode = context.mode
        self._pending: StepDecision | None = None

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        draft = self.context.draft or draft_of(self.context.lead, self.context.zone)
        fresh = (EditorMode.DONE, EditorMode.RECYCLE)
        if self.mode in fresh and not self.context.draft:
            draft = StepDraft()  # the next step is a new one, not the old one
        elif self.mode is EditorMode.POSTPONE and not self.context.draft:
            # The same step, later: it may be firmed up on the way.
            draft = replace(draft, when="")
        # Focus goes to the fields, which scroll into view; not to the frame.
        with VerticalScroll(id="dialog", can_focus=False):
            yield Static(self._context_line(), id="context")
            with ContentSwitcher(initial=self._first_panel(), id="panels"):
                yield from self._step_panel(draft)
                yield from self._confirm_panel()
                yield from self._drop_panel()
                yield from self._win_panel()

    def _step_panel(self, draft: StepDraft) -> ComposeResult:
        mode = self.mode
        with Vertical(id="step-panel"):
            if mode is EditorMode.ADD:
                yield from _field("Name", Input(draft.name, id="name", compact=True))
                yield from _field(
                    "Company", Input(draft.company, id="company", compact=True)
                )
            if mode is EditorMode.DONE:
                outcome = Input(
                    draft.outcome,
                    placeholder="what came of it (optional)",
                    id="outcome",
                    compact=True,
                )
                yield from _field("Outcome", outcome)
            action = Input(
                draft.action,
                placeholder="e.g. demo to the CFO",
                id="action",
                compact=True,
            )
            yield from _field("Action", action)
            when = Input(
                draft.when, placeholder="e.g. tue 10am, +3d", id="when", compact=True
            )
            yield from _field("When", when)
            yield Static(id="when-reading", classes="reading")
            with Horizontal(id="checks"):
                yield TickBox("Agreed by the buyer", draft.agreed, id="agreed")
                yield TickBox("Advances the sale", draft.advances, id="advances")
            yield Static(id="attributes")
            yield Static(id="warning", classes="warning")
            with Horizontal(classes="buttons"):
                yield from self._step_buttons()

    def _step_buttons(self) -> ComposeResult:
        save = "Postpone" if self.mode is EditorMode.POSTPONE else "Save step"
        if self._hopium_text():
            yield Button("Drop lead…", id="to-drop", compact=True, variant="warning")
            yield Button(save, id="save", compact=True)
        else:
            yield Button(save, id="save", compact=True, variant="primary")
        if self.mode is EditorMode.ADD:
            yield Button("Discard new lead", id="discard", compact=True)
        elif self.mode is EditorMode.RECYCLE:
            yield Button("Keep it dropped", id="discard", compact=True)
        else:
            if not self._hopium_text():
                yield Button("Drop lead…", id="to-drop", compact=True)
            yield Button("Won…", id="to-win", compact=True)

    def _confirm_panel(self) -> ComposeResult:
        with Vertical(id="confirm-panel"):
            yield Static(id="confirm-text", classes="warning")
            with Horizontal(classes="buttons"):
                if self.mode is EditorMode.ADD:
                    first = "Discard new lead"
                elif self.mode is EditorMode.RECYCLE:
                    first = "Keep it dropped"
                else:
                    first = "Drop lead…"
                yield Button(first, id="confirm-drop", compact=True, variant="warning")
                anyway = (
                    "Postpone anyway"
                    if self.mode is EditorMode.POSTPONE
                    else "Save anyway"
                )
                yield Button(anyway, id="confirm-save", compact=True)
                yield Button("Back", id="confirm-back", compact=True)

    def _drop_panel(self) -> ComposeResult:
        options = [(reason.label, reason) for reason in DropReason]
        with Vertical(id="drop-panel"):
            reason: Select[DropReason] = Select(
                options, prompt="choose a reason", id="reason", compact=True
            )
            yield from _field("Reason", reason)
            yield from _field(
                "Note",
                Input(placeholder="what to remember", id="drop-note", compact=True),
            )
            recycle = Input(
                placeholder="optional: e.g. +3m, 1 mar", id="recycle", compact=True
            )
            yield from _field("Recycle", recycle)
            yield Static(id="recycle-reading", classes="reading")
            yield Static(self._numbers_line(), id="numbers")
            with Horizontal(classes="buttons"):
                yield Button("Drop lead", id="drop", compact=True, variant="error")
                back = "Keep the lead" if self.mode in CANCELLABLE else "Back to step"
                yield Button(back, id="drop-back", compact=True)

    def _win_panel(self) -> ComposeResult:
        with Vertical(id="win-panel"):
            yield from _field(
                "Note", Input(placeholder="optional", id="win-note", compact=True)
            )
            yield Static(Content("Winning closes the lead; it has no more steps."))
            with Horizontal(classes="buttons"):
                yield Button("Mark won", id="win", compact=True, variant="success")
                back = "Keep the lead" if self.mode in CANCELLABLE else "Back to step"
                yield Button(back, id="win-back", compact=True)

    def on_mount(self) -> None:
        dialog = self.query_one("#dialog")
        lead = self.context.lead
        title = TITLES[self.mode]
        if lead is not None:
            title += " — " + _lead_label(lead)
        dialog.border_title = Content(title)
        self._show_keys()
        warning = self._hopium_text()
        self.query_one("#warning", Static).update(Content(warning or ""))
        self.query_one("#warning").display = bool(warning)
        self.query_one("#context").display = lead is not None
        self._show_when_reading()
        self._show_recycle_reading()
        self._show_attributes()
        self._focus_first()

    def _first_panel(self) -> str:
        if self.mode is EditorMode.DROP:
            return "drop-panel"
        if self.mode is EditorMode.WIN:
            return "win-panel"
        return "step-panel"

    def _focus_first(self) -> None:
        panel = self.query_one("#panels", ContentSwitcher).current
        first = {
            "step-panel": "#when" if self.mode is EditorMode.POSTPONE else "Input",
            "drop-panel": "#reason",
            "win-panel": "#win-note",
            "confirm-panel": "#confirm-drop",
        }[panel or "step-panel"]
        self.query_one(f"#{panel}").query(first).first().focus()

    # -- live readings -------------------------------------------------------

    def _now(self) -> pendulum.DateTime:
        return self.context.clock()

    def _must_pass(self) -> pendulum.DateTime | None:
        """When postponing, the due time the new one must pass."""
        lead = self.context.lead
        if self.mode is EditorMode.POSTPONE and lead is not None and lead.step:
            return lead.step.due
        return None

    @on(Input.Changed, "#when")
    def _show_when_reading(self) -> None:
        text = self.query_one("#when", Input).value
        reading = when_reading(text, self._now(), self.context.zone, self._must_pass())
        line = self.query_one("#when-reading", Static)
        line.update(Content(("→ " if reading.ok else "✗ ") + reading.text))
        line.set_class(not reading.ok, "-invalid")
        self._show_attributes()

    @on(Input.Changed, "#recycle")
    def _show_recycle_reading(self) -> None:
        text = self.query_one("#recycle", Input).value
        reading = recycle_reading(text, self._now(), self.context.zone)
        line = self.query_one("#recycle-reading", Static)
        line.update(Content(("→ " if reading.ok else "✗ ") + reading.text))
        line.set_class(not reading.ok, "-invalid")

    @on(TickBox.Changed)
    def _show_attributes(self) -> None:
        draft = self._draft()
        reading = when_reading(
            draft.when, self._now(), self.context.zone, self._must_pass()
        )
        agreed, advances = draft.agreed, draft.advances
        line = attribute_states(reading.ok, reading.has_time, agreed, advances)
        self.query_one("#attributes", Static).update(Content(line))

    def _context_line(self) -> Content:
        lead = self.context.lead
        if lead is None:
            return Content("")
        step = lead.step
        if step is None:
            reason = lead.drop_reason.label if lead.drop_reason else lead.state.value
            return Content(f"Dropped ({reason}).")
        now, zone = self._now(), self.context.zone
        due = local_label(step.due, step.has_time, zone)
        away = relative(step.due, step.has_time, now, zone)
        line = f"Step: {step.action} · {due} · {away}"
        if step.postponed:
            line += f" · postponed {step.postponed}x"
        return Content(line)

    def _numbers_line(self) -> Content:
        lead = self.context.lead
        firm = lead is not None and lead.step is not None and not lead.step.loose
        return Content(numbers_after_drop(self.context.health, firm))

    def _hopium_text(self) -> str | None:
        lead = self.context.lead
        if self.mode is not EditorMode.POSTPONE or lead is None or lead.step is None:
            return None
        return hopium_warning(lead.step.postponed + 1, self.context.hopium_threshold)

    # -- reading the fields --------------------------------------------------

    def _draft(self) -> StepDraft:
        def text(selector: str) -> str:
            found = self.query(selector)
            return found.first(Input).value if found else ""

        def checked(selector: str) -> bool:
            found = self.query(selector)
            return found.first(TickBox).value if found else False

        return StepDraft(
            action=text("#action"),
            when=text("#when"),
            agreed=checked("#agreed"),
            advances=checked("#advances"),
            name=text("#name"),
            company=text("#company"),
            outcome=text("#outcome"),
        )

    def _drop_draft(self) -> DropDraft:
        reason = self.query_one("#reason", Select).value
        return DropDraft(
            reason=reason if isinstance(reason, DropReason) else None,
            note=self.query_one("#drop-note", Input).value,
            recycle=self.query_one("#recycle", Input).value,
        )

    # -- acting --------------------------------------------------------------

    def _show_panel(self, panel: str) -> None:
        self.query_one("#panels", ContentSwitcher).current = panel
        self._focus_first()
        self._show_keys()

    def _show_keys(self) -> None:
        """The keys under the dialog; Escape is named only where it leads out."""
        keys = "ctrl+s confirm · tab next"
        panel = self.query_one("#panels", ContentSwitcher).current
        if self.mode in CANCELLABLE:
            keys += " · esc cancel"
        elif panel != "step-panel":
            keys += " · esc back to the step"
        self.query_one("#dialog").border_subtitle = Content(keys)

    def _tell(self, error: InvalidInput) -> None:
        self.notify(str(error), severity="error", markup=False)

    def action_confirm(self) -> None:
        """ctrl+s: do what the shown panel's main button does."""
        panel = self.query_one("#panels", ContentSwitcher).current
        {
            "step-panel": self.save_step,
            "confirm-panel": self._first_choice,
            "drop-panel": self.drop_lead,
            "win-panel": self.win_lead,
        }[panel or "step-panel"]()

    def action_leave(self) -> None:
        """Escape goes back to the step; it never closes the editor unasked."""
        panel = self.query_one("#panels", ContentSwitcher).current
        if self.mode in CANCELLABLE:
            self.dismiss(StepDecision(DecisionKind.DISCARD))
        elif panel != "step-panel":
            self._show_panel("step-panel")
        elif self.mode is EditorMode.ADD:
            self.notify(
                "Save the new lead with its first step, or choose 'Discard new lead'.",
                markup=False,
            )
        elif self.mode is EditorMode.RECYCLE:
            self.notify(
                "Save a next step to recycle the lead, or choose 'Keep it dropped'.",
                markup=False,
            )
        elif self.mode is EditorMode.POSTPONE:
            self.notify(
                "A postponement is decided here: give the step its new time, "
                "or drop the lead, or mark it won.",
                markup=False,
            )
        else:
            self.notify(
                "Every open lead needs a next step: save one, drop the lead or "
                "mark it won.",
                markup=False,
            )

    def save_step(self) -> None:
        try:
            decision = read_save(
                self.mode,
                self._draft(),
                self._now(),
                self.context.zone,
                self.context.lead,
            )
        except InvalidInput as error:
            self._tell(error)
            return
        assert decision.step is not None
        warning = self._hopium_text() or loose_warning(decision.step)
        if warning:
            self._pending = decision
            self.query_one("#confirm-text", Static).update(Content(warning))
            self._show_panel("confirm-panel")
            return
        self._decide(decision)

    def drop_lead(self) -> None:
        try:
            decision = read_drop(self._drop_draft(), self._now(), self.context.zone)
        except InvalidInput as error:
            self._tell(error)
            return
        self._decide(decision)

    def win_lead(self) -> None:
        try:
            decision = read_win(self.query_one("#win-note", Input).value)
        except InvalidInput as error:
            self._tell(error)
            return
        self._decide(decision)

    def _first_choice(self) -> None:
        if self.mode in (EditorMode.ADD, EditorMode.RECYCLE):
            self._decide(StepDecision(DecisionKind.DISCARD))
        else:
            self._show_panel("drop-panel")

    def _decide(self, decision: StepDecision) -> None:
        if decision.kind is DecisionKind.SAVE:
            decision = StepDecision(
                decision.kind,
                step=decision.step,
                fields=decision.fields,
                outcome=decision.outcome,
                draft=self._draft(),
            )
        self.dismiss(decision)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions: dict[str, Callable[[], None]] = {
            "save": self.save_step,
            "to-drop": lambda: self._show_panel("drop-panel"),
            "to-win": lambda: self._show_panel("win-panel"),
            "discard": lambda: self._decide(StepDecision(DecisionKind.DISCARD)),
            "confirm-drop": self._first_choice,
            "confirm-save": self._save_pending,
            "confirm-back": lambda: self._show_panel("step-panel"),
            "drop": self.drop_lead,
            "drop-back": self._back,
            "win": self.win_lead,
            "win-back": self._back,
        }
        actions[event.button.id or ""]()

    def _save_pending(self) -> None:
        if self._pending is not None:
            self._decide(self._pending)

    def _back(self) -> None:
        if self.mode in CANCELLABLE:
            self.dismiss(StepDecision(DecisionKind.DISCARD))
        else:
            self._show_panel("step-panel")

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter moves on, as Tab does; ctrl+s or a button decides."""
        event.stop()
        self.focus_next()


def _field(label: str, widget: Input | Select[DropReason]) -> ComposeResult:
    with Horizontal(classes="field"):
        yield Label(Content(label), classes="field-label")
        yield widget


def _lead_label(lead: Lead) -> str:
    if lead.company:
        return f"{lead.name} · {lead.company}"
    return lead.name
