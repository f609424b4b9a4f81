"""Reading what reps type: amounts of money, lines of text."""

from __future__ import annotations

import pytest

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.text import clean_line, parse_money, strip_controls


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12000", 1200000),
        ("12,000.50", 1200050),
        ("$9.99", 999),
        (None, None),
        ("", None),
    ],
)
def test_parse_money(text: str | None, cents: int | None) -> None:
    assert parse_money(text) == cents


@pytest.mark.parametrize("text", ["lots", "-5", "nan", "inf", "1e20"])
def test_parse_money_refuses_nonsense(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_money(text)


def test_strip_controls_removes_terminal_escapes() -> None:
    assert strip_controls("Evil\x1b[2J\x07Corp\u009b") == "Evil[2JCorp"


def test_clean_line_trims_and_refuses_blank_required_text() -> None:
    assert clean_line("  Acme  ", "Name", 40) == "Acme"
    with pytest.raises(InvalidInput):
        clean_line("   ", "Name", 40)
