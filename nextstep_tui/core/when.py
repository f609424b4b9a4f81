"""When a next step is due: read from what a rep types, shown back in their zone.

Everything is read relative to `now` in the rep's zone, case-insensitively:

- days: `today`, `yesterday`, `tomorrow` (`tmr`, `tmrw`, `tom`), `mon`..`sun`
  or full names (the coming such day, strictly after today), `next fri` (the
  Friday of next week; weeks start on Monday), `next week` (its Monday),
  `next month` (its 1st), `eow` (the coming Friday, today if Friday), `eom`, `eoy`;
- offsets: `+3d`, `+2w`, `+1m` (months), `in 3 days`, `in 2 weeks`, `in 1 month`;
  `+4h`, `in 3 hours`, `in 90 minutes` give an exact time;
- dates: `2027-01-15`, `15 jan`, `jan 15th`, `fri 15 jan 2027`, `13/02/2027`,
  `13.2.2027`; without a year, the next such date on or after today. Numeric
  dates whose two numbers could both be the month are refused as ambiguous;
- a time after (or before) any day: `10am`, `10:30 pm`, `14:30`, `noon`,
  `at 9`; a bare hour such as `9` only after a day word or `at`. A time alone
  means today at that time, even if it has passed (the step is then overdue).

A local time skipped by a clock change is moved forward by the gap; one that
happens twice takes the first. Either way `When.note` says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pendulum

from nextstep_tui.core.errors import InvalidInput

__all__ = [
    "When",
    "WhenError",
    "day_bounds",
    "local_label",
    "parse_day",
    "parse_when",
    "relative",
    "start_of_local_day",
]

_MAX_LENGTH = 80
_MAX_YEARS = 100  # how far from today a date may be, either way
_EXAMPLES = "'tomorrow 10am', 'fri', '+3d' or '2027-01-15'"

_Clock = tuple[int, int]  # hour and minute, local


@dataclass(frozen=True)
class When:
    """A due time as understood: a UTC instant, or a whole local day."""

    instant: pendulum.DateTime  # UTC; for a day only, its local 00:00
    has_time: bool
    zone: str
    note: str | None = None  # a clock change moved or chose the time

    def local(self) -> pendulum.DateTime:
        """The instant in the zone it was understood in."""
        return self.instant.in_timezone(self.zone)

    def describe(self) -> str:
        """What was understood, e.g. "Fri 11 Dec 2026, 10:00 CET"."""
        local = self.local()
        text = _day_text(local.date())
        if self.has_time:
            text += f", {local.format('HH:mm')} {local.tzname()}"
        else:
            text += " (any time)"

        if self.note:
            text += f" — {self.note}"
        return text


class WhenError(InvalidInput):
    """The text is not a day or time nextstep can read."""


# -- reading -----------------------------------------------------------------


def parse_when(text: str, now: pendulum.DateTime, zone: str) -> When:
    """Read a due day or time; see the module docstring for the words."""
    reading = _read(text, now, zone)

    if reading.instant is not None:
        return When(reading.instant, True, zone)
    if reading.clock is None:
        return When(start_of_local_day(reading.day, zone), False, zone)

    instant, note = _resolve(reading.day, reading.clock, zone)
    return When(instant, True, zone, note)


def parse_day(text: str, now: pendulum.DateTime, zone: str) -> pendulum.Date:
    """Read a day only, with the same words; a time in the text is refused."""
    reading = _read(text, now, zone)
    if reading.instant is not None or reading.clock is not None:
        raise WhenError(
            "Give a day without a time here, for example 'fri', '15 jan' or '+3m'."
        )
    return reading.day


def start_of_local_day(day: pendulum.Date, zone: str) -> pendulum.DateTime:
    """The UTC instant the day begins in the zone (the first, if 00:00 is skipped)."""
    instant, _ = _resolve(day, (0, 0), zone)
    return instant


def day_bounds(
    now: pendulum.DateTime, zone: str
) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The UTC instants of the rep's today 00:00 and tomorrow 00:00."""
    today = _local_now(now, zone).date()
    return start_of_local_day(today, zone), start_of_local_day(today.add(days=1), zone)


# -- showing -----------------------------------------------------------------


def relative(
    instant: pendulum.DateTime, has_time: bool, now: pendulum.DateTime, zone: str
) -> str:
    """How far away a due time is, in at most 12 characters: "in 3h", "2d overdue".

    Another day counts in days, as the calendar does (on a Friday, Monday
    is "in 3d" whatever the hour); only today counts in hours and minutes.
    """
    local_day = instant.in_timezone(zone).date()
    if not has_time or local_day != _local_now(now, zone).date():
        return _relative_day(instant, now, zone)

    seconds = (instant - now).total_seconds()
    if abs(seconds) < 60:
        return "now"

    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        amount = f"{minutes}m"
    elif minutes < 24 * 60:
        amount = f"{minutes // 60}h"
    else:
        amount = _days_amount(minutes // (24 * 60))
    return f"in {amount}" if seconds > 0 else f"{amount} overdue"


def local_label(
    instant: pendulum.DateTime,
    has_time: bool,
    zone: str,
    *,
    now: pendulum.DateTime | None = None,
) -> str:
    """A short local label: "Fri 11 Dec 10:00"; the year too if not that of `now`."""
    local = instant.in_timezone(zone)
    other_year = now is not None and now.in_timezone(zone).year != local.year

    if not other_year:
        pattern = "ddd D MMM HH:mm" if has_time else "ddd D MMM"
    else:
        pattern = "D MMM [']YY HH:mm" if has_time else "ddd D MMM YYYY"
    return local.format(pattern, locale="en")


def _relative_day(instant: pendulum.DateTime, now: pendulum.DateTime, zone: str) -> str:
    """Compare local days: a step due today is not overdue until local midnight."""
    due = instant.in_timezone(zone).date()
    days = (due - _local_now(now, zone).date()).days

    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days > 0:
        return f"in {_days_amount(days)}"
    return f"{_days_amount(-days)} overdue"


def _days_amount(days: int) -> str:
    """A count of days in the coarsest unit that still says something."""
    if days <= 14:
        return f"{days}d"
    if days < 60:
        return f"{days // 7}w"
    if days < 730:
        return f"{days // 30}mo"
    return f"{min(days // 365, 999)}y"


# -- the grammar -------------------------------------------------------------

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2,
    "weds": 2, "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4, "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
_UNITS = {
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "m": "months", "mo": "months", "month": "months", "months": "months",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
}  # fmt: skip
_EXACT_UNITS = {"hours", "minutes"}
_DAY_NAMES = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
)  # fmt: skip


def _either(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH = _either(_MONTHS)
_WEEKDAY = _either(_WEEKDAYS)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?: (?P<year>\d{4}))?"

_OFFSET = re.compile(r"(?:\+ ?|in )(?P<count>\d+) ?(?P<unit>[a-z]+)", re.ASCII)
_NEXT = re.compile(r"next (?P<what>[a-z]+)", re.ASCII)
_ISO = re.compile(
    r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})", re.ASCII
)
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", re.ASCII)
_DAY_MONTH = re.compile(
    rf"(?:(?P<weekday>{_WEEKDAY}) )?{_DAY} (?:of )?(?P<month>{_MONTH}){_YEAR}",
    re.ASCII,
)
_MONTH_DAY = re.compile(
    rf"(?:(?P<weekday>{_WEEKDAY}) )?(?P<month>{_MONTH}) {_DAY}{_YEAR}", re.ASCII
)
_CLOCK_12 = re.compile(r"(\d{1,2})(?::(\d{2}))?([ap])m", re.ASCII)
_CLOCK_24 = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_CLOCK_BARE = re.compile(r"\d{1,2}", re.ASCII)

_AM_PM = re.compile(r"(\d) ?([ap])\.?m\.?(?!\w)", re.ASCII)  # "10 a.m." -> "10am"
_ISO_T = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})t(\d)", re.ASCII)  # ISO's "T"


def _end_of_week(today: pendulum.Date) -> pendulum.Date:
    return today.add(days=(4 - today.weekday()) % 7)


def _monday_of_next_week(today: pendulum.Date) -> pendulum.Date:
    return today.add(days=7 - today.weekday())


_NAMED_DAYS: dict[str, Callable[[pendulum.Date], pendulum.Date]] = {
    "today": lambda today: today,
    "yesterday": lambda today: today.subtract(days=1),
    "tomorrow": lambda today: today.add(days=1),
    "tmr": lambda today: today.add(days=1),
    "tmrw": lambda today: today.add(days=1),
    "tom": lambda today: today.add(days=1),
    "eow": _end_of_week,
    "end of week": _end_of_week,
    "eom": lambda today: today.end_of("month"),
    "end of month": lambda today: today.end_of("month"),
    "eoy": lambda today: today.replace(month=12, day=31),
    "end of year": lambda today: today.replace(month=12, day=31),
    "next week": _monday_of_next_week,
    "next month": lambda today: today.start_of("month").add(months=1),
}


@dataclass(frozen=True)
class _Reading:
    """A local day with an optional local time, or an exact instant."""

    day: pendulum.Date
    clock: _Clock | None = None
    instant: pendulum.DateTime | None = None  # from "+4h": no local reading


def _read(text: str, now: pendulum.DateTime, zone: str) -> _Reading:
    """Split the text into a day and a time and read each."""
    words = _normalised(text)
    today = _local_now(now, zone).date()

    instant = _read_exact(words, now)
    if instant is not None:
        return _Reading(today, instant=instant)

    tokens = words.split()
    ats = tokens.count("at")
    if ats == 0 and (day := _read_day(words, today)) is not None:
        return _Reading(day)

    if ats <= 1:
        tokens = [token for token in tokens if token != "at"]
        reading = _read_day_and_clock(tokens, today, after_at=ats == 1)
        if reading is not None:
            return reading
    raise WhenError(
        f"{_quoted(text)} is not a date nextstep understands; try {_EXAMPLES}."
    )


def _normalised(text: str) -> str:
    """Lower case, single spaces, and "10 a.m." or "2027-01-15t09:00" tidied."""
    words = " ".join(text.lower().replace(",", " ").split())
    if not words:
        raise WhenError(f"Say when, for example {_EXAMPLES}.")
    if len(words) > _MAX_LENGTH:
        raise WhenError(f"That is too long for a date; try {_EXAMPLES}.")

    words = _AM_PM.sub(r"\1\2m", words)
    return _ISO_T.sub(r"\1 \2", words)


def _read_day_and_clock(
    tokens: list[str], today: pendulum.Date, after_at: bool
) -> _Reading | None:
    """Try the time as the last word, then as the first."""
    splits = ((tokens[:-1], tokens[-1:], False), (tokens[1:], tokens[:1], True))
    for day_tokens, clock_tokens, leading in splits:
        if not clock_tokens:
            continue
        day = _read_day(" ".join(day_tokens), today) if day_tokens else today
        if day is None:
            continue

        bare_ok = after_at or (bool(day_tokens) and not leading)
        clock = _read_clock(clock_tokens[0], bare_ok)
        if clock is not None:
            return _Reading(day, clock)
    return None


def _read_exact(words: str, now: pendulum.DateTime) -> pendulum.DateTime | None:
    """`+4h`, `in 90 minutes`: an instant, the same whatever the zone."""
    match = _OFFSET.fullmatch(words)
    if match is None or _UNITS.get(match["unit"]) not in _EXACT_UNITS:
        return None

    count = _count(match["count"], words)
    try:
        instant = now.in_timezone("UTC").add(**{_UNITS[match["unit"]]: count})
    except (OverflowError, ValueError):
        raise WhenError(_too_far(words)) from None
    _check_year(instant.year, now.year, words)
    return instant


def _read_day(words: str, today: pendulum.Date) -> pendulum.Date | None:
    """A local day, None if the words do not look like one."""
    named = _NAMED_DAYS.get(words)
    if named is not None:
        return named(today)

    if words in _WEEKDAYS:
        return _coming(today, _WEEKDAYS[words])
    for reader in (_read_next, _read_offset, _read_iso, _read_numeric, _read_named):
        day = reader(words, today)
        if day is not None:
            return day
    return None


def _coming(today: pendulum.Date, weekday: int) -> pendulum.Date:
    """The first such weekday strictly after today."""
    return today.add(days=(weekday - today.weekday() - 1) % 7 + 1)


def _read_next(words: str, today: pendulum.Date) -> pendulum.Date | None:
    """`next fri`: that day in next week (Monday to Sunday)."""
    match = _NEXT.fullmatch(words)
    if match is None or match["what"] not in _WEEKDAYS:
        return None
    return _monday_of_next_week(today).add(days=_WEEKDAYS[match["what"]])


def _read_offset(words: str, today: pendulum.Date) -> pendulum.Date | None:
    """`+3d`, `in 2 weeks`, `+1m` (the same day next month, or its last)."""
    match = _OFFSET.fullmatch(words)
    if match is None:
        return None

    unit = _UNITS.get(match["unit"])
    if unit is None:
        raise WhenError(
            f"{_quoted(match['unit'])} is not a unit nextstep knows; use d (days),"
            " w (weeks), m (months) or h (hours), as in '+3d'."
        )
    if unit in _EXACT_UNITS:
        return None

    count = _count(match["count"], words)
    try:
        day = today.add(**{unit: count})
    except (OverflowError, ValueError):
        raise WhenError(_too_far(words)) from None
    _check_year(day.year, today.year, words)
    return day


def _read_iso(words: str, today: pendulum.Date) -> pendulum.Date | None:
    """`2027-01-15` (also with / or . between the numbers)."""
    match = _ISO.fullmatch(words)
    if match is None:
        return None
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    _check_year(year, today.year, words)
    return _date(year, month, day)


def _read_numeric(words: str, today: pendulum.Date) -> pendulum.Date | None:
    """`13/02/2027` or `02/13/2027`; refused when both numbers could be the month."""
    match = _NUMERIC.fullmatch(words)
    if match is None:
        return None

    first, second, year = int(match[1]), int(match[3]), int(match[4])
    _check_year(year, today.year, words)
    if first != second and first <= 12 and second <= 12:
        raise WhenError(_ambiguous(words, first, second, year))

    day, month = (second, first) if second > 12 >= first else (first, second)
    return _date(year, month, day)


def _read_named(words: str, today: pendulum.Date) -> pendulum.Date | None:
    """`15 jan`, `jan 15th 2027`, `fri 15 jan`; without a year, the next one."""
    match = _DAY_MONTH.fullmatch(words) or _MONTH_DAY.fullmatch(words)
    if match is None:
        return None

    month, day_number = _MONTHS[match["month"]], int(match["day"])
    if match["year"] is None:
        day = _next_yearly(month, day_number, today)
    else:
        _check_year(int(match["year"]), today.year, words)
        day = _date(int(match["year"]), month, day_number)

    if match["weekday"] is not None:
        _check_weekday(day, match["weekday"])
    return day


def _next_yearly(month: int, day: int, today: pendulum.Date) -> pendulum.Date:
    """The first `day month` on or after today (29 Feb waits for a leap year)."""
    in_leap_year = pendulum.date(2000, month, 1)
    if not 1 <= day <= in_leap_year.days_in_month:
        name = in_leap_year.format("MMMM", locale="en")
        raise WhenError(f"{name} has no day {day}.")

    for year in range(today.year, today.year + 9):
        if day <= pendulum.date(year, month, 1).days_in_month:
            candidate = pendulum.date(year, month, day)
            if candidate >= today:
                return candidate
    raise AssertionError("a leap year comes within eight years")


def _date(year: int, month: int, day: int) -> pendulum.Date:
    """A date, or a plain sentence saying why there is none."""
    if not 1 <= month <= 12:
        raise WhenError(f"There is no month {month}; months run from 1 to 12.")

    first = pendulum.date(year, month, 1)
    if not 1 <= day <= first.days_in_month:
        raise WhenError(
            f"There is no {day} {first.format('MMM', locale='en')} in {year}."
        )
    return pendulum.date(year, month, day)


def _check_weekday(day: pendulum.Date, typed: str) -> None:
    """Refuse `mon 15 jan 2027` when 15 Jan 2027 is not a Monday."""
    if day.weekday() != _WEEKDAYS[typed]:
        shown = day.format("D MMM YYYY", locale="en")
        actual, wanted = _DAY_NAMES[day.weekday()], _DAY_NAMES[_WEEKDAYS[typed]]
        raise WhenError(f"{shown} is a {actual}, not a {wanted}.")


def _read_clock(token: str, bare_ok: bool) -> _Clock | None:
    """`10am`, `10:30pm`, `14:30`, `noon`, or a bare hour where allowed."""
    if token in ("noon", "midday"):
        return (12, 0)
    if token == "midnight":
        raise WhenError(
            "Midnight is unclear; write 00:00 for the start of the day"
            " or 23:59 for its end."
        )

    if match := _CLOCK_12.fullmatch(token):
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise WhenError(_not_a_time(token))
        return (hour % 12 + (12 if match[3] == "p" else 0), minute)

    if match := _CLOCK_24.fullmatch(token):
        hour, minute = int(match[1]), int(match[2])
    elif bare_ok and _CLOCK_BARE.fullmatch(token):
        hour, minute = int(token), 0
    else:
        return None
    if hour > 23 or minute > 59:
        raise WhenError(_not_a_time(token))
    return (hour, minute)


# -- zones and clock changes -------------------------------------------------


def _zone(zone: str) -> pendulum.Timezone | pendulum.FixedTimezone:
    try:
        return pendulum.timezone(zone)
    except (ValueError, OSError):
        raise WhenError(
            f"{_quoted(zone)} is not a time zone nextstep knows;"
            " use a name such as Europe/Paris."
        ) from None


def _local_now(now: pendulum.DateTime, zone: str) -> pendulum.DateTime:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.in_timezone(_zone(zone))


def _resolve(
    day: pendulum.Date, clock: _Clock, zone: str
) -> tuple[pendulum.DateTime, str | None]:
    """The UTC instant of a local time, and a note if a clock change moved it."""
    tz = _zone(zone)
    wall = dt.datetime(day.year, day.month, day.day, *clock, tzinfo=tz)
    first = wall.astimezone(dt.UTC)  # fold=0: the offset in force before a change
    instant = pendulum.instance(first)
    if first == wall.replace(fold=1).astimezone(dt.UTC):
        return instant, None

    used = first.astimezone(tz)
    typed = f"{clock[0]:02d}:{clock[1]:02d}"
    if used.replace(tzinfo=None) != wall.replace(tzinfo=None):
        shown = used.strftime("%H:%M")
        if used.date() != day:
            shown = f"{_day_text(used.date())} {shown}"
        return instant, (
            f"{typed} does not exist on {_day_text(day)} in {zone}"
            f" (clocks go forward); using {shown}"
        )

    return instant, (
        f"{typed} happens twice on {_day_text(day)} in {zone} (clocks go back);"
        f" using the first, UTC{_offset_text(used.utcoffset())}"
    )


# -- words -------------------------------------------------------------------


def _day_text(day: dt.date) -> str:
    return pendulum.date(day.year, day.month, day.day).format(
        "ddd D MMM YYYY", locale="en"
    )


def _offset_text(offset: dt.timedelta | None) -> str:
    minutes = int((offset or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _quoted(text: str) -> str:
    """The rep's text, printable and short, for an error message."""
    shown = "".join(char for char in text.strip() if char.isprintable())
    if len(shown) > 30:
        shown = shown[:29] + "…"
    return f"'{shown}'"


def _count(digits: str, words: str) -> int:
    digits = digits.lstrip("0") or "0"
    if len(digits) > 6:
        raise WhenError(_too_far(words))
    return int(digits)


def _check_year(year: int, this_year: int, words: str) -> None:
    if abs(year - this_year) > _MAX_YEARS:
        raise WhenError(_too_far(words))


def _too_far(words: str) -> str:
    limit = f"within {_MAX_YEARS} years of today"
    return f"{_quoted(words)} is too far away; give a date {limit}."


def _not_a_time(token: str) -> str:
    return (
        f"{_quoted(token)} is not a time of day; use one such as 09:30, 14:00 or 3pm."
    )


def _ambiguous(words: str, first: int, second: int, year: int) -> str:
    day_first = pendulum.date(year, second, first)
    month_first = pendulum.date(year, first, second)
    short = day_first.format("D MMM", locale="en").lower()
    return (
        f"{_quoted(words)} could be {day_first.format('D MMM YYYY', locale='en')}"
        f" or {month_first.format('D MMM YYYY', locale='en')};"
        f" write {day_first.isoformat()} or '{short}' to say which."
    )


def check_due(when: When, now: pendulum.DateTime, zone: str) -> None:
    """Refuse a next step's due time that is already gone.

    A day alone means "some time that day", so today will do; a time must
    still be ahead, with a minute's grace for the time spent typing it.
    """
    today, _ = day_bounds(now, zone)
    earliest = now.subtract(minutes=1) if when.has_time else today
    if when.instant < earliest:
        raise InvalidInput(
            f"{when.describe()} is in the past; a next step is later than now."
        )


def check_later(when: When, current_due: pendulum.DateTime) -> None:
    """Refuse a postponement that does not move the step later."""
    if when.instant <= current_due:
        raise InvalidInput(
            "Postponing moves a step later; "
            f"{when.describe()} is not after its current due time."
        )


def check_recycle_day(day: pendulum.Date, now: pendulum.DateTime, zone: str) -> None:
    """Refuse a recycle day before today (in the rep's zone)."""
    if day < now.in_timezone(zone).date():
        raise InvalidInput(f"The recycle date {day.isoformat()} is in the past.")
