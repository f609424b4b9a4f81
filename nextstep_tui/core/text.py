"""Text from reps and files is data: checked, trimmed and stripped of controls."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

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


def _checked(text: str, what: str, limit: int, required: bool) -> str:
    if required and not text:
        raise InvalidInput(f"{what} cannot be empty.")
    if len(text) > limit:
        raise InvalidInput(
            f"{what} is too long ({len(text)} characters; at most {limit})."
        )
    return text


def parse_money(text: str | None) -> int | None:
    """'12,000.50' or '12000' as cents; None when not given."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip().replace(",", "").replace("_", "").lstrip("$€£")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(f"{text!r} is not an amount of money.") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal(10) ** 13:
        raise InvalidInput(f"{text!r} is not a sensible deal value.")
    return int((amount * 100).to_integral_value())
