"""Plain values the rules take and give: no database rows leave the core."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import pendulum

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.when import When

MAX_TEXT = 2000
MAX_NOTES = 20000


class State(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    DROPPED = "dropped"


class DropReason(enum.StrEnum):
    NO_BUDGET = "no-budget"
    NO_FIT = "no-fit"
    NO_RESPONSE = "no-response"
    WENT_ELSEWHERE = "went-elsewhere"
    TIMING = "timing"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ")

    @classmethod
    def parse(cls, text: str) -> DropReason:
        word = text.strip().lower().replace(" ", "-").replace("_", "-")
        try:
            return cls(word)
        except ValueError:
            choices = ", ".join(reason.value for reason in cls)
            raise InvalidInput(
                f"Unknown drop reason {text!r}; choose one of {choices}."
            ) from None


class ListView(enum.StrEnum):
    """The sections of the pipeline a rep switches between."""

    NOW = "now"
    LATER = "later"
    LOOSE = "loose"
    HOPIUM = "hopium"
    ALL = "all"


@dataclass(frozen=True)
class StepInput:
    """A next step as the rep gives it, before it is saved."""

    action: str
    when: When
    agreed: bool = False
    advances: bool = False

    @property
    def scheduled(self) -> bool:
        return self.when.has_time

    @property
    def missing(self) -> tuple[str, ...]:
        return missing_attributes(self.scheduled, self.agreed, self.advances)

    @property
    def loose(self) -> bool:
        return bool(self.missing)


def missing_attributes(
    scheduled: bool, agreed: bool, advances: bool
) -> tuple[str, ...]:
    """The attributes of a real step that this one lacks, in a fixed order."""
    flags = {"scheduled": scheduled, "agreed": agreed, "advances": advances}
    return tuple(name for name, present in flags.items() if not present)


_LACKING = {
    "scheduled": "no time set",
    "agreed": "not agreed",
    "advances": "does not advance",
}


def lacking_in_words(missing: tuple[str, ...]) -> str:
    """What a loose step lacks, as a rep reads it: 'no time set, not agreed'."""
    return ", ".join(_LACKING[name] for name in missing)


@dataclass(frozen=True)
class LeadFields:
    """The facts about a lead that a rep may type or an import may bring."""

    name: str
    company: str = ""
    contact: str = ""
    email: str = ""
    phone: str = ""
    value_cents: int | None = None
    source: str = ""
    external_id: str | None = None
    notes: str = ""


EDITABLE_FIELDS = tuple(LeadFields.__dataclass_fields__)


@dataclass(frozen=True)
class Step:
    """A saved next step, as the screens show it."""

    action: str
    due: pendulum.DateTime
    has_time: bool
    agreed: bool
    advances: bool
    postponed: int

    @property
    def scheduled(self) -> bool:
        return self.has_time

    @property
    def missing(self) -> tuple[str, ...]:
        return missing_attributes(self.has_time, self.agreed, self.advances)

    @property
    def loose(self) -> bool:
        return bool(self.missing)


@dataclass(frozen=True)
class Lead:
    """A lead with its step (None unless open) and its flags."""

    id: int
    fields: LeadFields
    owner: str
    state: State
    created_at: pendulum.DateTime
    version: int
    step: Step | None = None
    hopium: bool = False
    closed_at: pendulum.DateTime | None = None
    drop_reason: DropReason | None = None
    drop_note: str = ""
    recycle_on: pendulum.DateTime | None = None

    @property
    def name(self) -> str:
        return self.fields.name

    @property
    def company(self) -> str:
        return self.fields.company


@dataclass(frozen=True)
class HistoryEvent:
    id: int
    at: pendulum.DateTime
    actor: str
    kind: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CohortRow:
    month: str  # YYYY-MM in the rep's zone
    created: int
    won: int
    dropped: int
    open: int

    @property
    def open_share(self) -> float:
        return self.open / self.created if self.created else 0.0


@dataclass(frozen=True)
class Health:
    """Pipeline health: open leads with a firm step, against the target."""

    firm: int
    open: int
    target: int
    due_now: int
    loose: int
    hopium: int

    @property
    def short_of_target(self) -> int:
        return max(0, self.target - self.firm)
