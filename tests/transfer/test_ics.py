"""Open next steps as calendar events, read back with the same library."""

from __future__ import annotations

import datetime as dt

import icalendar

from nextstep_tui.core.model import LeadFields
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.transfer.ics import calendar_bytes
from tests.core.helpers import step


def events(pipeline: Pipeline) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(calendar_bytes(pipeline))
    assert isinstance(calendar, icalendar.Calendar)
    return list(calendar.events)


def test_one_event_per_open_step_with_zone_or_date(pipeline: Pipeline) -> None:
    timed = pipeline.add_lead(LeadFields(name="Acme", company="Acme Ltd"), step("Demo"))
    pipeline.add_lead(
        LeadFields(name="Globex"), step("Send deck", "today", agreed=False)
    )
    pipeline.win(pipeline.add_lead(LeadFields(name="Won"), step()))

    data = calendar_bytes(pipeline)
    demo, deck = events(pipeline)

    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris" in data
    assert b"DTSTART;TZID=Europe/Paris:20261207T100000" in data
    assert b"DTSTART;VALUE=DATE:20261204" in data
    assert demo.summary == "Demo — Acme"
    assert isinstance(demo.start, dt.datetime)
    assert demo.start.replace(tzinfo=None) == dt.datetime(2026, 12, 7, 10, 0)
    assert str(demo.start.tzinfo) == "Europe/Paris"
    assert demo.end - demo.start == dt.timedelta(minutes=30)
    assert "Company: Acme Ltd" in str(demo.description)
    assert f"nextstep lead #{timed}" in str(demo.description)
    assert deck.start == dt.date(2026, 12, 4)
    assert "Loose: no scheduled, no agreed." in str(deck.description)


def test_uid_stays_while_the_step_does(pipeline: Pipeline) -> None:
    lead_id = pipeline.add_lead(LeadFields(name="Acme"), step("Demo"))
    [before] = events(pipeline)

    pipeline.postpone(lead_id, step(due="tue 11:00").when)
    [postponed] = events(pipeline)
    pipeline.complete_step(lead_id, step("Proposal", "tue 11:00"))
    [next_step] = events(pipeline)

    assert postponed.uid == before.uid == f"nextstep-{lead_id}-2"
    assert postponed.sequence > before.sequence
    assert isinstance(postponed.start, dt.datetime) and postponed.start.hour == 11
    assert next_step.uid != before.uid


def test_an_empty_pipeline_is_an_empty_calendar(pipeline: Pipeline) -> None:
    assert events(pipeline) == []
