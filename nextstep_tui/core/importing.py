"""Bringing leads in from another tool: the rules of an import.

An import does what no rep's operation does: it creates leads dated in the
past, leads already won or dropped, and it updates leads it recognises. A row
is the same lead as an existing one when their external ids are equal, else
when their emails are (without case or spaces); a later row for a lead an
earlier row of the file created or updated is reported and left out. A
matched lead keeps its history and its step; a dropped one is reported and
left alone. An open lead that arrives without a step gets "decide: firm up
or drop", due on import day and loose, so the pipeline's rule holds from the
first minute.

The whole import is one write transaction: a bad row stops it with its line
number and the database is as it was.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import peewee
import pendulum

from nextstep_tui.core.errors import InvalidInput, NextstepError
from nextstep_tui.core.model import MAX_NOTES, MAX_TEXT, DropReason, LeadFields, State

# TODO: ask for pipeline's field check to be public; it is the one rule for a
# lead's facts, and importing it privately beats a second copy.
from nextstep_tui.core.pipeline import Pipeline, clean_fields
from nextstep_tui.core.text import clean_line, clean_text
from nextstep_tui.core.when import start_of_local_day
from nextstep_tui.storage.models import BaseModel, Event
from nextstep_tui.storage.models import Lead as LeadRow
from nextstep_tui.storage.schema import (
    ids_follow_rows,
    lock_for_import,
    write_transaction,
)

log = logging.getLogger(__name__)

TRIAGE_ACTION = "decide: firm up or drop"
LOST_NOTE = "Lost in the source CRM"

# Rows per batch: one SELECT for the batch's matches, one insert of its leads.
BATCH = 500
# Rows of each kind the report lists by line; the rest are only counted.
EXAMPLES = 20

Progress = Callable[[int], None]


class BadRow(InvalidInput):
    """A row that cannot be imported; the message starts with its line."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"Line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class IncomingStep:
    """A next step as a file gives it; no due time means import day."""

    action: str
    due: pendulum.DateTime | None = None
    has_time: bool = False
    agreed: bool = False
    advances: bool = False
    postponed: int = 0


@dataclass(frozen=True)
class IncomingLead:
    """One row of a file, read into the pipeline's terms."""

    line: int
    fields: LeadFields
    state: State = State.OPEN
    owner: str = ""
    created_at: pendulum.DateTime | None = None
    closed_at: pendulum.DateTime | None = None
    step: IncomingStep | None = None
    drop_reason: DropReason | None = None
    drop_note: str = ""
    recycle_on: pendulum.DateTime | None = None


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DROPPED_MATCH = "matches a dropped lead"
    AMBIGUOUS = "matches several leads by email"
    SAME_LEAD = "matches the same lead as an earlier row"
    STATE_DIFFERS = "state differs"


@dataclass(frozen=True)
class Flagged:
    """A row the rep should look at, and why."""

    line: int
    outcome: Outcome
    lead_ids: tuple[int, ...]
    detail: str = ""


@dataclass
class ImportReport:
    """What an import did (or, dry, would do), counted by outcome."""

    source: str
    dry_run: bool = False
    rows: int = 0
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    created_states: Counter[State] = field(default_factory=Counter)
    triaged: int = 0
    undated: int = 0
    # New leads from rows with neither an external id nor an email: nothing
    # could have matched them, so importing the file again adds them again.
    keyless: int = 0
    flagged: list[Flagged] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.outcomes[Outcome.CREATED] or self.outcomes[Outcome.UPDATED])

    def flag(self, item: Flagged) -> None:
        self.outcomes[item.outcome] += 1
        if self.outcomes[item.outcome] <= EXAMPLES:
            self.flagged.append(item)


class _DryRun(Exception):
    """Raised at the end of a dry run so that the transaction rolls back."""


_SKIP = -1  # a row matched nothing it may change


class _ImportedEmail(BaseModel):
    """A lead a row of this import created or found by id, by the row's email.

    A temporary table: the database remembers the file's emails, not Python,
    so memory does not grow with the file.
    """

    key = peewee.TextField(index=True)
    lead = peewee.IntegerField()
    has_external = peewee.BooleanField()
    line = peewee.IntegerField()

    class Meta:
        table_name = "import_email"
        temporary = True
        primary_key = False


def import_leads(
    pipeline: Pipeline,
    leads: Iterable[IncomingLead],
    *,
    source: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Bring ``leads`` in, all of them or none; ``progress`` gets rows done."""
    importer = _Importer(pipeline, ImportReport(source=source, dry_run=dry_run))
    try:
        with write_transaction(pipeline.db):
            lock_for_import(pipeline.db)
            importer.load_index()
            for batch in _batched(leads, BATCH):
                importer.apply(batch)
                if progress is not None:
                    progress(importer.report.rows)
            _ImportedEmail.drop_table(safe=True)
            ids_follow_rows(pipeline.db)
            if dry_run:
                raise _DryRun
    except _DryRun:
        log.info("dry run of %s rolled back", source)
    return importer.report


def _batched(items: Iterable[IncomingLead], size: int) -> Iterator[list[IncomingLead]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def email_key(email: str) -> str:
    """An email as matching compares it: no case, no spaces."""
    return "".join(email.split()).casefold()


class _Importer:
    """The state of one import: who is known, and the ids handed out."""

    def __init__(self, pipeline: Pipeline, report: ImportReport) -> None:
        self.pipeline = pipeline
        self.report = report
        self.now = pipeline.now()
        self.now_ts = int(self.now.timestamp())
        today = self.now.in_timezone(pipeline.zone).date()
        self.import_day = start_of_local_day(today, pipeline.zone)
        self.owner = pipeline.owner or pipeline.rep
        pipeline.access.check_owner(self.owner)
        self.rep = pipeline.rep
        self.zone = pipeline.zone
        self.texts = _EventTexts(report.source)
        # Leads there were before the import; the new ones are left to the
        # unique index, so that memory does not grow with the file.
        self.by_external: dict[str, int] = {}
        self.by_email: dict[str, list[tuple[int, bool]]] = {}
        self.given_external: set[int] = set()
        self.matched_on: dict[int, int] = {}
        # This batch's share of _ImportedEmail, and what it adds to it.
        self.imported: dict[str, list[tuple[int, bool, int]]] = {}
        self.unsaved: list[tuple[str, int, bool, int]] = []
        # Under the write lock no one else inserts, so the ids after the
        # largest are this import's to hand out: a new lead's events know its
        # id without a query (``lock_for_import`` makes it so on PostgreSQL).
        self.next_id = 1
        self.lead_sql = _insert_sql(LeadRow, _LEAD_COLUMNS)
        self.event_sql = _insert_sql(Event, _EVENT_COLUMNS)
        self.email_sql = _insert_sql(_ImportedEmail, _EMAIL_COLUMNS)

    def load_index(self) -> None:
        """Read every lead's external id and email once, under the write lock."""
        _ImportedEmail.drop_table(safe=True)
        _ImportedEmail.create_table(safe=False)
        query = LeadRow.select(LeadRow.id, LeadRow.external_id, LeadRow.email)
        for lead_id, external, email in query.tuples().iterator():
            if external:
                self.by_external[external] = lead_id
            if email:
                entry = (lead_id, bool(external))
                self.by_email.setdefault(email_key(email), []).append(entry)
            self.next_id = max(self.next_id, lead_id + 1)

    def apply(self, batch: list[IncomingLead]) -> None:
        cleaned = [_cleaned(incoming) for incoming in batch]
        self._recall_emails(cleaned)
        # Ids from here on are this batch's new leads.
        first_new = self.next_id
        matches = [self._match(incoming) for incoming in cleaned]
        wanted = [lead_id for lead_id in matches if 0 < lead_id < first_new]
        rows = {row.id: row for row in LeadRow.select().where(LeadRow.id.in_(wanted))}

        leads: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        for incoming, lead_id in zip(cleaned, matches, strict=True):
            self.report.rows += 1
            if lead_id >= first_new:
                leads.append(self._create(incoming, lead_id, events))
            elif lead_id != _SKIP:
                self._update(incoming, rows[lead_id], events)

        # The leads first: their events refer to them.
        cursor = self.pipeline.db.cursor()
        if leads:
            try:
                cursor.executemany(self.lead_sql, leads)
            except (sqlite3.IntegrityError, peewee.IntegrityError):
                raise _twice(cleaned, first_new) from None
        if events:
            cursor.executemany(self.event_sql, events)
        if self.unsaved:
            cursor.executemany(self.email_sql, self.unsaved)

    # -- matching ------------------------------------------------------------

    def _recall_emails(self, batch: list[IncomingLead]) -> None:
        """What earlier batches of this import did with the batch's emails."""
        self.imported = {}
        self.unsaved = []
        keys = list({email_key(incoming.fields.email) for incoming in batch} - {""})
        if not keys:
            return
        table = _ImportedEmail
        query = table.select(
            table.key, table.lead, table.has_external, table.line
        ).where(table.key.in_(keys))
        for key, lead_id, has_external, line in query.tuples().iterator():
            self.imported.setdefault(key, []).append((lead_id, has_external, line))

    def _remember(self, key: str, lead_id: int, has_external: bool, line: int) -> None:
        """That ``line`` is the lead ``lead_id``, for the later rows of the file."""
        if key:
            self.imported.setdefault(key, []).append((lead_id, has_external, line))
            self.unsaved.append((key, lead_id, has_external, line))

    def _match(self, incoming: IncomingLead) -> int:
        """The lead this row is: an earlier lead, a new id (handed out), or _SKIP."""
        external = incoming.fields.external_id
        key = email_key(incoming.fields.email)
        line = incoming.line
        if external and external in self.by_external:
            lead_id = self.by_external[external]
            first = self.matched_on.setdefault(lead_id, line)
            if first != line:
                reason = f"the id {external!r} is already on line {first}."
                raise BadRow(line, reason)
            self._remember(key, lead_id, True, line)
            return lead_id

        earlier = self._same_email(key, external)
        if len(earlier) > 1:
            flagged = Flagged(line, Outcome.AMBIGUOUS, tuple(earlier), key)
            self.report.flag(flagged)
            return _SKIP
        if earlier:
            [(lead_id, seen_on)] = earlier.items()
            return self._claim(line, lead_id, seen_on)

        lead_id = self.next_id
        self.next_id += 1
        if not external and not key:
            self.report.keyless += 1
        self._remember(key, lead_id, bool(external), line)
        return lead_id

    def _same_email(self, key: str, external: str | None) -> dict[int, int | None]:
        """The leads with this email, each with the line of the file that was it.

        A lead with another external id is another deal of the same person.
        """

        def same_person(lead_id: int, has_external: bool) -> bool:
            return not (external and (has_external or lead_id in self.given_external))

        leads = {
            lead_id: self.matched_on.get(lead_id)
            for lead_id, has_external in self.by_email.get(key, ())
            if same_person(lead_id, has_external)
        }
        for lead_id, has_external, line in self.imported.get(key, ()):
            if same_person(lead_id, has_external):
                leads[lead_id] = line
        return leads

    def _claim(self, line: int, lead_id: int, seen_on: int | None) -> int:
        """The matched lead, unless the file's row ``seen_on`` was it already."""
        if seen_on is None:
            self.matched_on[lead_id] = line
            return lead_id
        self.report.flag(
            Flagged(line, Outcome.SAME_LEAD, (lead_id,), f"as line {seen_on}")
        )
        return _SKIP

    # -- new leads -----------------------------------------------------------

    def _create(
        self, incoming: IncomingLead, lead_id: int, events: list[tuple[Any, ...]]
    ) -> tuple:
        """The new lead's row; its history goes onto ``events``."""
        fields = incoming.fields
        report = self.report
        report.outcomes[Outcome.CREATED] += 1
        report.created_states[incoming.state] += 1
        if incoming.created_at is None:
            report.undated += 1
            created = self.now_ts
        else:
            created = self.texts.seconds(incoming.created_at)
        data = self.texts.created(fields.name, incoming.line)
        events.append((lead_id, created, self.rep, "created", data))

        if incoming.state is State.OPEN:
            step, data = self._step(incoming.step)
            events.append((lead_id, self.now_ts, self.rep, "step_set", data))
            closing: tuple = (None, None, "", None)
        else:
            step = _NO_STEP
            closing, kind, data = self._closing(incoming)
            events.append((lead_id, closing[0], self.rep, kind, data))

        owner = incoming.owner or self.owner
        if owner != self.owner:
            self._check_owner(incoming.line, owner)
        return (
            lead_id, fields.name, fields.company, fields.contact, fields.email,
            fields.phone, fields.value_cents, owner,
            fields.source, fields.external_id, fields.notes, created,
            incoming.state.value, *step, *closing, 1,
        )  # fmt: skip

    def _check_owner(self, line: int, owner: str) -> None:
        try:
            self.pipeline.access.check_owner(owner)
        except NextstepError as error:
            raise BadRow(line, str(error)) from None

    def _step(self, step: IncomingStep | None) -> tuple[tuple, str]:
        """The step columns of an open lead, and its step_set event's data."""
        if step is None or not step.action:
            step = _TRIAGE
            self.report.triaged += 1
        if step.due is None:
            due, has_time = self.import_day, False
        else:
            due, has_time = step.due, step.has_time
        seconds = self.texts.seconds(due)
        flags = (bool(has_time), bool(step.agreed), bool(step.advances))
        columns = (step.action, seconds, *flags, step.postponed)
        return columns, self.texts.step_set(step, due, has_time)

    def _closing(self, incoming: IncomingLead) -> tuple[tuple, str, str]:
        """The closing columns of a won or dropped lead, its event's kind and data."""
        closed = self.now_ts
        if incoming.closed_at is not None:
            closed = self.texts.seconds(incoming.closed_at)
        if incoming.state is State.WON:
            return (closed, None, "", None), "won", self.texts.won

        reason = incoming.drop_reason or DropReason.OTHER
        note = incoming.drop_note
        if incoming.drop_reason is None and not note:
            note = LOST_NOTE
        recycle = incoming.recycle_on
        recycle_seconds = self.texts.seconds(recycle) if recycle else None
        data = self.texts.dropped(reason.value, note, _local_day(recycle, self.zone))
        return (closed, reason.value, note, recycle_seconds), "dropped", data

    # -- matched leads -------------------------------------------------------

    def _update(
        self, incoming: IncomingLead, row: LeadRow, events: list[tuple[Any, ...]]
    ) -> None:
        """Bring a matched lead's facts up to date; its step and history stay."""
        if not self.pipeline.access.may_change(row.owner):
            reason = f"it matches lead {row.id}, which is not in your pipeline."
            raise BadRow(incoming.line, reason)
        state = State(row.state)
        if state is State.DROPPED and incoming.state is not State.DROPPED:
            self.report.flag(
                Flagged(
                    incoming.line,
                    Outcome.DROPPED_MATCH,
                    (row.id,),
                    f"the file says {incoming.state.value}",
                )
            )
            return
        if state is not incoming.state:
            self.report.flag(
                Flagged(
                    incoming.line,
                    Outcome.STATE_DIFFERS,
                    (row.id,),
                    f"{state.value} here, {incoming.state.value} in the file",
                )
            )

        changes = _changes(row, incoming.fields)
        if not changes:
            self.report.outcomes[Outcome.UNCHANGED] += 1
            return
        values = {name: new for name, (_, new) in changes.items()}
        update = LeadRow.update(**values, version=LeadRow.version + 1)
        try:
            update.where(LeadRow.id == row.id).execute()
        except peewee.IntegrityError:
            reason = (
                f"the id {incoming.fields.external_id!r} is already another lead's."
            )
            raise BadRow(incoming.line, reason) from None
        if "external_id" in values:
            self.given_external.add(row.id)
        events.append(self._event(row.id, self.now_ts, "edited", changes))
        self.report.outcomes[Outcome.UPDATED] += 1

    def _event(self, lead_id: int, at: int, kind: str, data: dict) -> tuple:
        return (lead_id, at, self.rep, kind, _json(data))


_NO_STEP = (None, None, False, False, False, 0)
_TRIAGE = IncomingStep(TRIAGE_ACTION)


class _EventTexts:
    """Event data as JSON, remembered: most rows of a file share theirs.

    The text is what ``json.dumps(data, sort_keys=True)`` gives, as the
    pipeline writes it; building the common ones once keeps a big import fast.
    """

    def __init__(self, source: str) -> None:
        self._string = json.JSONEncoder(ensure_ascii=False).encode
        self._created = '{"imported_from": ' + self._string(source) + ', "line": '
        self.won = _json({"note": "", "last_action": None})
        self._memo: dict[tuple[Any, ...], str] = {}
        self._seconds: dict[pendulum.DateTime, int] = {}

    def created(self, name: str, line: int) -> str:
        return f'{self._created}{line}, "name": {self._string(name)}}}'

    def step_set(
        self, step: IncomingStep, due: pendulum.DateTime, has_time: bool
    ) -> str:
        key = ("step_set", step.action, due, has_time, step.agreed, step.advances)
        return self._remembered(
            key,
            lambda: {
                "action": step.action,
                "due": _iso(due),
                "has_time": has_time,
                "agreed": step.agreed,
                "advances": step.advances,
            },
        )

    def dropped(self, reason: str, note: str, recycle_on: str | None) -> str:
        key = ("dropped", reason, note, recycle_on)
        return self._remembered(
            key,
            lambda: {
                "reason": reason,
                "note": note,
                "last_action": None,
                "recycle_on": recycle_on,
            },
        )

    def seconds(self, instant: pendulum.DateTime) -> int:
        """The instant as stored: whole seconds since the epoch."""
        seconds = self._seconds.get(instant)
        if seconds is None:
            if len(self._seconds) > _MEMO_SIZE:
                self._seconds.clear()
            seconds = self._seconds[instant] = int(instant.timestamp())
        return seconds

    def _remembered(self, key: tuple[Any, ...], data: Callable[[], dict]) -> str:
        text = self._memo.get(key)
        if text is None:
            if len(self._memo) > _MEMO_SIZE:
                self._memo.clear()
            text = self._memo[key] = _json(data())
        return text


_MEMO_SIZE = 4096


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


_LEAD_COLUMNS = (
    "id", "name", "company", "contact", "email", "phone", "value_cents", "owner",
    "source", "external_id", "notes", "created_at", "state", "step_action",
    "step_due", "step_has_time", "step_agreed", "step_advances", "postponed",
    "closed_at", "drop_reason", "drop_note", "recycle_on", "version",
)  # fmt: skip
_EVENT_COLUMNS = ("lead", "at", "actor", "kind", "data")
_EMAIL_COLUMNS = ("key", "lead", "has_external", "line")


def _insert_sql(model: type[peewee.Model], columns: tuple[str, ...]) -> str:
    """The model's own INSERT for one row, for executemany.

    Peewee's insert_many builds every value into the SQL text, which costs
    four times what SQLite takes to store the rows; one statement with
    parameters, run for many rows, keeps an import near SQLite's own speed.
    """
    fields = [getattr(model, name) for name in columns]
    sql, _ = model.insert_many([tuple(None for _ in fields)], fields=fields).sql()
    return str(sql)


def _twice(batch: list[IncomingLead], first_new: int) -> BadRow:
    """The row whose external id an earlier row of this import already gave."""
    lines: dict[str, int] = {}
    for incoming in batch:
        external = incoming.fields.external_id
        if external in lines:
            reason = f"the id {external!r} is already on line {lines[external]}."
            return BadRow(incoming.line, reason)
        if external:
            lines[external] = incoming.line

    query = LeadRow.select(LeadRow.external_id).where(
        LeadRow.external_id.in_(list(lines)) & (LeadRow.id < first_new)
    )
    earlier = {str(external) for external in query.scalars()}
    for incoming in batch:
        if incoming.fields.external_id in earlier:
            reason = f"the id {incoming.fields.external_id!r} is on an earlier line."
            return BadRow(incoming.line, reason)
    return BadRow(batch[0].line, "one of the rows from here on breaks a database rule.")


def _cleaned(incoming: IncomingLead) -> IncomingLead:
    """The row with its text checked as a rep's typing would be."""
    try:
        fields = clean_fields(incoming.fields)
        owner, note = incoming.owner, incoming.drop_note
        if owner:
            owner = clean_line(owner, "Owner", MAX_TEXT, required=False)
        if note:
            note = clean_text(note, "Drop note", MAX_NOTES, required=False)
        step = _cleaned_step(incoming.step)
    except InvalidInput as error:
        raise BadRow(incoming.line, str(error)) from None

    if (fields, owner, note, step) == (
        incoming.fields,
        incoming.owner,
        incoming.drop_note,
        incoming.step,
    ):
        return incoming  # most rows: no need for a copy
    return dataclasses.replace(
        incoming, fields=fields, owner=owner, drop_note=note, step=step
    )


def _cleaned_step(step: IncomingStep | None) -> IncomingStep | None:
    if step is None:
        return None
    if step.postponed < 0:
        raise InvalidInput("A step cannot be postponed a negative number of times.")
    action = clean_line(step.action, "The step's action", MAX_TEXT, required=False)
    return step if action == step.action else dataclasses.replace(step, action=action)


def _changes(row: LeadRow, fields: LeadFields) -> dict[str, list[Any]]:
    """What the file would change: only the facts it gives, blanks erase nothing."""
    changes: dict[str, list[Any]] = {}
    for name in LeadFields.__dataclass_fields__:
        new = getattr(fields, name)
        if new is None or new == "":
            continue
        if name == "external_id" and row.external_id:
            continue
        old = getattr(row, name)
        if old != new:
            changes[name] = [old, new]
    return changes


def _iso(instant: pendulum.DateTime) -> str:
    return instant.in_timezone("UTC").isoformat()


def _local_day(instant: pendulum.DateTime | None, zone: str) -> str | None:
    return instant.in_timezone(zone).date().isoformat() if instant else None
