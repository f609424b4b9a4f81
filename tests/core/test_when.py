"""Reading due times the way reps type them, and showing them back."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nextstep_tui.core.when import (
    When,
    WhenError,
    day_bounds,
    local_label,
    parse_day,
    parse_when,
    relative,
    start_of_local_day,
)

PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"
KOLKATA = "Asia/Kolkata"
SYDNEY = "Australia/Sydney"
LOS_ANGELES = "America/Los_Angeles"

# Fri 4 Dec 2026 15:00 in Paris: 14:00 UTC, 09:00 in New York, 19:30 in
# Kolkata, and already Sat 5 Dec 01:00 in Sydney.
NOW = pendulum.datetime(2026, 12, 4, 15, 0, tz=PARIS)
MONDAY = pendulum.datetime(2026, 12, 7, 9, 0, tz=PARIS)


def utc(text: str) -> pendulum.DateTime:
    parsed = pendulum.parse(text)
    assert isinstance(parsed, pendulum.DateTime)
    return parsed.in_timezone("UTC")


# -- reading -----------------------------------------------------------------

READINGS = [
    # Paris: CET (UTC+1) in winter, CEST (UTC+2) in summer.
    ("today", PARIS, "2026-12-03T23:00Z", False),
    ("  TOMORROW ", PARIS, "2026-12-04T23:00Z", False),
    ("tmr", PARIS, "2026-12-04T23:00Z", False),
    ("tom", PARIS, "2026-12-04T23:00Z", False),
    ("tomorrow 10am", PARIS, "2026-12-05T09:00Z", True),
    ("tomorrow at 10:30 a.m.", PARIS, "2026-12-05T09:30Z", True),
    ("10am tomorrow", PARIS, "2026-12-05T09:00Z", True),
    ("fri", PARIS, "2026-12-10T23:00Z", False),  # today is Friday: the next one
    ("friday 2pm", PARIS, "2026-12-11T13:00Z", True),
    ("next fri", PARIS, "2026-12-10T23:00Z", False),
    ("mon", PARIS, "2026-12-06T23:00Z", False),
    ("sat 14:30", PARIS, "2026-12-05T13:30Z", True),
    ("tue 9", PARIS, "2026-12-08T08:00Z", True),
    ("14:30", PARIS, "2026-12-04T13:30Z", True),  # passed, but still today
    ("3pm", PARIS, "2026-12-04T14:00Z", True),
    ("noon", PARIS, "2026-12-04T11:00Z", True),
    ("at 9", PARIS, "2026-12-04T08:00Z", True),
    ("12am", PARIS, "2026-12-03T23:00Z", True),
    ("+0d", PARIS, "2026-12-03T23:00Z", False),
    ("+3d", PARIS, "2026-12-06T23:00Z", False),
    ("+2w", PARIS, "2026-12-17T23:00Z", False),
    ("+1m", PARIS, "2027-01-03T23:00Z", False),
    ("+4h", PARIS, "2026-12-04T18:00Z", True),
    ("in 3 days", PARIS, "2026-12-06T23:00Z", False),
    ("in 2 weeks", PARIS, "2026-12-17T23:00Z", False),
    ("in 1 month", PARIS, "2027-01-03T23:00Z", False),
    ("in 3 hours", PARIS, "2026-12-04T17:00Z", True),
    ("in 90 minutes", PARIS, "2026-12-04T15:30Z", True),
    ("+3d 10am", PARIS, "2026-12-07T09:00Z", True),
    ("2027-01-15", PARIS, "2027-01-14T23:00Z", False),
    ("2027-01-15 09:00", PARIS, "2027-01-15T08:00Z", True),
    ("2027-01-15T09:00", PARIS, "2027-01-15T08:00Z", True),
    ("2027-07-15 09:00", PARIS, "2027-07-15T07:00Z", True),
    ("15 jan", PARIS, "2027-01-14T23:00Z", False),
    ("jan 15", PARIS, "2027-01-14T23:00Z", False),
    ("15th jan", PARIS, "2027-01-14T23:00Z", False),
    ("15 january 2027", PARIS, "2027-01-14T23:00Z", False),
    ("15 jan 10:00", PARIS, "2027-01-15T09:00Z", True),
    ("dec 10", PARIS, "2026-12-09T23:00Z", False),
    ("4 dec", PARIS, "2026-12-03T23:00Z", False),  # today counts
    ("3 dec", PARIS, "2027-12-02T23:00Z", False),  # passed: next year
    ("feb 29", PARIS, "2028-02-28T23:00Z", False),  # the next leap day
    ("Fri 11 Dec 2026, 10:00", PARIS, "2026-12-11T09:00Z", True),
    ("eom", PARIS, "2026-12-30T23:00Z", False),
    ("eow", PARIS, "2026-12-03T23:00Z", False),  # today is Friday
    ("eoy", PARIS, "2026-12-30T23:00Z", False),
    ("next week", PARIS, "2026-12-06T23:00Z", False),
    ("next month", PARIS, "2026-12-31T23:00Z", False),
    ("13/02/2027", PARIS, "2027-02-12T23:00Z", False),
    ("02/13/2027", PARIS, "2027-02-12T23:00Z", False),
    ("13.2.2027", PARIS, "2027-02-12T23:00Z", False),
    ("05/05/2027", PARIS, "2027-05-04T22:00Z", False),
    # New York: EST (UTC-5) in winter, EDT (UTC-4) in summer.
    ("today", NEW_YORK, "2026-12-04T05:00Z", False),
    ("tomorrow 10am", NEW_YORK, "2026-12-05T15:00Z", True),
    ("14:30", NEW_YORK, "2026-12-04T19:30Z", True),
    ("fri", NEW_YORK, "2026-12-11T05:00Z", False),
    ("+3d", NEW_YORK, "2026-12-07T05:00Z", False),
    ("+4h", NEW_YORK, "2026-12-04T18:00Z", True),
    ("2027-07-04 09:00", NEW_YORK, "2027-07-04T13:00Z", True),
    ("next month", NEW_YORK, "2027-01-01T05:00Z", False),
    # Kolkata: UTC+5:30 all year.
    ("today", KOLKATA, "2026-12-03T18:30Z", False),
    ("tomorrow 9am", KOLKATA, "2026-12-05T03:30Z", True),
    ("eom", KOLKATA, "2026-12-30T18:30Z", False),
    ("15 jan 10:00", KOLKATA, "2027-01-15T04:30Z", True),
    # Sydney: already Saturday; AEDT (UTC+11) now, AEST (UTC+10) in July.
    ("today", SYDNEY, "2026-12-04T13:00Z", False),
    ("tomorrow", SYDNEY, "2026-12-05T13:00Z", False),
    ("fri", SYDNEY, "2026-12-10T13:00Z", False),
    ("eow", SYDNEY, "2026-12-10T13:00Z", False),  # Saturday: the coming Friday
    ("14:30", SYDNEY, "2026-12-05T03:30Z", True),
    ("2027-07-01 09:00", SYDNEY, "2027-06-30T23:00Z", True),
    # UTC.
    ("today", "UTC", "2026-12-04T00:00Z", False),
    ("tomorrow 10am", "UTC", "2026-12-05T10:00Z", True),
    ("2027-01-15T09:00", "UTC", "2027-01-15T09:00Z", True),
]


@pytest.mark.parametrize(("text", "zone", "expected", "has_time"), READINGS)
def test_reads_text_as_utc_instant(
    text: str, zone: str, expected: str, has_time: bool
) -> None:
    when = parse_when(text, NOW, zone)

    assert when.instant == utc(expected)
    assert when.instant.timezone_name == "UTC"
    assert when.has_time is has_time
    assert when.zone == zone
    assert when.note is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fri", "2026-12-11"),  # the coming Friday, this week
        ("next fri", "2026-12-18"),  # the Friday of next week
        ("mon", "2026-12-14"),  # today is Monday: strictly after
        ("next mon", "2026-12-14"),
        ("next week", "2026-12-14"),
        ("eow", "2026-12-11"),
    ],
)
def test_bare_and_next_weekday_differ_early_in_the_week(
    text: str, expected: str
) -> None:
    assert parse_day(text, MONDAY, PARIS).isoformat() == expected


def test_month_offset_keeps_to_the_last_day() -> None:
    end_of_january = pendulum.datetime(2027, 1, 31, 12, 0, tz=PARIS)

    assert parse_day("+1m", end_of_january, PARIS) == pendulum.date(2027, 2, 28)


def test_parse_day_reads_the_same_words_in_the_reps_zone() -> None:
    assert parse_day("fri", NOW, PARIS) == pendulum.date(2026, 12, 11)
    assert parse_day("15 jan", NOW, PARIS) == pendulum.date(2027, 1, 15)
    assert parse_day("+3m", NOW, PARIS) == pendulum.date(2027, 3, 4)
    assert parse_day("today", NOW, SYDNEY) == pendulum.date(2026, 12, 5)


@pytest.mark.parametrize("text", ["tomorrow 10am", "14:30", "+4h", "in 90 minutes"])
def test_parse_day_refuses_a_time(text: str) -> None:
    with pytest.raises(WhenError, match="without a time"):
        parse_day(text, NOW, PARIS)


# -- clock changes -----------------------------------------------------------

GAPS = [
    ("2027-03-28 02:30", PARIS, "2027-03-28T01:30Z", "Sun 28 Mar 2027", "03:30"),
    ("28 mar 2027 2:30am", PARIS, "2027-03-28T01:30Z", "Sun 28 Mar 2027", "03:30"),
    ("2027-03-14 02:30", NEW_YORK, "2027-03-14T07:30Z", "Sun 14 Mar 2027", "03:30"),
    ("2027-10-03 02:15", SYDNEY, "2027-10-02T16:15Z", "Sun 3 Oct 2027", "03:15"),
]


@pytest.mark.parametrize(("text", "zone", "expected", "day", "used"), GAPS)
def test_skipped_time_moves_forward_and_says_so(
    text: str, zone: str, expected: str, day: str, used: str
) -> None:
    when = parse_when(text, NOW, zone)

    assert when.instant == utc(expected)
    assert when.local().format("HH:mm") == used
    assert when.note is not None
    assert f"does not exist on {day} in {zone} (clocks go forward)" in when.note
    assert when.note.endswith(f"using {used}")


FOLDS = [
    ("2027-10-31 02:30", PARIS, "2027-10-31T00:30Z", "UTC+02:00"),
    ("2027-11-07 01:30", NEW_YORK, "2027-11-07T05:30Z", "UTC-04:00"),
    ("2027-04-04 02:30", SYDNEY, "2027-04-03T15:30Z", "UTC+11:00"),
]


@pytest.mark.parametrize(("text", "zone", "expected", "offset"), FOLDS)
def test_doubled_time_takes_the_first_and_says_so(
    text: str, zone: str, expected: str, offset: str
) -> None:
    when = parse_when(text, NOW, zone)

    assert when.instant == utc(expected)
    assert when.note is not None
    assert "happens twice" in when.note
    assert when.note.endswith(f"using the first, {offset}")


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2027-03-28 04:00", PARIS, "2027-03-28T02:00Z"),
        ("2027-03-28 01:30", PARIS, "2027-03-28T00:30Z"),
        ("2027-10-31 03:30", PARIS, "2027-10-31T02:30Z"),
        ("2027-11-07 03:00", NEW_YORK, "2027-11-07T08:00Z"),
    ],
)
def test_times_beside_a_clock_change_carry_no_note(
    text: str, zone: str, expected: str
) -> None:
    when = parse_when(text, NOW, zone)

    assert when.instant == utc(expected)
    assert when.note is None


def test_day_only_on_a_clock_change_day_starts_at_local_midnight() -> None:
    when = parse_when("2027-03-28", NOW, PARIS)

    assert when.instant == utc("2027-03-27T23:00Z")
    assert when.note is None


def test_start_of_day_where_midnight_is_skipped() -> None:
    # Chile moves 00:00 to 01:00 on Sun 6 Sep 2026: the day starts at 01:00.
    day = pendulum.date(2026, 9, 6)
    zone = "America/Santiago"

    start = start_of_local_day(day, zone)

    assert start == utc("2026-09-06T04:00Z")
    assert start.in_timezone(zone).format("HH:mm") == "01:00"


def test_day_bounds_of_a_short_day() -> None:
    now = pendulum.datetime(2026, 9, 6, 12, 0, tz="America/Santiago")

    start, end = day_bounds(now, "America/Santiago")

    assert (start, end) == (utc("2026-09-06T04:00Z"), utc("2026-09-07T03:00Z"))
    assert end - start == timedelta(hours=23)


# -- the rep's midnight ------------------------------------------------------

# 23:30 in Los Angeles on Fri 4 Dec is already Sat 5 Dec in UTC.
LATE = pendulum.datetime(2026, 12, 4, 23, 30, tz=LOS_ANGELES)


def test_day_bounds_follow_local_midnight_not_utc() -> None:
    start, end = day_bounds(LATE, LOS_ANGELES)

    assert LATE.in_timezone("UTC").day == 5
    assert start == utc("2026-12-04T08:00Z")
    assert end == utc("2026-12-05T08:00Z")
    assert start.timezone_name == end.timezone_name == "UTC"


def test_today_late_in_the_evening_is_still_the_local_today() -> None:
    when = parse_when("today", LATE, LOS_ANGELES)

    assert when.instant == utc("2026-12-04T08:00Z")
    assert relative(when.instant, False, LATE, LOS_ANGELES) == "today"


def test_day_only_step_turns_overdue_at_local_midnight() -> None:
    due_today = start_of_local_day(pendulum.date(2026, 12, 4), LOS_ANGELES)
    due_tomorrow = start_of_local_day(pendulum.date(2026, 12, 5), LOS_ANGELES)
    just_after_midnight = LATE.add(minutes=31)

    assert relative(due_today, False, LATE, LOS_ANGELES) == "today"
    assert relative(due_tomorrow, False, LATE, LOS_ANGELES) == "tomorrow"
    assert relative(due_today, False, just_after_midnight, LOS_ANGELES) == (
        "1d overdue"
    )
    # The same instant read in UTC would already be a day late.
    assert relative(due_today, False, LATE, "UTC") == "1d overdue"


def test_timed_step_is_overdue_by_the_minute() -> None:
    eleven_pm = pendulum.datetime(2026, 12, 4, 23, 0, tz=LOS_ANGELES)

    assert relative(eleven_pm, True, LATE, LOS_ANGELES) == "30m overdue"


# -- showing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=30), "now"),
        (timedelta(seconds=-59), "now"),
        (timedelta(minutes=45), "in 45m"),
        (timedelta(minutes=90), "in 1h"),
        (timedelta(hours=3), "in 3h"),
        (timedelta(days=2), "in 2d"),
        (timedelta(minutes=-15), "15m overdue"),
        (timedelta(hours=-3), "3h overdue"),
        (timedelta(days=-3), "3d overdue"),
        (timedelta(days=21), "in 3w"),
        (timedelta(days=-35), "5w overdue"),
        (timedelta(days=120), "in 4mo"),
        (timedelta(days=-210), "7mo overdue"),
        (timedelta(days=1100), "in 3y"),
        # Another day counts by the calendar: NOW is Friday 15:00.
        (timedelta(days=2, hours=18), "in 3d"),  # Monday 09:00
        (timedelta(hours=10), "tomorrow"),  # Saturday 01:00
        (timedelta(hours=-16), "1d overdue"),  # Thursday 23:00
        (timedelta(hours=8, minutes=59), "in 8h"),  # still Friday, 23:59
    ],
)
def test_relative_for_timed_steps(delta: timedelta, expected: str) -> None:
    assert relative(NOW + delta, True, NOW, PARIS) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (pendulum.date(2026, 12, 4), "today"),
        (pendulum.date(2026, 12, 5), "tomorrow"),
        (pendulum.date(2026, 12, 6), "in 2d"),
        (pendulum.date(2026, 12, 3), "1d overdue"),
        (pendulum.date(2026, 12, 1), "3d overdue"),
        (pendulum.date(2026, 12, 25), "in 3w"),
        (pendulum.date(2027, 4, 3), "in 4mo"),
    ],
)
def test_relative_for_day_only_steps(day: pendulum.Date, expected: str) -> None:
    due = start_of_local_day(day, PARIS)

    assert relative(due, False, NOW, PARIS) == expected


def test_local_label_is_short_and_local() -> None:
    instant = utc("2026-12-11T09:00Z")

    assert local_label(instant, True, PARIS) == "Fri 11 Dec 10:00"
    assert local_label(instant, False, PARIS) == "Fri 11 Dec"
    assert local_label(utc("2026-12-04T14:00Z"), True, SYDNEY) == "Sat 5 Dec 01:00"


def test_local_label_shows_another_year_within_16_characters() -> None:
    instant = utc("2027-12-11T09:00Z")

    assert local_label(instant, True, PARIS, now=NOW) == "11 Dec '27 10:00"
    assert local_label(instant, False, PARIS, now=NOW) == "Sat 11 Dec 2027"
    assert local_label(utc("2026-12-11T09:00Z"), True, PARIS, now=NOW) == (
        "Fri 11 Dec 10:00"
    )


def test_describe_says_what_was_understood() -> None:
    timed = parse_when("fri 10am", NOW, PARIS)
    day_only = parse_when("fri", NOW, PARIS)
    gap = parse_when("2027-03-28 02:30", NOW, PARIS)

    assert timed.describe() == "Fri 11 Dec 2026, 10:00 CET"
    assert day_only.describe() == "Fri 11 Dec 2026 (any time)"
    assert gap.note is not None
    assert gap.describe() == f"Sun 28 Mar 2027, 03:30 CEST — {gap.note}"


def test_local_is_the_instant_in_its_zone() -> None:
    when = When(utc("2026-12-11T09:00Z"), True, NEW_YORK)

    assert when.local().timezone_name == NEW_YORK
    assert when.local().format("YYYY-MM-DD HH:mm") == "2026-12-11 04:00"


# -- refusals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Say when"),
        ("   ", "Say when"),
        ("banana", "'banana' is not a date"),
        ("9", "'9' is not a date"),  # a bare hour needs a day or "at"
        ("tomorrow at", "is not a date"),
        ("32 jan", "January has no day 32"),
        ("feb 30", "February has no day 30"),
        ("29 feb 2027", "There is no 29 Feb in 2027"),
        ("31/04/2027", "There is no 31 Apr in 2027"),
        ("13/13/2027", "There is no month 13"),
        ("25:00", "'25:00' is not a time of day"),
        ("14:30pm", "is not a time of day"),
        ("0am", "is not a time of day"),
        ("tomorrow 10:75", "is not a time of day"),
        ("midnight", "write 00:00"),
        ("+3x", "'x' is not a unit"),
        ("+99999999d", "too far away"),
        ("+9999999999999999999999h", "too far away"),
        ("in 6000 weeks", "too far away"),
        ("3000-01-01", "too far away"),
        ("mon 15 jan 2027", "15 Jan 2027 is a Friday, not a Monday"),
        ("x" * 500, "too long"),
    ],
)
def test_refuses_with_a_plain_sentence(text: str, says: str) -> None:
    with pytest.raises(WhenError) as raised:
        parse_when(text, NOW, PARIS)

    message = str(raised.value)
    assert says in message
    assert message[0].isupper() or message[0] in "'0123456789"
    assert message.endswith(".")


@pytest.mark.parametrize("text", ["01/02/2027", "1.2.2027", "01-02-2027"])
def test_ambiguous_numeric_date_names_both_readings(text: str) -> None:
    with pytest.raises(WhenError) as raised:
        parse_when(text, NOW, PARIS)

    message = str(raised.value)
    assert "1 Feb 2027" in message
    assert "2 Jan 2027" in message
    assert "2027-02-01" in message
    assert "'1 feb'" in message


def test_unknown_zone_is_refused_in_words() -> None:
    with pytest.raises(WhenError, match="not a time zone"):
        parse_when("today", NOW, "Mars/Olympus_Mons")


# -- properties --------------------------------------------------------------

ZONES = [PARIS, NEW_YORK, KOLKATA, SYDNEY, LOS_ANGELES, "UTC", "America/Santiago"]
WORDS = [
    "today", "tomorrow", "fri", "next", "week", "month", "at", "in", "+", "3",
    "d", "h", "m", "days", "hours", "10am", "12pm", "14:30", "25:00", "noon",
    "jan", "15", "31", "feb", "29", "2027", "0000", "9999", "99999999",
    "2027-03-28", "01/02/2027", "13.2.2027", "eom", "eow", "+0d", "+99999999d",
    "02:30", "of", "1st", "a.m.", "T", ",", "-", "é", "\x1b",
]  # fmt: skip
texts = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(WORDS), max_size=5).map(" ".join),
    st.lists(st.sampled_from(WORDS), max_size=5).map("".join),
)


@settings(deadline=None)
@given(texts, st.sampled_from(ZONES))
def test_any_text_gives_a_when_or_a_when_error(text: str, zone: str) -> None:
    try:
        when = parse_when(text, NOW, zone)
    except WhenError as error:
        assert str(error).endswith(".")
    else:
        assert when.instant.timezone_name == "UTC"
        assert when.instant.utcoffset() == timedelta(0)
        assert when.zone == zone


@settings(deadline=None)
@given(texts, st.sampled_from(ZONES))
def test_any_text_gives_a_day_or_a_when_error(text: str, zone: str) -> None:
    try:
        day = parse_day(text, NOW, zone)
    except WhenError as error:
        assert str(error).endswith(".")
    else:
        assert isinstance(day, pendulum.Date)


@settings(deadline=None)
@given(
    st.integers(min_value=-(100 * 366 * 86400), max_value=100 * 366 * 86400),
    st.booleans(),
    st.sampled_from(ZONES),
)
def test_labels_stay_short(seconds: int, has_time: bool, zone: str) -> None:
    instant = NOW.in_timezone("UTC").add(seconds=seconds)

    assert 1 <= len(relative(instant, has_time, NOW, zone)) <= 12
    assert 1 <= len(local_label(instant, has_time, zone, now=NOW)) <= 16


def test_module_imports_neither_textual_nor_peewee() -> None:
    code = (
        "import sys, nextstep_tui.core.when;"
        "print(sorted({'textual', 'peewee'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
