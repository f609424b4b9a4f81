"""The pipeline's operations and views: every rule of a lead's life.

Each operation is one write transaction that checks the lead's state, changes
the row and appends to its history; if anything fails half way the lead is as
it was. Views are single queries that return plain values from ``model``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import peewee
import pendulum

from nextstep_tui.config import Settings
from nextstep_tui.core.access import Access, personal
from nextstep_tui.core.errors import (
    Busy,
    Conflict,
    InvalidInput,
    NextstepError,
    StorageError,
    WrongState,
)
from nextstep_tui.core.listing import Listing, Segment
from nextstep_tui.core.model import (
    MAX_NOTES,
    MAX_TEXT,
    CohortRow,
    DropReason,
    Health,
    HistoryEvent,
    Lead,
    LeadFields,
    ListView,
    State,
    Step,
    StepInput,
)
from nextstep_tui.core.text import clean_line, clean_text
from nextstep_tui.core.when import (
    When,
    check_due,
    check_later,
    check_recycle_day,
    day_bounds,
    local_label,
    start_of_local_day,
)
from nextstep_tui.storage.database import (
    data_version,
    is_locked_error,
    open_database,
)
from nextstep_tui.storage.models import Event
from nextstep_tui.storage.models import Lead as LeadRow
from nextstep_tui.storage.schema import (
    loose_condition,
    open_tally,
    text_search,
    write_transaction,
)

log = logging.getLogger(__name__)
_M = TypeVar("_M", bound=peewee.Model)

Clock = Callable[[], pendulum.DateTime]


def _utc_now() -> pendulum.DateTime:
    return pendulum.now("UTC")


class Pipeline:
    """One rep's view of one database.

    ``access`` says which leads the rep may see and change; ``owner`` is
    whose pipeline is shown (None: every lead the rep may see). A team's
    rep is always shown their own.
    """

    def __init__(
        self,
        db: peewee.Database,
        *,
        rep: str,
        zone: str,
        hopium_threshold: int = 3,
        target: int = 30,
        owner: str | None = None,
        access: Access | None = None,
        report_zone: str | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        self.db = db
        self.rep = rep
        self.zone = zone
        self.report_zone = report_zone or zone
        self.hopium_threshold = hopium_threshold
        self.target = target
        self.access = access or personal(rep)
        self.owner = owner if self.access.sees_all else rep
        self.clock = clock

    def now(self) -> pendulum.DateTime:
        return self.clock().in_timezone("UTC")

    # -- operations --------------------------------------------------------

    def add_lead(self, fields: LeadFields, step: StepInput) -> int:
        """Create an open lead with its first step; return its id."""
        fields = clean_fields(fields)
        step = self._checked_step(step)
        owner = self.owner or self.rep
        self.access.check_owner(owner)
        now = self.now()

        with self._writing():
            row = LeadRow.create(
                **_field_values(fields),
                owner=owner,
                created_at=now,
                state=State.OPEN.value,
                **_step_values(step),
                postponed=0,
            )
            self._record(row.id, "created", {"name": fields.name}, now)
            self._record(row.id, "step_set", _step_data(step), now)
        return int(row.id)

    def complete_step(
        self,
        lead_id: int,
        next_step: StepInput,
        *,
        outcome: str = "",
        expected_version: int | None = None,
    ) -> None:
        """Mark the current step done and set the next one, in one go."""
        next_step = self._checked_step(next_step)
        outcome = clean_text(outcome, "Outcome", MAX_TEXT, required=False)

        with self._writing():
            row = self._open_row(lead_id, expected_version)
            now = self.now()
            done = {"action": row.step_action, "due": _iso(row.step_due)}
            if outcome:
                done["outcome"] = outcome
            self._update(row, **_step_values(next_step), postponed=0)
            self._record(lead_id, "done", done, now)
            self._record(lead_id, "step_set", _step_data(next_step), now)

    def postpone(
        self,
        lead_id: int,
        when: When,
        *,
        action: str | None = None,
        agreed: bool | None = None,
        advances: bool | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Move the step to a later time; return the postponements so far.

        The same step may be firmed up on the way: a new ``action``, or
        ``agreed`` and ``advances`` ticked; what changed goes in the history.
        """
        self._check_due(when)
        if action is not None:
            action = clean_line(action, "The step's action", MAX_TEXT)

        with self._writing():
            row = self._open_row(lead_id, expected_version)
            check_later(when, row.step_due)
            count = row.postponed + 1
            changes = {
                name: value
                for name, value, old in (
                    ("action", action, row.step_action),
                    ("agreed", agreed, bool(row.step_agreed)),
                    ("advances", advances, bool(row.step_advances)),
                )
                if value is not None and value != old
            }
            columns = {f"step_{name}": value for name, value in changes.items()}
            self._update(
                row,
                step_due=when.instant,
                step_has_time=when.has_time,
                postponed=count,
                **columns,
            )
            data = {
                "from": _iso(row.step_due),
                "to": _iso(when.instant),
                "has_time": when.has_time,
                "count": count,
            }
            self._record(lead_id, "postponed", {**data, **changes})
        return count

    def edit_step(
        self, lead_id: int, step: StepInput, *, expected_version: int | None = None
    ) -> None:
        """Change the current step; moving it later counts as a postponement."""
        step = self._checked_step(step)

        with self._writing():
            row = self._open_row(lead_id, expected_version)
            later = step.when.instant > row.step_due
            count = row.postponed + 1 if later else row.postponed
            self._update(row, **_step_values(step), postponed=count)
            data = _step_data(step)
            if later:
                data["postponed_from"] = _iso(row.step_due)
                data["count"] = count
            self._record(lead_id, "step_edited", data)

    def drop(
        self,
        lead_id: int,
        reason: DropReason,
        *,
        note: str = "",
        recycle_on: pendulum.Date | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Close the lead as dropped; it may come back on ``recycle_on``."""
        note = clean_text(note, "Note", MAX_NOTES, required=False)
        recycle_at = self._recycle_instant(recycle_on)

        with self._writing():
            row = self._open_row(lead_id, expected_version)
            self._update(
                row,
                state=State.DROPPED.value,
                closed_at=self.now(),
                drop_reason=reason.value,
                drop_note=note,
                recycle_on=recycle_at,
                **_no_step(),
            )
            self._record(
                lead_id,
                "dropped",
                {
                    "reason": reason.value,
                    "note": note,
                    "recycle_on": recycle_on.isoformat() if recycle_on else None,
                    "last_action": row.step_action,
                },
            )

    def win(
        self, lead_id: int, *, note: str = "", expected_version: int | None = None
    ) -> None:
        note = clean_text(note, "Note", MAX_NOTES, required=False)

        with self._writing():
            row = self._open_row(lead_id, expected_version)
            self._update(row, state=State.WON.value, closed_at=self.now(), **_no_step())
            self._record(lead_id, "won", {"note": note, "last_action": row.step_action})

    def recycle(
        self, lead_id: int, step: StepInput, *, expected_version: int | None = None
    ) -> None:
        """Reopen a dropped lead; it comes back only with a new next step."""
        step = self._checked_step(step)

        with self._writing():
            row = self._row(lead_id, expected_version)
            if row.state != State.DROPPED.value:
                raise WrongState(
                    f"Lead {lead_id} is {row.state}; only dropped leads recycle."
                )
            self._update(
                row,
                state=State.OPEN.value,
                closed_at=None,
                drop_reason=None,
                drop_note="",
                recycle_on=None,
                **_step_values(step),
                postponed=0,
            )
            now = self.now()
            self._record(lead_id, "recycled", {"was": row.drop_reason}, now)
            self._record(lead_id, "step_set", _step_data(step), now)

    def edit_lead(
        self, lead_id: int, fields: LeadFields, *, expected_version: int | None = None
    ) -> None:
        """Replace the lead's facts; the history keeps what changed."""
        fields = clean_fields(fields)

        with self._writing():
            row = self._row(lead_id, expected_version)
            old = _fields_of(row)
            changes = {
                name: [getattr(old, name), value]
                for name, value in _field_values(fields).items()
                if getattr(old, name) != value
            }
            if not changes:
                return
            self._update(row, **_field_values(fields))
            self._record(lead_id, "edited", changes)

    def reassign(
        self, lead_id: int, to: str, *, expected_version: int | None = None
    ) -> str:
        """Give the lead to another rep of the team (a manager's right);
        return whose it was."""
        to = clean_line(to, "The rep", MAX_TEXT)
        self.access.check_reassign(to)

        with self._writing():
            row = self._row(lead_id, expected_version)
            if row.owner != to:
                self._update(row, owner=to)
                self._record(lead_id, "edited", {"owner": [row.owner, to]})
        return str(row.owner)

    def view_rep(self, owner: str | None) -> None:
        """Show ``owner``'s pipeline (None: everyone's the rep may see)."""
        if owner is not None and not owner.strip():
            raise InvalidInput("Name the rep whose pipeline to show.")
        self.access.check_views(owner)
        members = self.access.members
        # A rep who left the team still has leads to see; a typo has none.
        stranger = owner is not None and members and owner not in members
        if stranger and not LeadRow.select().where(LeadRow.owner == owner).exists():
            raise InvalidInput(
                f"{owner} is not in the team {self.access.team} and has no leads here."
            )
        self.owner = owner

    @property
    def several_reps(self) -> bool:
        """The leads shown are several reps': everyone's in a team."""
        return self.access.team is not None and self.owner is None

    def reps(self) -> list[tuple[str, int]]:
        """The owners of open leads the rep may see, with how many each."""
        query = (
            LeadRow.select(LeadRow.owner, peewee.fn.COUNT(LeadRow.id))
            .where(LeadRow.state == State.OPEN.value)
            .group_by(LeadRow.owner)
            .order_by(LeadRow.owner)
        )
        members: frozenset[str] = self.access.members
        if not self.access.sees_all:
            query = query.where(LeadRow.owner == self.rep)
            members = frozenset({self.rep})
        counts: dict[str, int] = {
            str(owner): int(n) for owner, n in query.tuples().iterator()
        }
        for member in members:
            counts.setdefault(member, 0)
        return sorted(counts.items())

    def add_note(self, lead_id: int, text: str) -> None:
        """Append a talking point to go over with the buyer."""
        text = clean_text(text, "Note", MAX_NOTES, required=True)

        with self._writing():
            self._row(lead_id, None)
            self._record(lead_id, "note", {"text": text})

    # -- views ---------------------------------------------------------------

    def get(self, lead_id: int) -> Lead:
        return self._lead(self._row(lead_id, None))

    def history(self, lead_id: int) -> list[HistoryEvent]:
        self.get(lead_id)
        events = Event.select().where(Event.lead == lead_id).order_by(Event.id)
        return [
            HistoryEvent(e.id, e.at, e.actor, e.kind, json.loads(e.data))
            for e in events
        ]

    def notes(self, lead_id: int) -> list[HistoryEvent]:
        """The talking points saved for the buyer, oldest first."""
        return [event for event in self.history(lead_id) if event.kind == "note"]

    def listing(self, view: ListView = ListView.ALL, text: str = "") -> Listing:
        """Open leads in ``view`` matching ``text``, soonest step first."""
        return Listing(
            self._lead,
            Segment(
                self._section_query(view, text),
                (LeadRow.step_due, LeadRow.id),
                lambda lead: _key(lead.step.due if lead.step else None, lead.id),
            ),
        )

    def count(self, view: ListView = ListView.ALL, text: str = "") -> int:
        return self.listing(view, text).count()

    def rows(
        self,
        view: ListView = ListView.ALL,
        text: str = "",
        offset: int = 0,
        limit: int = 100,
    ) -> list[Lead]:
        """One page of open leads in ``view``, soonest step first."""
        return self.listing(view, text).page(offset, limit)

    def position(
        self, lead_id: int, view: ListView = ListView.ALL, text: str = ""
    ) -> int | None:
        """Where ``lead_id`` stands in ``view`` (0-based), or None if not there."""
        return self.listing(view, text).position(lead_id)

    def agenda(self) -> Iterator[Lead]:
        """Every open lead, soonest step first, streamed."""
        return self.listing(ListView.ALL).walk()

    def change_stamp(self) -> int | None:
        """Changes when another session (or thread) commits: compare two
        stamps to know whether what is shown may be out of date."""
        return data_version(self.db)

    def health(self) -> Health:
        """Counts for the header line: a kept tally, and one count on an index."""
        total, loose, hopium = open_tally(self.db, self.owner, self.hopium_threshold)
        due_now = (
            self._scoped(LeadRow.select())
            .where(
                (LeadRow.state == State.OPEN.value)
                & (LeadRow.step_due < self._tomorrow())
            )
            .count()
        )
        return Health(
            firm=total - loose,
            open=total,
            target=self.target,
            due_now=int(due_now),
            loose=loose,
            hopium=hopium,
        )

    def cohorts(self) -> list[CohortRow]:
        """Created, won, dropped and open per creation month, rep's zone."""
        months = self._month_bounds()
        if not months:
            return []

        param = self.db.param
        values = ", ".join(f"({param}, {param}, {param})" for _ in months)
        owner_sql = f" AND lead.owner = {param}" if self.owner else ""
        sql = (
            f"WITH months (label, lo, hi) AS (VALUES {values}) "
            "SELECT label, COUNT(lead.id), "
            "SUM(CASE WHEN lead.state = 'won' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN lead.state = 'dropped' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN lead.state = 'open' THEN 1 ELSE 0 END) "
            "FROM months JOIN lead ON lead.created_at >= lo AND lead.created_at < hi"
            f"{owner_sql} GROUP BY label ORDER BY label"
        )
        params: list[Any] = [item for month in months for item in month]
        if self.owner:
            params.append(self.owner)
        return [
            CohortRow(label, int(created), int(won), int(dropped), int(still_open))
            for label, created, won, dropped, still_open in self.db.execute_sql(
                sql, params
            )
        ]

    def cohort_listing(self, month: str) -> Listing:
        """The unclosed leads created in ``month`` (YYYY-MM), oldest first."""
        return Listing(
            self._lead,
            Segment(
                self._cohort_query(month),
                (LeadRow.created_at, LeadRow.id),
                lambda lead: _key(lead.created_at, lead.id),
            ),
        )

    def cohort_count(self, month: str) -> int:
        return self.cohort_listing(month).count()

    def cohort_leads(self, month: str, offset: int = 0, limit: int = 100) -> list[Lead]:
        """The unclosed leads created in ``month`` (YYYY-MM), oldest first."""
        return self.cohort_listing(month).page(offset, limit)

    def dropped_listing(self) -> Listing:
        """Dropped leads: by recycle day (so those whose day has come first),
        then those without one, the latest dropped first."""
        dropped = self._dropped_query()
        return Listing(
            self._lead,
            Segment(
                dropped.where(LeadRow.recycle_on.is_null(False)),
                (LeadRow.recycle_on, LeadRow.closed_at, LeadRow.id),
                _recycle_key,
                holds=lambda lead: lead.recycle_on is not None,
            ),
            Segment(
                dropped.where(LeadRow.recycle_on.is_null()),
                (LeadRow.closed_at, LeadRow.id),
                lambda lead: _key(lead.closed_at, lead.id),
                holds=lambda lead: lead.recycle_on is None,
                descending=True,
            ),
        )

    def dropped_count(self) -> int:
        return self.dropped_listing().count()

    def dropped(self, offset: int = 0, limit: int = 100) -> list[Lead]:
        """Dropped leads: those whose recycle day has come first, then by day."""
        return self.dropped_listing().page(offset, limit)

    def recycle_due(self, limit: int = 100) -> list[Lead]:
        """Dropped leads whose recycle day has come: offered back to the rep."""
        query = self._recycle_due_query().order_by(LeadRow.recycle_on, LeadRow.id)
        return [self._lead(row) for row in query.limit(limit)]

    def recycle_due_count(self) -> int:
        return int(self._recycle_due_query().count())

    def _recycle_due_query(self) -> peewee.ModelSelect[LeadRow]:
        return self._dropped_query().where(
            LeadRow.recycle_on.is_null(False) & (LeadRow.recycle_on < self._tomorrow())
        )

    def leads(self, state: State | None = None) -> Iterator[Lead]:
        """Every lead (optionally of one state), by id, streamed."""
        query = self._scoped(LeadRow.select())
        if state is not None:
            query = query.where(LeadRow.state == state.value)
        for row in query.order_by(LeadRow.id).iterator():
            yield self._lead(row)

    # -- inside --------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            with write_transaction(self.db):
                yield
        except peewee.OperationalError as error:
            if not is_locked_error(error):
                raise
            raise Busy(
                "Another session kept the database locked too long; nothing was "
                "saved. Try again in a moment."
            ) from error

    def _scoped(self, query: peewee.ModelSelect[_M]) -> peewee.ModelSelect[_M]:
        if self.owner is not None:
            query = query.where(LeadRow.owner == self.owner)
        return query

    def _row(self, lead_id: int, expected_version: int | None) -> LeadRow:
        row = LeadRow.get_or_none(LeadRow.id == lead_id)
        if row is None:
            raise self.access.missing(lead_id)
        self.access.check_sees(lead_id, row.owner)
        if expected_version is not None and row.version != expected_version:
            self._changed_meanwhile(row)
        return row

    def _changed_meanwhile(self, row: LeadRow) -> NoReturn:
        """Refuse a save made on an old reading, saying what the lead is now:
        closed (a reason, never to be overwritten), or its step as it stands."""
        last = (
            Event.select().where(Event.lead == row.id).order_by(Event.id.desc()).first()
        )
        by = ""
        if last is not None:
            at = last.at.in_timezone(self.zone).format("HH:mm")
            by = f" by {last.actor} at {at}"
        if row.state != State.OPEN.value:
            reason = f" ({row.drop_reason})" if row.drop_reason else ""
            raise WrongState(
                f"{row.name} was {row.state}{reason} in another session{by}; "
                "nothing was saved."
            )
        due = local_label(row.step_due, row.step_has_time, self.zone, now=self.now())
        raise Conflict(
            f"{row.name} was changed in another session{by}: its step is now "
            f"{row.step_action!r}, {due}."
        )

    def _open_row(self, lead_id: int, expected_version: int | None) -> LeadRow:
        row = self._row(lead_id, expected_version)
        if row.state != State.OPEN.value:
            raise WrongState(
                f"Lead {lead_id} is already {row.state}; its steps are closed."
            )
        return row

    def _update(self, row: LeadRow, **values: Any) -> None:
        """Write ``values`` if the row is still at the version read."""
        changed = (
            LeadRow.update(**values, version=LeadRow.version + 1)
            .where((LeadRow.id == row.id) & (LeadRow.version == row.version))
            .execute()
        )
        if changed != 1:
            raise Conflict(
                f"Lead {row.id} changed while it was being saved; try again."
            )

    def _record(
        self, lead_id: int, kind: str, data: dict, at: pendulum.DateTime | None = None
    ) -> None:
        Event.create(
            lead=lead_id,
            at=at or self.now(),
            actor=self.rep,
            kind=kind,
            data=json.dumps(data, ensure_ascii=False, sort_keys=True),
        )

    def _checked_step(self, step: StepInput) -> StepInput:
        action = clean_line(step.action, "The step's action", MAX_TEXT)
        self._check_due(step.when)
        return StepInput(action, step.when, bool(step.agreed), bool(step.advances))

    def _check_due(self, when: When) -> None:
        check_due(when, self.now(), self.zone)

    def _recycle_instant(self, day: pendulum.Date | None) -> pendulum.DateTime | None:
        if day is None:
            return None
        check_recycle_day(day, self.now(), self.zone)
        return start_of_local_day(day, self.zone)

    def _tomorrow(self) -> pendulum.DateTime:
        return day_bounds(self.now(), self.zone)[1]

    def _section_query(self, view: ListView, text: str) -> peewee.ModelSelect[LeadRow]:
        query = self._scoped(LeadRow.select()).where(LeadRow.state == State.OPEN.value)
        if view is ListView.NOW:
            query = query.where(LeadRow.step_due < self._tomorrow())
        elif view is ListView.LATER:
            query = query.where(LeadRow.step_due >= self._tomorrow())
        elif view is ListView.LOOSE:
            query = query.where(_loose_condition())
        elif view is ListView.HOPIUM:
            query = query.where(LeadRow.postponed >= self.hopium_threshold)
        return _text_filter(self.db, query, text)

    def _cohort_query(self, month: str) -> peewee.ModelSelect[LeadRow]:
        low, high = self._month_range(month)
        return self._scoped(LeadRow.select()).where(
            (LeadRow.state == State.OPEN.value)
            & (LeadRow.created_at >= low)
            & (LeadRow.created_at < high)
        )

    def _dropped_query(self) -> peewee.ModelSelect[LeadRow]:
        return self._scoped(LeadRow.select()).where(
            LeadRow.state == State.DROPPED.value
        )

    def _month_range(self, month: str) -> tuple[pendulum.DateTime, pendulum.DateTime]:
        try:
            first = pendulum.date(int(month[:4]), int(month[5:7]), 1)
        except (ValueError, IndexError):
            raise InvalidInput(f"{month!r} is not a month (YYYY-MM).") from None
        return (
            start_of_local_day(first, self.report_zone),
            start_of_local_day(first.add(months=1), self.report_zone),
        )

    def _month_bounds(self) -> list[tuple[str, int, int]]:
        low, high = self._scoped(
            LeadRow.select(
                peewee.fn.MIN(LeadRow.created_at).coerce(False),
                peewee.fn.MAX(LeadRow.created_at).coerce(False),
            )
        ).scalar(as_tuple=True)
        if low is None:
            return []
        zone = pendulum.timezone(self.report_zone)
        month = (
            pendulum.from_timestamp(low, tz="UTC")
            .in_timezone(zone)
            .date()
            .replace(day=1)
        )
        last = pendulum.from_timestamp(high, tz="UTC").in_timezone(zone).date()
        bounds = []
        while month <= last:
            following = month.add(months=1)
            bounds.append(
                (
                    f"{month.year:04d}-{month.month:02d}",
                    int(start_of_local_day(month, self.report_zone).timestamp()),
                    int(start_of_local_day(following, self.report_zone).timestamp()),
                )
            )
            month = following
        return bounds

    def _lead(self, row: LeadRow) -> Lead:
        step = None
        if row.state == State.OPEN.value and row.step_action is not None:
            step = Step(
                action=row.step_action,
                due=row.step_due,
                has_time=bool(row.step_has_time),
                agreed=bool(row.step_agreed),
                advances=bool(row.step_advances),
                postponed=row.postponed,
            )
        return Lead(
            id=row.id,
            fields=_fields_of(row),
            owner=row.owner,
            state=State(row.state),
            created_at=row.created_at,
            version=row.version,
            step=step,
            hopium=step is not None and row.postponed >= self.hopium_threshold,
            closed_at=row.closed_at,
            drop_reason=DropReason(row.drop_reason) if row.drop_reason else None,
            drop_note=row.drop_note,
            recycle_on=row.recycle_on,
        )


def _loose_condition() -> peewee.Expression:
    return loose_condition(
        LeadRow.step_has_time, LeadRow.step_agreed, LeadRow.step_advances
    )


def _key(instant: pendulum.DateTime | None, lead_id: int) -> tuple[int, int] | None:
    return None if instant is None else (int(instant.timestamp()), lead_id)


def _recycle_key(lead: Lead) -> tuple[int, int, int] | None:
    if lead.recycle_on is None or lead.closed_at is None:
        return None
    return (
        int(lead.recycle_on.timestamp()),
        int(lead.closed_at.timestamp()),
        lead.id,
    )


def _text_filter(
    db: peewee.Database, query: peewee.ModelSelect[LeadRow], text: str
) -> peewee.ModelSelect[LeadRow]:
    text = text.strip()
    if not text:
        return query
    found = text_search(db, text)
    if found is not None:
        return query.where(LeadRow.id.in_(found))
    return query.where(
        LeadRow.name.contains(text)
        | LeadRow.company.contains(text)
        | LeadRow.contact.contains(text)
        | LeadRow.email.contains(text)
        | LeadRow.step_action.contains(text)
    )


def clean_fields(fields: LeadFields) -> LeadFields:
    """A lead's fields trimmed and checked, as every write path stores them."""
    value = fields.value_cents
    if value is not None and not (0 <= value < 10**15):
        raise InvalidInput(
            "A lead's value must be zero or more, and below 10 trillion."
        )
    external = fields.external_id.strip() if fields.external_id else None
    return LeadFields(
        name=clean_line(fields.name, "The lead's name", MAX_TEXT),
        company=clean_line(fields.company, "Company", MAX_TEXT, required=False),
        contact=clean_line(fields.contact, "Contact", MAX_TEXT, required=False),
        email=clean_line(fields.email, "Email", MAX_TEXT, required=False),
        phone=clean_line(fields.phone, "Phone", MAX_TEXT, required=False),
        value_cents=value,
        source=clean_line(fields.source, "Source", MAX_TEXT, required=False),
        external_id=external or None,
        notes=clean_text(fields.notes, "Notes", MAX_NOTES, required=False),
    )


def _field_values(fields: LeadFields) -> dict[str, Any]:
    return {name: getattr(fields, name) for name in LeadFields.__dataclass_fields__}


def _fields_of(row: LeadRow) -> LeadFields:
    return LeadFields(
        **{name: getattr(row, name) for name in LeadFields.__dataclass_fields__}
    )


def _step_values(step: StepInput) -> dict[str, Any]:
    return {
        "step_action": step.action,
        "step_due": step.when.instant,
        "step_has_time": step.when.has_time,
        "step_agreed": step.agreed,
        "step_advances": step.advances,
    }


def _no_step() -> dict[str, Any]:
    return {
        "step_action": None,
        "step_due": None,
        "step_has_time": False,
        "step_agreed": False,
        "step_advances": False,
        "postponed": 0,
    }


def _step_data(step: StepInput) -> dict[str, Any]:
    return {
        "action": step.action,
        "due": _iso(step.when.instant),
        "has_time": step.when.has_time,
        "agreed": step.agreed,
        "advances": step.advances,
    }


def _iso(instant: pendulum.DateTime | None) -> str | None:
    return instant.in_timezone("UTC").isoformat() if instant is not None else None


def open_pipeline(
    settings: Settings, owner: str | None = None, create: bool = True
) -> Pipeline:
    """Open the database the settings name and a pipeline over it.

    With ``create`` false, a database that does not exist yet is an error
    (a mistyped path must not look like an empty pipeline). A team's
    database brings its team's rules, however it was named.
    """
    from nextstep_tui.team import team_for

    db = open_database(settings.database, create=create)
    try:
        team = team_for(settings.database, db)
    except NextstepError as error:
        db.close()
        if isinstance(error, InvalidInput):  # its team.toml: say whose it is
            raise StorageError(f"This is a team's database, but: {error}") from None
        raise
    if team is None:
        return Pipeline(
            db,
            rep=settings.rep,
            zone=settings.zone,
            hopium_threshold=settings.hopium_threshold,
            target=settings.target,
            owner=owner,
        )

    access = team.access_for(settings.rep)
    pipeline = Pipeline(
        db,
        rep=settings.rep,
        zone=settings.zone,
        report_zone=team.zone,
        hopium_threshold=team.hopium_threshold or settings.hopium_threshold,
        target=team.target_of(settings.rep) or settings.target,
        access=access,
    )
    if owner is not None:
        pipeline.view_rep(owner)
    return pipeline
