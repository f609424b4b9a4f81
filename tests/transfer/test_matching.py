"""Rows that are leads already: updated in place, reported, or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextstep_tui.core import importing
from nextstep_tui.core.importing import BadRow, Outcome
from nextstep_tui.core.model import DropReason, LeadFields, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.transfer.csv_import import summary
from tests.core.helpers import step
from tests.transfer.helpers import dump, import_file, write


def add(pipeline: Pipeline, name: str, **facts: object) -> int:
    return pipeline.add_lead(LeadFields(name=name, **facts), step())  # type: ignore[arg-type]


def test_reimport_changes_nothing_and_says_so(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "a.csv", "id,Name,Email\r\n1,Acme,a@acme.test\r\n2,Globex,\r\n"
    )
    import_file(pipeline, path)
    before = dump(pipeline.db)

    report = import_file(pipeline, path).report

    assert not report.changed
    assert report.outcomes[Outcome.UNCHANGED] == 2
    assert dump(pipeline.db) == before


def test_external_id_match_updates_in_place_keeping_step_and_history(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    import_file(pipeline, write(tmp_path / "a.csv", "id,Name,Phone\r\nX1,Acme,\r\n"))
    [lead] = pipeline.leads()
    pipeline.complete_step(lead.id, step("Demo to the CFO"))
    history = pipeline.history(lead.id)

    path = write(tmp_path / "b.csv", "id,Name,Phone\r\nX1,Acme Corp,+1 555 0100\r\n")
    report = import_file(pipeline, path).report

    updated = pipeline.get(lead.id)
    assert report.outcomes[Outcome.UPDATED] == 1
    assert updated.name == "Acme Corp"
    assert updated.fields.phone == "+1 555 0100"
    assert updated.step is not None and updated.step.action == "Demo to the CFO"
    assert updated.version == lead.version + 2
    new_history = pipeline.history(lead.id)
    assert new_history[: len(history)] == history
    assert new_history[-1].kind == "edited"
    assert new_history[-1].data == {
        "name": ["Acme", "Acme Corp"],
        "phone": ["", "+1 555 0100"],
    }


def test_blank_cells_erase_nothing(pipeline: Pipeline, tmp_path: Path) -> None:
    lead_id = add(pipeline, "Acme", phone="+1 555 0100", email="a@acme.test")

    report = import_file(
        pipeline, write(tmp_path / "a.csv", "Email,Phone,Name\r\na@acme.test,,Acme\r\n")
    ).report

    assert report.outcomes[Outcome.UNCHANGED] == 1
    assert pipeline.get(lead_id).fields.phone == "+1 555 0100"


def test_email_matches_without_case_or_spaces(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    lead_id = add(pipeline, "Acme", email="Jo.Doe@Acme.test")

    path = write(
        tmp_path / "a.csv",
        "Name,Email,Company,id\r\nAcme, jo.doe @ACME.test ,Acme Ltd,CRM-7\r\n",
    )
    report = import_file(pipeline, path).report

    lead = pipeline.get(lead_id)
    assert report.outcomes[Outcome.UPDATED] == 1
    assert pipeline.count() == 1
    assert lead.company == "Acme Ltd"
    assert lead.fields.external_id == "CRM-7"  # the lead had none: it takes the file's


def test_another_deal_of_the_same_person_is_a_new_lead(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    import_file(
        pipeline,
        write(tmp_path / "a.csv", "id,Name,Email\r\nD1,Deal one,jo@acme.test\r\n"),
    )

    path = write(tmp_path / "b.csv", "id,Name,Email\r\nD2,Deal two,jo@acme.test\r\n")
    report = import_file(pipeline, path).report

    assert report.outcomes[Outcome.CREATED] == 1
    assert [lead.name for lead in pipeline.leads()] == ["Deal one", "Deal two"]


def test_dropped_match_is_reported_not_reopened(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    lead_id = add(pipeline, "Acme", email="a@acme.test")
    pipeline.drop(lead_id, DropReason.NO_BUDGET)
    before = dump(pipeline.db)

    path = write(
        tmp_path / "a.csv", "Name,Email,Stage\r\nAcme again,a@acme.test,Qualified\r\n"
    )
    report = import_file(pipeline, path).report

    assert report.outcomes[Outcome.DROPPED_MATCH] == 1
    [flag] = report.flagged
    assert (flag.line, flag.outcome, flag.lead_ids) == (
        2,
        Outcome.DROPPED_MATCH,
        (lead_id,),
    )
    assert flag.detail == "the file says open"
    assert not report.changed
    assert dump(pipeline.db) == before
    assert pipeline.get(lead_id).state is State.DROPPED


def test_a_dropped_row_may_update_a_dropped_lead(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    lead_id = add(pipeline, "Acme", email="a@acme.test")
    pipeline.drop(lead_id, DropReason.NO_BUDGET)

    path = write(
        tmp_path / "a.csv", "Name,Email,Stage,Phone\r\nAcme,a@acme.test,Lost,555\r\n"
    )
    report = import_file(pipeline, path).report

    assert report.outcomes[Outcome.UPDATED] == 1
    assert pipeline.get(lead_id).fields.phone == "555"


def test_a_state_that_differs_is_flagged_and_left(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    lead_id = add(pipeline, "Acme", email="a@acme.test")

    path = write(tmp_path / "a.csv", "Name,Email,Stage\r\nAcme,a@acme.test,Won\r\n")
    report = import_file(pipeline, path).report

    assert report.outcomes[Outcome.STATE_DIFFERS] == 1
    assert report.outcomes[Outcome.UNCHANGED] == 1
    assert pipeline.get(lead_id).state is State.OPEN


def test_an_email_on_two_leads_is_ambiguous(pipeline: Pipeline, tmp_path: Path) -> None:
    first = add(pipeline, "Acme", email="a@acme.test")
    second = add(pipeline, "Acme too", email="A@acme.test")

    path = write(tmp_path / "a.csv", "Name,Email\r\nAcme,a@acme.test\r\n")
    report = import_file(pipeline, path).report

    [flag] = report.flagged
    assert flag.outcome is Outcome.AMBIGUOUS
    assert flag.lead_ids == (first, second)
    assert pipeline.count() == 2


def test_two_rows_for_one_lead_update_it_once(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    lead_id = add(pipeline, "Acme", email="a@acme.test")

    path = write(
        tmp_path / "a.csv", "Name,Email\r\nAcme,a@acme.test\r\nAcme 2,a@acme.test\r\n"
    )
    report = import_file(pipeline, path).report

    assert report.outcomes[Outcome.SAME_LEAD] == 1
    assert report.flagged[0].line == 3
    assert pipeline.get(lead_id).name == "Acme"


def test_an_id_twice_in_one_file_is_a_bad_row(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "a.csv", "id,Name\r\nX1,Acme\r\nX2,Globex\r\nX1,Initech\r\n"
    )

    with pytest.raises(BadRow, match="Line 4: the id 'X1' is already on line 2"):
        import_file(pipeline, path)
    assert pipeline.count() == 0


def test_dry_run_reports_and_writes_nothing(pipeline: Pipeline, tmp_path: Path) -> None:
    add(pipeline, "Acme", email="a@acme.test")
    before = dump(pipeline.db)

    path = write(
        tmp_path / "a.csv", "Name,Email\r\nAcme Ltd,a@acme.test\r\nGlobex,\r\n"
    )
    report = import_file(pipeline, path, dry_run=True).report

    assert report.dry_run
    assert report.outcomes[Outcome.CREATED] == 1
    assert report.outcomes[Outcome.UPDATED] == 1
    assert dump(pipeline.db) == before


def test_open_rows_with_a_step_keep_it_even_if_overdue(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "a.csv",
        "name,state,step,due,agreed,advances,postponed\r\n"
        "Acme,open,Call the CFO,2026-11-30 10:00,yes,no,4\r\n",
    )
    report = import_file(pipeline, path).report

    [lead] = pipeline.leads()
    assert report.triaged == 0
    assert lead.step is not None
    assert lead.step.action == "Call the CFO"
    assert lead.step.has_time and lead.step.agreed and not lead.step.advances
    assert lead.step.postponed == 4 and lead.hopium
    assert [event.kind for event in pipeline.history(lead.id)] == [
        "created",
        "step_set",
    ]


def test_an_id_twice_in_far_apart_batches_is_a_bad_row(
    pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH", 2)
    rows = "X1,Acme\r\nX2,Globex\r\nX3,Initech\r\nX1,Umbrella\r\n"
    path = write(tmp_path / "a.csv", "id,Name\r\n" + rows)

    with pytest.raises(BadRow, match="Line 5: the id 'X1' is on an earlier line"):
        import_file(pipeline, path)
    assert pipeline.count() == 0


def test_an_existing_id_twice_in_one_file_is_a_bad_row(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    import_file(pipeline, write(tmp_path / "a.csv", "id,Name\r\nX1,Acme\r\n"))

    path = write(tmp_path / "b.csv", "id,Name\r\nX1,Acme\r\nX1,Acme Ltd\r\n")
    with pytest.raises(BadRow, match="Line 3: the id 'X1' is already on line 2"):
        import_file(pipeline, path)


def test_one_email_twice_in_a_file_is_one_lead(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "a.csv", "Name,Email\r\nDup,dup@x.com\r\nDup again, DUP@X.COM \r\n"
    )

    report = import_file(pipeline, path).report

    [lead] = pipeline.leads()
    assert lead.name == "Dup"
    assert report.outcomes[Outcome.CREATED] == 1
    [flag] = report.flagged
    assert (flag.line, flag.outcome, flag.lead_ids, flag.detail) == (
        3,
        Outcome.SAME_LEAD,
        (lead.id,),
        "as line 2",
    )

    again = import_file(pipeline, path).report
    assert again.outcomes[Outcome.AMBIGUOUS] == 0
    assert again.outcomes[Outcome.SAME_LEAD] == 1
    assert pipeline.count() == 1


def test_one_email_in_far_apart_batches_is_one_lead(
    pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH", 2)
    rows = "Acme,jo@acme.test\r\nGlobex,\r\nInitech,\r\nAcme too,JO@acme.test\r\n"
    path = write(tmp_path / "a.csv", "Name,Email\r\n" + rows)

    report = import_file(pipeline, path).report

    assert [lead.name for lead in pipeline.leads()] == ["Acme", "Globex", "Initech"]
    assert [(flag.line, flag.detail) for flag in report.flagged] == [(5, "as line 2")]


def test_two_deals_of_one_person_in_one_file_are_two_leads(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "a.csv",
        "id,Name,Email\r\nD1,Deal one,jo@acme.test\r\nD2,Deal two,jo@acme.test\r\n",
    )

    report = import_file(pipeline, path).report

    assert report.outcomes[Outcome.CREATED] == 2
    assert [lead.name for lead in pipeline.leads()] == ["Deal one", "Deal two"]


def test_a_row_finds_the_lead_an_earlier_row_gave_a_new_email(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    import_file(
        pipeline, write(tmp_path / "a.csv", "id,Name,Email\r\nX1,Acme,old@a.test\r\n")
    )

    path = write(
        tmp_path / "b.csv",
        "id,Name,Email\r\nX1,Acme,new@a.test\r\n,Acme 2,NEW@a.test\r\n",
    )
    report = import_file(pipeline, path).report

    [lead] = pipeline.leads()
    assert lead.fields.email == "new@a.test"
    assert [(flag.line, flag.outcome) for flag in report.flagged] == [
        (3, Outcome.SAME_LEAD)
    ]


def test_rows_nothing_can_recognise_are_counted_and_told(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = write(tmp_path / "names.csv", "Name,Email\nAcme,\nGlobex,g@x.test\n")
    result = import_file(pipeline, path)

    assert result.report.keyless == 1  # Acme: no id, no email
    assert any(
        "importing this file again would add them again" in line
        for line in summary(result, "2026-12-04")
    )
