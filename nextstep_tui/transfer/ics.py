"""The open next steps as an RFC 5545 calendar, so a rep sees them beside the rest.

Each step is one event whose UID stays the same while the step does (a
postponement moves the event; a new step is a new event): the lead's id and
the id of the history event that set the step.
"""

from __future__ import annotations

import datetime as dt

import icalendar
import pendulum
from peewee import fn

from nextstep_tui.core.model import Lead, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage.models import Event
from nextstep_tui.transfer.export import Zone

# A timed step shows as this long in a calendar; nextstep keeps no end time.
TIMED_LENGTH = dt.timedelta(minutes=30)
PRODID = "-//nextstep//nextstep pipeline//EN"


def build_calendar(pipeline: Pipeline) -> icalendar.Calendar:
    """A calendar of every open step the pipeline sees, with its zone."""
    calendar = icalendar.Calendar.new(
        prodid=PRODID, name="nextstep", uid=f"nextstep-{pipeline.rep}"
    )
    step_ids = _step_event_ids()
    stamp = pipeline.now().in_timezone("UTC")
    zone = pendulum.timezone(pipeline.zone)  # once: naming it reads its file
    years: set[int] = set()
    for lead in pipeline.leads(State.OPEN):
        calendar.add_component(_event(lead, step_ids.get(lead.id, 0), stamp, zone))
        if lead.step is not None and lead.step.has_time:
            years.add(lead.step.due.in_timezone(zone).year)

    if years:
        # The zone's rules over the years the steps span, not 1970 to 2038.
        calendar.add_missing_timezones(
            first_date=dt.date(min(years), 1, 1),
            last_date=dt.date(max(years) + 1, 1, 1),
        )
    return calendar


def calendar_bytes(pipeline: Pipeline) -> bytes:
    return bytes(build_calendar(pipeline).to_ical())


def _event(
    lead: Lead, step_event: int, stamp: pendulum.DateTime, zone: Zone
) -> icalendar.Event:
    step = lead.step
    assert step is not None  # open leads always have a step
    local = step.due.in_timezone(zone)
    start: dt.date | dt.datetime = local if step.has_time else local.date()
    return icalendar.Event.new(
        uid=f"nextstep-{lead.id}-{step_event}",
        summary=f"{step.action} — {lead.name}",
        description=_description(lead),
        start=start,
        end=local + TIMED_LENGTH if step.has_time else None,
        stamp=stamp,
        sequence=lead.version,
    )


def _description(lead: Lead) -> str:
    fields = lead.fields
    step = lead.step
    lines = [
        f"{label}: {value}"
        for label, value in (
            ("Company", fields.company),
            ("Contact", fields.contact),
            ("Phone", fields.phone),
            ("Email", fields.email),
        )
        if value
    ]
    if step is not None and step.loose:
        lines.append("Loose: no " + ", no ".join(step.missing) + ".")
    if step is not None and step.postponed:
        times = "once" if step.postponed == 1 else f"{step.postponed} times"
        lines.append(f"Postponed {times}.")
    lines.append(f"nextstep lead #{lead.id}")
    return "\n".join(lines)


def _step_event_ids() -> dict[int, int]:
    """For each lead, the history event that set its current step."""
    # TODO: a Pipeline view for this would keep transfer off the storage
    # models; one grouped query here beats a history read per lead.
    query = (
        Event.select(Event.lead, fn.MAX(Event.id))
        .where(Event.kind == "step_set")
        .group_by(Event.lead)
    )
    return {
        int(lead_id): int(event_id) for lead_id, event_id in query.tuples().iterator()
    }
