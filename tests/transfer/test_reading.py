"""The small readers: dates, amounts, flags, headers and stages."""

from __future__ import annotations

import pendulum
import pytest

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import State
from nextstep_tui.transfer.dates import AmbiguousDate, DateOrder, DateReader
from nextstep_tui.transfer.mapping import (
    AmbiguousAmount,
    AmountReader,
    StageMap,
    guard_formula,
    header_key,
    map_columns,
    parse_amount,
    parse_flag,
    unguard_formula,
)
from tests.conftest import ZONE


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, second, tz=ZONE)


@pytest.mark.parametrize(
    ("text", "instant", "has_time"),
    [
        ("2017-03-04", paris(2017, 3, 4), False),
        ("2017-3-4", paris(2017, 3, 4), False),
        ("2017/03/04", paris(2017, 3, 4), False),
        ("2017-03-04 14:30", paris(2017, 3, 4, 14, 30), True),
        ("2017-03-04T14:30:15", paris(2017, 3, 4, 14, 30, 15), True),
        ("2017-03-04T14:30:00Z", pendulum.datetime(2017, 3, 4, 14, 30), True),
        ("2017-03-04T14:30:00.123+02:00", pendulum.datetime(2017, 3, 4, 12, 30), True),
        ("31.12.2017", paris(2017, 12, 31), False),
        ("4 Mar 2017", paris(2017, 3, 4), False),
        ("04-Mar-17", paris(2017, 3, 4), False),
        ("March 4, 2017", paris(2017, 3, 4), False),
        ("Mar 4 2017 9:05 pm", paris(2017, 3, 4, 21, 5), True),
    ],
)
def test_dates_in_many_forms(
    text: str, instant: pendulum.DateTime, has_time: bool
) -> None:
    read = DateReader(ZONE).read(text)

    assert read is not None
    assert read.instant == instant
    assert read.has_time is has_time


def test_numeric_dates_follow_the_order_first_proven() -> None:
    reader = DateReader(ZONE)

    first = reader.read("13/04/2017")
    second = reader.read("03/04/17")

    assert reader.order is DateOrder.DAY_FIRST
    assert first is not None and first.instant == paris(2017, 4, 13)
    assert second is not None and second.instant == paris(2017, 4, 3)
    with pytest.raises(InvalidInput, match="not a day-first date"):
        reader.read("12/13/2017")


def test_a_numeric_date_before_any_proof_is_ambiguous() -> None:
    with pytest.raises(AmbiguousDate, match="4 March or 3 April"):
        DateReader(ZONE).read("04/03/2017")

    read = DateReader(ZONE, DateOrder.MONTH_FIRST).read("04/03/2017")
    assert read is not None and read.instant == paris(2017, 4, 3)


def test_dates_shift_by_whole_days() -> None:
    read = DateReader(ZONE, shift_days=10).read("2017-12-31 10:00")

    assert read is not None and read.instant == paris(2018, 1, 10, 10)


@pytest.mark.parametrize(
    "text", ["soon", "2017-02-30", "13:00", "1/2/3/4", "Foo 4, 2017"]
)
def test_what_is_not_a_date(text: str) -> None:
    with pytest.raises(InvalidInput):
        DateReader(ZONE, DateOrder.DAY_FIRST).read(text)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1054", 105400),
        ("1,054.50", 105450),
        ("1.054,50", 105450),
        ("1,234,567", 123456700),
        ("99,5", 9950),
        ("12.50", 1250),
        ("$20,000.00", 2000000),
        ("€ 1 200", 120000),
        ("1\u00a0200,50 €", 120050),
        ("1'234.50", 123450),
        ("1200 EUR", 120000),
        ("", None),
    ],
)
def test_amounts(text: str, cents: int | None) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["-5", "a lot", "1e400", "1 2", "1.999", "0,001"])
def test_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1,054", "1.054", "$1,500"])
def test_one_mark_before_three_digits_reads_both_ways(text: str) -> None:
    with pytest.raises(AmbiguousAmount, match="--decimal-point or --decimal-comma"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "mark", "cents"),
    [("1,054", ".", 105400), ("1.054", ",", 105400), ("1.054,5", ",", 105450)],
)
def test_amounts_in_a_files_decimal_mark(text: str, mark: str, cents: int) -> None:
    assert parse_amount(text, mark) == cents


def test_a_file_shows_its_decimal_mark_once_for_all_its_amounts() -> None:
    amounts = AmountReader()

    assert amounts.read("2.500,00") == 250000
    assert amounts.mark == ","
    assert amounts.read("1.234") == 123400  # not 1.23
    with pytest.raises(InvalidInput, match="more than two decimals"):
        amounts.read("1,234")
    with pytest.raises(InvalidInput, match="this file's amounts use ','"):
        amounts.read("1,234.50")


def test_an_amount_that_reads_both_ways_waits_for_the_file_to_say() -> None:
    with pytest.raises(AmbiguousAmount, match=r"'1\.234' could be 1234 or 1\.234"):
        AmountReader().read("1.234")

    assert AmountReader(",").read("1.234") == 123400
    assert AmountReader(".").read("1,234") == 123400


def test_flags() -> None:
    assert (
        parse_flag("Yes")
        and parse_flag("x")
        and not parse_flag("")
        and not parse_flag("no")
    )
    with pytest.raises(InvalidInput, match="yes or no"):
        parse_flag("maybe")


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+SUM(1)",
        "-x",
        "@me",
        "\tx",
        "\r1",
        "+1|cmd",
        "'=x",
        "''+x",
        "'+33 6",
        "-2+3",
        "-5",
        "+1+1",
    ],
)
def test_guarding_formulas_is_undone_exactly(text: str) -> None:
    guarded = guard_formula(text)

    assert unguard_formula(guarded) == text
    assert guarded[:1] not in ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize(
    "text",
    ["+33 6 12 34 56 78", "+1 (555) 010-0199", "+44/20.7946", "plain", ""],
)
def test_phone_numbers_and_plain_text_are_left_as_typed(text: str) -> None:
    assert guard_formula(text) == text
    assert unguard_formula(text) == text


def test_header_keys_drop_punctuation_and_pipedrives_prefix() -> None:
    assert header_key("Deal - Won time") == "won time"
    assert header_key("Deal - Deal created") == "created"
    assert header_key("opportunity_id") == "opportunity id"
    assert header_key("Probability (%)") == "probability"
    assert header_key("Deal") == "deal"


def test_several_columns_feed_one_field_best_first() -> None:
    columns = map_columns(["Lost time", "Won time", "Title", "Owner", "Color"])

    assert columns.columns_of("closed") == ("Won time", "Lost time")
    assert columns.owner_candidates == ("Owner",)
    assert columns.unused == ("Color",)


def test_a_due_date_column_is_the_steps_due_time() -> None:
    columns = map_columns(["Name", "Next step", "Due date"])
    assert columns.columns_of("due") == ("Due date",)


def test_a_mapping_by_hand_wins_and_may_ignore() -> None:
    columns = map_columns(
        ["Title", "Notes", "Memo"], {"Memo": "notes", "Title": "ignore"}
    )

    assert columns.columns_of("notes") == ("Notes", "Memo")
    assert "name" not in columns.fields
    assert columns.unused == ()


def test_stages_known_chosen_and_counted() -> None:
    stages = StageMap({"parked": State.DROPPED})

    assert stages.state("Closed Won") is State.WON
    assert stages.state("closedlost") is State.DROPPED
    assert stages.state("Negotiation/Review") is State.OPEN
    assert stages.state("Parked") is State.DROPPED
    assert stages.state("Parked") is State.DROPPED
    assert stages.state("") is State.OPEN
    assert stages.seen["Parked"] == (State.DROPPED, 2)
    with pytest.raises(InvalidInput, match="--stage 'On ice=open'"):
        stages.state("On ice")
