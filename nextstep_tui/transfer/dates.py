"""Dates as other tools write them: ISO, US, day-first and a few with names.

A file uses one order for its numeric dates. The order is taken from the
command line, else from the first unambiguous date seen; a date that could be
read either way before the order is known stops the import with a question.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

import pendulum

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.when import start_of_local_day


class DateOrder(enum.StrEnum):
    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"


@dataclass(frozen=True)
class FileDate:
    """A date or time read from a file; ``has_time`` is False for a bare day."""

    instant: pendulum.DateTime
    has_time: bool


class AmbiguousDate(InvalidInput):
    """A numeric date that reads as day-first and as month-first."""


# 3/4/2017, 03-04-17, 31.12.2017, optionally followed by a time.
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T,]+(.+))?")
# 2017-3-4 and 2017/03/04, which fromisoformat does not read.
_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(.+))?")
# 4 Mar 2017, 04-Mar-17, Mar 4, 2017, March 4 2017.
_NAMED_DAY_FIRST = re.compile(
    r"(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{4}|\d{2})(?:[ T,]+(.+))?"
)
_NAMED_MONTH_FIRST = re.compile(
    r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})(?:[ T,]+(.+))?"
)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp])?\.?[Mm]?\.?")

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

# Distinct dates in a file are few; remembering them saves most of the work.
_CACHE_SIZE = 8192


def numeric_order(text: str) -> DateOrder | bool | None:
    """The order a numeric date ``text`` proves, None if it proves none.

    False means the text is not a numeric date at all.
    """
    match = _NUMERIC.fullmatch(text.strip())
    if match is None:
        return False
    first, separator, second = int(match[1]), match[2], int(match[3])
    if separator == "." or (first > 12 >= second):
        return DateOrder.DAY_FIRST
    if second > 12 >= first:
        return DateOrder.MONTH_FIRST
    return None


class DateReader:
    """Reads a file's dates in the rep's zone, shifted by ``shift_days``."""

    def __init__(
        self, zone: str, order: DateOrder | None = None, shift_days: int = 0
    ) -> None:
        self.zone = zone
        self._tz = pendulum.timezone(zone)  # once: naming a zone reads its file
        self.order = order
        self.shift_days = shift_days
        self._cache: dict[str, FileDate] = {}

    def read(self, text: str) -> FileDate | None:
        """The date in ``text``; None for an empty cell."""
        text = text.strip()
        if not text:
            return None
        cached = self._cache.get(text)
        if cached is not None:
            return cached

        parsed = self._parse(text)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[text] = parsed
        return parsed

    def _parse(self, text: str) -> FileDate:
        if text[:4].isdigit():
            return self._year_first(text)
        match = _NUMERIC.fullmatch(text)
        if match is not None:
            return self._numeric(text, match)
        for pattern in (_NAMED_DAY_FIRST, _NAMED_MONTH_FIRST):
            match = pattern.fullmatch(text)
            if match is not None:
                return self._named(text, match, pattern is _NAMED_DAY_FIRST)
        raise InvalidInput(f"{text!r} is not a date.")

    def _year_first(self, text: str) -> FileDate:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            match = _YEAR_FIRST.fullmatch(text)
            if match is None:
                raise InvalidInput(f"{text!r} is not a date.") from None
            day = _date(text, int(match[1]), int(match[2]), int(match[3]))
            return self._local(text, day, match[4])

        has_time = len(text) > 10
        if value.tzinfo is not None:
            # Whole seconds, as the database keeps them.
            instant = pendulum.instance(value.replace(microsecond=0)).in_timezone("UTC")
            return FileDate(instant.add(days=self.shift_days), True)
        if not has_time:
            return self._day(value.date())
        return self._at(value.date(), value.time())

    def _numeric(self, text: str, match: re.Match[str]) -> FileDate:
        first, second = int(match[1]), int(match[3])
        proven = numeric_order(text)
        if isinstance(proven, DateOrder):
            if self.order is None:
                self.order = proven
            elif proven is not self.order:
                raise InvalidInput(
                    f"{text!r} is not a {self.order.value} date like the others in "
                    f"this file; say which with --dayfirst or --monthfirst."
                )
        elif self.order is None:
            raise AmbiguousDate(
                f"{text!r} could be {first} {_month_name(second)} or "
                f"{second} {_month_name(first)}; rerun with --dayfirst or "
                "--monthfirst to say how this file writes dates."
            )

        if self.order is DateOrder.DAY_FIRST:
            day, month = first, second
        else:
            day, month = second, first
        year = _full_year(match[4])
        return self._local(text, _date(text, year, month, day), match[5])

    def _named(self, text: str, match: re.Match[str], day_first: bool) -> FileDate:
        if day_first:
            day_text, month_text, year_text = match[1], match[2], match[3]
        else:
            month_text, day_text, year_text = match[1], match[2], match[3]
        month = _MONTHS.get(month_text.lower())
        if month is None:
            raise InvalidInput(
                f"{text!r} is not a date (unknown month {month_text!r})."
            )
        day = _date(text, _full_year(year_text), month, int(day_text))
        return self._local(text, day, match[4])

    def _local(self, text: str, day: dt.date, time_text: str | None) -> FileDate:
        if not time_text:
            return self._day(day)
        return self._at(day, _time(text, time_text.strip()))

    def _day(self, day: dt.date) -> FileDate:
        shifted = pendulum.date(day.year, day.month, day.day).add(days=self.shift_days)
        return FileDate(start_of_local_day(shifted, self.zone), False)

    def _at(self, day: dt.date, time: dt.time) -> FileDate:
        shifted = pendulum.date(day.year, day.month, day.day).add(days=self.shift_days)
        local = pendulum.datetime(
            shifted.year,
            shifted.month,
            shifted.day,
            time.hour,
            time.minute,
            time.second,
            tz=self._tz,
        )
        return FileDate(local.in_timezone("UTC"), True)


def _time(text: str, time_text: str) -> dt.time:
    match = _TIME.fullmatch(time_text)
    if match is None:
        raise InvalidInput(f"{text!r} is not a date and time.")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    meridiem = (match[4] or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise InvalidInput(f"{text!r} has an impossible time.")
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        raise InvalidInput(f"{text!r} has an impossible time.") from None


def _date(text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date that exists.") from None


def _full_year(text: str) -> int:
    """A four-digit year; two digits mean 1970-2069, as spreadsheets read them."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip


def _month_name(number: int) -> str:
    return _MONTH_NAMES[number - 1] if 1 <= number <= 12 else "?"
