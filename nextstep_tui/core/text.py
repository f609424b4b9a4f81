"""Text from reps and files is data: checked, trimmed and stripped of controls."""

from __future__ import annotations

import re
import unicodedata

from nextstep_tui.core.errors import InvalidInput

# C0 and C1 control characters (ESC among them) but tab and newline; and the
# bidirectional overrides that can make text read differently from its bytes.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    return _CONTROLS.sub("", text)


def clean_line(text: str, what: str, limit: int, required: bool = True) -> str:
    """One line of text: controls removed, new lines folded, length checked."""
    text = strip_controls(" ".join(str(text).split("\n"))).replace("\t", " ").strip()
    return _checked(text, what, limit, required)


def clean_text(text: str, what: str, limit: int, required: bool = True) -> str:
    """Free text that may hold several lines."""
    text = strip_controls(str(text).replace("\r\n", "\n").replace("\r", "\n")).strip()
    return _checked(text, what, limit, required)


def shows_something(text: str) -> bool:
    """False for text that prints as nothing: spaces, zero-width marks."""
    return any(
        not char.isspace() and unicodedata.category(char) not in ("Cf", "Zs")
        for char in text
    )


def _checked(text: str, what: str, limit: int, required: bool) -> str:
    if required and not shows_something(text):
        raise InvalidInput(f"{what} cannot be empty.")
    if len(text) > limit:
        raise InvalidInput(
            f"{what} is too long ({len(text)} characters; at most {limit})."
        )
    return text


def parse_money(text: str | None, decimal_mark: str = ".") -> int | None:
    """An amount of money as cents; None when not given.

    One rule for what reps type and what files hold: ``decimal_mark`` (a dot
    when a rep types; a file may show a comma) comes before one or two
    digits. The other mark, a space, an apostrophe or an underscore groups
    thousands, exactly three digits after each. So, as typed, a comma always
    groups thousands: '12,000.50' and '1,234' are read, while '1.234' (more
    than cents), '1,5' (a group of one digit) and '0.001' are refused with
    what to type instead, never rounded or run together. A leading $, € or £
    is allowed.
    """
    if text is None or not text.strip():
        return None
    amount = text.strip().lstrip("$€£").strip()
    group = "," if decimal_mark == "." else "."
    mark, separators = re.escape(decimal_mark), re.escape(group) + " '_\u00a0\u202f"
    number = re.fullmatch(
        rf"([0-9]+|[1-9][0-9]{{0,2}}([{separators}])[0-9]{{3}}(?:\2[0-9]{{3}})*)"
        rf"(?:{mark}([0-9]{{1,2}}))?",
        amount,
    )

    if number is None:
        if amount[:1] == "-":
            raise InvalidInput(f"{text!r} is not a sensible deal value.")
        if re.fullmatch(rf"[0-9{separators}]*{mark}[0-9]{{3,}}", amount):
            raise InvalidInput(
                f"{text!r} has more than two decimals; type at most cents "
                f"(1{decimal_mark}23), and group thousands with {group!r} "
                f"(1{group}234) or not at all."
            )
        if re.fullmatch(rf"[0-9{separators}{mark}]+", amount):
            raise InvalidInput(
                f"{text!r} is not an amount: {group!r} groups thousands, three "
                f"digits after each (1{group}234{decimal_mark}50); decimals come "
                f"after {decimal_mark!r} (1{decimal_mark}5)."
            )
        raise InvalidInput(f"{text!r} is not an amount of money.")

    whole = int(re.sub("[^0-9]", "", number[1]))
    if whole >= 10**13:
        raise InvalidInput(f"{text!r} is not a sensible deal value.")
    return whole * 100 + int((number[3] or "0").ljust(2, "0"))
