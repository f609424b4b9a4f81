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


@pytest.mark.parametrize("text", ["lots", "-5", "nan", "inf", "1e20", "0012,000"])
def test_parse_money_refuses_nonsense(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1,234", 123400),
        ("1,234,567.8", 123456780),
        ("12 000", 1200000),
        ("0.5", 50),
        ("€ 25,000", 2500000),
    ],
)
def test_parse_money_takes_a_comma_as_thousands(text: str, cents: int) -> None:
    assert parse_money(text) == cents


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        ("1.234", r"more than two decimals.*\(1\.23\).*\(1,234\)"),
        ("1.999", "more than two decimals"),
        ("0.001", "more than two decimals"),
        ("1,5", r"',' groups thousands.*\(1\.5\)"),
        ("12,34", "',' groups thousands"),
        ("1,234,5", "',' groups thousands"),
    ],
)
def test_parse_money_refuses_what_it_would_change(text: str, advice: str) -> None:
    with pytest.raises(InvalidInput, match=advice):
        parse_money(text)


def test_parse_money_in_a_decimal_comma() -> None:
    assert parse_money("2.500,00", decimal_mark=",") == 250000
    assert parse_money("1.234", decimal_mark=",") == 123400
    with pytest.raises(InvalidInput, match=r"more than two decimals.*\(1,23\)"):
        parse_money("1,234", decimal_mark=",")


def test_strip_controls_removes_terminal_escapes() -> None:
    assert strip_controls("Evil\x1b[2J\x07Corp\u009b") == "Evil[2JCorp"


def test_clean_line_trims_and_refuses_blank_required_text() -> None:
    assert clean_line("  Acme  ", "Name", 40) == "Acme"
    with pytest.raises(InvalidInput):
        clean_line("   ", "Name", 40)


@pytest.mark.parametrize(
    "blank", ["\u200b", "\u00a0 ", "\ufeff", "\u3000", "\u2060\u200d"]
)
def test_text_that_prints_as_nothing_is_empty(blank: str) -> None:
    with pytest.raises(InvalidInput, match="cannot be empty"):
        clean_line(blank, "Name", 40)
    assert clean_line("Zoë\u200d", "Name", 40)  # a visible letter is enough
