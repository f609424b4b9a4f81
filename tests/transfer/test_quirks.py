"""One small file per quirk of real exports, each with the leads it must give."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.importing import LOST_NOTE, TRIAGE_ACTION, BadRow
from nextstep_tui.core.model import DropReason, Lead, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.transfer import csv_import
from nextstep_tui.transfer.csv_import import summary
from nextstep_tui.transfer.dates import AmbiguousDate, DateOrder
from tests.conftest import ZONE
from tests.transfer.helpers import dump, import_file, quirk, write


def leads(pipeline: Pipeline) -> list[Lead]:
    return list(pipeline.leads())


def local(lead_time: pendulum.DateTime | None) -> str:
    assert lead_time is not None
    return lead_time.in_timezone(ZONE).format("YYYY-MM-DD HH:mm")


def test_utf8_with_a_byte_order_mark(pipeline: Pipeline) -> None:
    result = import_file(pipeline, quirk("utf8_bom.csv"))

    [lead] = leads(pipeline)
    assert result.plan.encoding == "utf-8-sig"
    assert lead.name == "Café Crème"  # not "\ufeffName" as a column
    assert lead.fields.email == "anne@creme.fr"


def test_windows_1252(pipeline: Pipeline) -> None:
    result = import_file(pipeline, quirk("windows_1252.csv"))

    first, second = leads(pipeline)
    assert result.plan.encoding == "cp1252"
    assert first.name == "Zoë Müller"
    assert first.company == "Société Générale"
    assert first.fields.value_cents == 120050
    assert second.company == "Café “Chez Jo”"


def test_semicolons_decimal_commas_and_dotted_dates(pipeline: Pipeline) -> None:
    result = import_file(
        pipeline,
        quirk("semicolon.csv"),
        mapping={"Firma": "company", "Betrag": "value"},
    )

    first, second = leads(pipeline)
    assert result.plan.delimiter == ";"
    assert first.company == "Müller GmbH"
    assert first.fields.value_cents == 123456
    assert second.fields.value_cents == 9950
    assert local(first.created_at) == "2017-12-31 00:00"
    assert local(second.created_at) == "2018-01-02 00:00"


def test_tabs(pipeline: Pipeline) -> None:
    result = import_file(pipeline, quirk("tab.tsv"))

    first, second = leads(pipeline)
    assert result.plan.delimiter == "\t"
    assert first.fields.phone == "+44 20 7946 0958"
    assert second.fields.phone == "(555) 010-0199"


def test_quoted_delimiters_quotes_and_new_lines(pipeline: Pipeline) -> None:
    import_file(pipeline, quirk("quoted.csv"))

    first, second = leads(pipeline)
    assert first.name == "Acme, Inc."
    assert first.company == 'Acme "The Best" Corp'
    assert first.fields.notes == "first line\nsecond line, with a comma"
    assert second.name == "Globex"


def test_an_unclosed_quote_stops_at_the_line_it_opens(pipeline: Pipeline) -> None:
    before = dump(pipeline.db)

    with pytest.raises(BadRow) as stopped:
        import_file(pipeline, quirk("unclosed_quote.csv"))

    assert str(stopped.value) == (
        "Line 3: a quoted cell starts on this line and is never closed; add the "
        'missing closing quote (") or take out the stray opening one.'
    )
    assert dump(pipeline.db) == before


def test_a_stray_quote_swallows_no_rows_even_in_a_dry_run(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    rows = [f"Lead{n},Acme,lead{n}@acme.test" for n in range(60)]
    rows[10] = '"Lead9 typo,Acme,typo@acme.test'
    path = write(tmp_path / "stray.csv", "Name,Company,Email\n" + "\n".join(rows))

    for dry_run in (True, False):
        with pytest.raises(BadRow, match=r"^Line 12: a quoted cell .* never closed"):
            import_file(pipeline, path, dry_run=dry_run)
    assert leads(pipeline) == []


def test_a_quote_closed_too_far_away_stops_at_the_line_limit(
    pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [f"Lead{n},Acme" for n in range(20)]
    rows[2] = '"Lead2 typo,Acme'
    rows[15] = 'Screen 27",Acme'  # as CSV reads it, this closes line 4's quote
    path = write(tmp_path / "far.csv", "Name,Company\r\n" + "\r\n".join(rows))
    monkeypatch.setattr(csv_import, "MAX_RECORD_LINES", 5)

    with pytest.raises(BadRow, match=r"^Line 4: .* not closed within 5 lines"):
        import_file(pipeline, path)
    assert leads(pipeline) == []


def test_a_quote_inside_a_quoted_cell_must_be_doubled(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = write(tmp_path / "q.csv", 'Name,Company\r\nAcme,"Acme "Best" Corp"\r\n')

    with pytest.raises(BadRow, match=r"^Line 2: .*quoted cell is written twice"):
        import_file(pipeline, path)
    assert leads(pipeline) == []


def test_a_decimal_comma_shown_anywhere_in_the_head_holds_for_the_file(
    pipeline: Pipeline,
) -> None:
    result = import_file(pipeline, quirk("decimal_comma_late.csv"))

    first, second = leads(pipeline)
    assert first.fields.value_cents == 123400  # 1.234 is 1234, not 1.23
    assert second.fields.value_cents == 250000
    assert "Amounts: decimal comma (found in the file)." in summary(result, "today")


def test_an_amount_that_reads_both_ways_stops_and_asks(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = write(tmp_path / "a.csv", "Name,Value\r\nAcme,1.234\r\nGlobex,900\r\n")

    with pytest.raises(
        BadRow,
        match=r"^Line 2: column 'Value': '1.234' could be 1234 or 1.234; rerun with "
        "--decimal-point or --decimal-comma",
    ):
        import_file(pipeline, path)
    assert leads(pipeline) == []

    result = import_file(pipeline, path, decimal_mark=",")
    assert leads(pipeline)[0].fields.value_cents == 123400
    assert "Amounts: decimal comma (as asked)." in summary(result, "today")


def test_three_decimals_are_refused_not_rounded(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = write(tmp_path / "a.csv", "Name,Value\r\nAcme,12.50\r\nGlobex,1.999\r\n")

    with pytest.raises(BadRow, match=r"^Line 3: column 'Value': .*two decimals"):
        import_file(pipeline, path)
    assert leads(pipeline) == []


def test_us_dates_with_times(pipeline: Pipeline) -> None:
    result = import_file(pipeline, quirk("us_dates.csv"))

    won, still_open = leads(pipeline)
    assert result.date_order is DateOrder.MONTH_FIRST
    assert local(won.created_at) == "2017-03-04 14:30"
    assert local(won.closed_at) == "2017-12-25 00:00"
    assert won.state is State.WON
    assert local(still_open.created_at) == "2017-01-05 00:00"


def test_day_first_dates(pipeline: Pipeline) -> None:
    result = import_file(pipeline, quirk("dayfirst_dates.csv"))

    first, second = leads(pipeline)
    assert result.date_order is DateOrder.DAY_FIRST
    assert local(first.created_at) == "2017-04-03 00:00"
    assert local(second.created_at) == "2017-12-25 00:00"


def test_ambiguous_dates_stop_and_ask(pipeline: Pipeline) -> None:
    with pytest.raises(AmbiguousDate, match="--dayfirst or --monthfirst") as stopped:
        import_file(pipeline, quirk("ambiguous_dates.csv"))

    assert "'03/04/2017' (line 2, column 'Created')" in str(stopped.value)
    assert leads(pipeline) == []


def test_ambiguous_dates_read_as_asked(pipeline: Pipeline) -> None:
    import_file(
        pipeline, quirk("ambiguous_dates.csv"), date_order=DateOrder.MONTH_FIRST
    )

    first, _ = leads(pipeline)
    assert local(first.created_at) == "2017-03-04 00:00"


def test_an_ambiguous_date_after_the_head_stops_too(
    pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "".join(f"Lead {n},2017-01-{n:02d}\r\n" for n in range(1, 20))
    path = write(
        tmp_path / "late.csv", "Name,Created\r\n" + rows + "Late,03/04/2017\r\n"
    )
    monkeypatch.setattr(csv_import, "SAMPLE_BYTES", 64)

    with pytest.raises(BadRow, match=r"Line 21: .*--dayfirst or --monthfirst"):
        import_file(pipeline, path)
    assert leads(pipeline) == []


def test_a_bad_row_stops_with_its_line_and_changes_nothing(pipeline: Pipeline) -> None:
    import_file(pipeline, quirk("utf8_bom.csv"))
    before = dump(pipeline.db)

    with pytest.raises(BadRow) as stopped:
        import_file(pipeline, quirk("bad_row.csv"))

    assert stopped.value.line == 4
    assert str(stopped.value) == (
        "Line 4: column 'Created': '2017-02-30' is not a date that exists."
    )
    assert dump(pipeline.db) == before


def test_a_late_undecodable_byte_is_a_clean_error(
    pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = "Name,Company\r\n" + "".join(f"Lead {n},Acme\r\n" for n in range(10))
    path = tmp_path / "late.csv"
    path.write_bytes(head.encode() + "Zoë,Acme\r\n".encode("cp1252"))
    monkeypatch.setattr(csv_import, "SAMPLE_BYTES", 64)
    before = dump(pipeline.db)

    with pytest.raises(
        BadRow, match=r"Line 12: this is not UTF-8 \(byte 0xeb\).*cp1252"
    ):
        import_file(pipeline, path)

    assert dump(pipeline.db) == before
    import_file(pipeline, path, encoding="cp1252")
    assert leads(pipeline)[-1].name == "Zoë"


def test_old_mac_line_ends(pipeline: Pipeline) -> None:
    import_file(pipeline, quirk("mac_cr.csv"))

    assert [lead.company for lead in leads(pipeline)] == ["Acme Ltd", "Globex Corp"]


def test_excels_sep_line(pipeline: Pipeline) -> None:
    result = import_file(pipeline, quirk("excel_sep.csv"))

    [lead] = leads(pipeline)
    assert result.plan.delimiter == ";"
    assert lead.company == "Acme, Ltd"


def test_unknown_stage_asks_for_stage_option(pipeline: Pipeline) -> None:
    with pytest.raises(
        BadRow, match=r"Line 2: unknown stage 'Parked'.*--stage 'Parked=open'"
    ):
        import_file(pipeline, quirk("unknown_stage.csv"))

    import_file(pipeline, quirk("unknown_stage.csv"), stages={"parked": State.DROPPED})
    parked, won = leads(pipeline)
    assert parked.state is State.DROPPED
    assert won.state is State.WON


def test_guarded_formulas_lose_one_apostrophe(pipeline: Pipeline) -> None:
    import_file(pipeline, quirk("formulas.csv"))

    guarded, plain = leads(pipeline)
    assert guarded.name == '=HYPERLINK("http://x")'
    assert guarded.fields.phone == "+33 6 12 34 56 78"
    assert guarded.fields.notes == "-- call first"
    assert plain.fields.phone == "0612345678"
    assert plain.fields.notes == "'quoted but harmless"


def test_more_cells_than_the_header_is_a_bad_row(pipeline: Pipeline) -> None:
    with pytest.raises(BadRow, match="Line 3: it has 3 cells, the header 2"):
        import_file(pipeline, quirk("extra_cells.csv"))


def test_utf16_is_refused_with_advice(pipeline: Pipeline, tmp_path: Path) -> None:
    path = write(tmp_path / "unicode.txt", "Name\tCompany\r\nAcme\tAcme\r\n", "utf-16")

    with pytest.raises(InvalidInput, match=r"UTF-16.*CSV UTF-8"):
        import_file(pipeline, path)


def test_pipedrive_deals(pipeline: Pipeline) -> None:
    result = import_file(pipeline, quirk("pipedrive_deals.csv"))

    still_open, won, lost = leads(pipeline)
    assert result.plan.columns.profile == "Pipedrive deals"
    assert still_open.fields.external_id == "101"
    assert still_open.name == "Acme renewal"
    assert still_open.company == "Acme"
    assert still_open.fields.contact == "Ann Lee"
    assert still_open.fields.email == "ann@acme.com"
    assert still_open.fields.phone == "+1 555 0100"
    assert still_open.fields.value_cents == 500000
    assert still_open.owner == "ann"
    assert still_open.step is not None and still_open.step.action == TRIAGE_ACTION
    assert local(won.closed_at) == "2017-03-15 16:00"
    assert lost.state is State.DROPPED
    assert local(lost.closed_at) == "2017-02-20 11:00"
    assert lost.drop_reason is DropReason.OTHER
    assert lost.drop_note == "Too expensive"


def test_pipedrive_owner_on_request(pipeline: Pipeline) -> None:
    import_file(pipeline, quirk("pipedrive_deals.csv"), owner_from="Deal - Owner")

    assert {lead.owner for lead in leads(pipeline)} == {"Bob"}


def test_hubspot_deals(pipeline: Pipeline) -> None:
    result = import_file(pipeline, quirk("hubspot_deals.csv"))

    still_open, won, lost = leads(pipeline)
    assert result.plan.columns.profile == "HubSpot deals"
    assert still_open.name == "Acme - new logo"
    assert still_open.company == "Acme"
    assert still_open.fields.external_id == "9001"
    assert still_open.fields.value_cents == 250000
    assert local(still_open.created_at) == "2017-11-02 14:05"
    assert won.state is State.WON
    assert local(won.closed_at) == "2017-12-01 00:00"
    assert lost.drop_note == LOST_NOTE
    assert lost.fields.value_cents is None


def test_salesforce_opportunities(pipeline: Pipeline) -> None:
    result = import_file(pipeline, quirk("salesforce_opportunities.csv"))

    negotiating, won, lost = leads(pipeline)
    assert result.plan.columns.profile == "Salesforce opportunities"
    assert result.date_order is DateOrder.MONTH_FIRST
    assert negotiating.fields.external_id == "0061a000001"
    assert negotiating.fields.value_cents == 2000000
    assert negotiating.fields.source == "Web"
    assert negotiating.step is not None
    assert negotiating.step.action == "Send revised quote"
    assert negotiating.step.loose
    assert local(negotiating.created_at) == "2018-01-15 00:00"
    assert won.state is State.WON and lost.state is State.DROPPED


def test_close_opportunities(pipeline: Pipeline) -> None:
    # '$1,500' is all the file shows of its amounts: 1500, or 1.5 too precisely.
    with pytest.raises(BadRow, match=r"Line 2: .*'\$1,500' could be 1500 or 1.500"):
        import_file(pipeline, quirk("close_opportunities.csv"))
    result = import_file(pipeline, quirk("close_opportunities.csv"), decimal_mark=".")

    active, won, lost = leads(pipeline)
    assert result.plan.columns.profile == "Close opportunities"
    assert active.fields.external_id == "oppo_1"
    assert active.name == "Acme"  # Close's opportunities have no title
    assert active.fields.contact == "Ann Lee"
    assert active.fields.value_cents == 150000  # value_formatted, not cents
    assert active.fields.notes == "Wants a demo"
    assert local(active.created_at) == "2017-06-01 12:15"  # 10:15 UTC in Paris
    assert won.state is State.WON
    assert local(won.closed_at) == "2017-06-15 00:00"
    assert lost.state is State.DROPPED
