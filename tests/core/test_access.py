"""Who may see and change which leads, in a personal and in a team database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nextstep_tui.core.access import Access, personal
from nextstep_tui.core.errors import InvalidInput, NotFound, WrongState
from nextstep_tui.core.importing import BadRow
from nextstep_tui.core.model import ListView, State
from nextstep_tui.core.pipeline import Pipeline
from tests.conftest import Clock
from tests.core.helpers import fields, step
from tests.transfer.helpers import import_file, write

TEAM = frozenset({"ann", "bob", "maria"})

As = Callable[..., Pipeline]


@pytest.fixture
def as_rep(pipeline: Pipeline, clock: Clock) -> As:
    """The same database seen by another login of the team ``sales``."""

    def make(rep: str, manager: bool = False, owner: str | None = None) -> Pipeline:
        access = Access(
            rep=rep, team="sales", manager=manager, members=TEAM, managers=("maria",)
        )
        return Pipeline(
            pipeline.db,
            rep=rep,
            zone=pipeline.zone,
            access=access,
            owner=owner,
            clock=clock,
        )

    return make


def test_a_personal_database_is_all_its_owners(pipeline: Pipeline) -> None:
    access = personal("ann")
    assert access.sees_all and access.may_change("whoever")
    with pytest.raises(WrongState, match="personal database"):
        access.check_reassign("bob")


def test_a_rep_sees_and_changes_only_their_own(as_rep: As) -> None:
    ann, bob = as_rep("ann"), as_rep("bob")
    anns = ann.add_lead(fields("Acme"), step())
    bobs = bob.add_lead(fields("Globex"), step())

    assert [lead.id for lead in ann.rows()] == [anns]
    assert [lead.id for lead in bob.rows()] == [bobs]
    assert ann.health().open == 1
    with pytest.raises(NotFound) as other:
        ann.get(bobs)
    with pytest.raises(NotFound) as nobodys:
        ann.get(bobs + 1000)
    # The same words: neither whose it is nor whether it exists.
    assert str(other.value).replace(str(bobs), "N") == str(nobodys.value).replace(
        str(bobs + 1000), "N"
    )
    with pytest.raises(NotFound):
        ann.history(bobs)
    with pytest.raises(NotFound, match="not in your pipeline; you see and change"):
        ann.win(bobs)
    with pytest.raises(NotFound):
        ann.add_note(bobs, "sneaky")
    with pytest.raises(NotFound):
        ann.edit_lead(bobs, fields("Mine now"))
    assert bob.get(bobs).state is State.OPEN
    assert bob.get(bobs).name == "Globex"


def test_a_rep_cannot_look_at_another_reps_pipeline(as_rep: As) -> None:
    ann = as_rep("ann")
    with pytest.raises(WrongState, match="Only a manager"):
        ann.view_rep("bob")
    with pytest.raises(WrongState, match="Only a manager"):
        ann.view_rep(None)
    ann.view_rep("ann")  # their own is fine
    # Asking for someone else's at creation still shows the rep their own.
    assert as_rep("ann", owner="bob").owner == "ann"


def test_a_rep_cannot_reassign(as_rep: As) -> None:
    ann = as_rep("ann")
    anns = ann.add_lead(fields(), step())
    with pytest.raises(WrongState, match="ask maria"):
        ann.reassign(anns, "bob")
    assert ann.get(anns).owner == "ann"


def test_a_manager_sees_everyone_and_filters_by_rep(as_rep: As) -> None:
    as_rep("ann").add_lead(fields("Acme"), step())
    as_rep("bob").add_lead(fields("Globex"), step())
    as_rep("bob").add_lead(fields("Hooli"), step())
    maria = as_rep("maria", manager=True)

    assert {lead.name for lead in maria.rows()} == {"Acme", "Globex", "Hooli"}
    assert maria.reps() == [("ann", 1), ("bob", 2), ("maria", 0)]
    maria.view_rep("bob")
    assert {lead.name for lead in maria.rows()} == {"Globex", "Hooli"}
    assert maria.health().open == 2
    assert maria.count(ListView.ALL, "hoo") == 1
    maria.view_rep(None)
    assert maria.health().open == 3
    with pytest.raises(InvalidInput, match="nosuch is not in the team sales"):
        maria.view_rep("nosuch")
    assert maria.owner is None
    # A rep's own list of reps is just them.
    assert as_rep("ann").reps() == [("ann", 1)]


def test_a_manager_reassigns_with_history_and_tally(as_rep: As) -> None:
    ann, bob = as_rep("ann"), as_rep("bob")
    lead_id = ann.add_lead(fields("Acme"), step())
    maria = as_rep("maria", manager=True)
    version = maria.get(lead_id).version

    maria.reassign(lead_id, "bob", expected_version=version)

    assert ann.count() == 0 and ann.health().open == 0
    assert [lead.id for lead in bob.rows()] == [lead_id]
    assert bob.health().open == 1
    last = bob.history(lead_id)[-1]
    assert (last.kind, last.actor, last.data) == (
        "edited",
        "maria",
        {"owner": ["ann", "bob"]},
    )
    # Bob may now work it; Ann may not.
    bob.add_note(lead_id, "mine now")
    with pytest.raises(NotFound):
        ann.add_note(lead_id, "still mine?")


def test_reassign_goes_only_to_the_team(as_rep: As) -> None:
    lead_id = as_rep("ann").add_lead(fields(), step())
    maria = as_rep("maria", manager=True)
    with pytest.raises(InvalidInput, match="mallory is not in the team sales"):
        maria.reassign(lead_id, "mallory")
    with pytest.raises(InvalidInput):
        maria.reassign(lead_id, "  ")
    assert maria.get(lead_id).owner == "ann"


def test_reassign_checks_the_version_read(as_rep: As) -> None:
    from nextstep_tui.core.errors import Conflict

    ann = as_rep("ann")
    lead_id = ann.add_lead(fields(), step())
    maria = as_rep("maria", manager=True)
    stale = maria.get(lead_id).version
    ann.add_note(lead_id, "a note does not change the row")
    ann.edit_lead(lead_id, fields("Acme Renamed"))
    with pytest.raises(Conflict):
        maria.reassign(lead_id, "bob", expected_version=stale)


def test_a_manager_adds_for_the_rep_shown(as_rep: As) -> None:
    maria = as_rep("maria", manager=True, owner="bob")
    lead_id = maria.add_lead(fields(), step())
    assert maria.get(lead_id).owner == "bob"
    assert maria.history(lead_id)[0].actor == "maria"


def test_a_rep_imports_only_their_own(as_rep: As, tmp_path: Path) -> None:
    csv = write(
        tmp_path / "deals.csv",
        "name,owner,next step,due\n"
        "Acme,ann,Demo,2026-12-10\n"
        "Globex,bob,Call,2026-12-11\n",
    )
    ann = as_rep("ann")
    with pytest.raises(BadRow, match="Line 3: Only a manager can give a lead to bob"):
        import_file(ann, csv, owner_from="owner", date_order="ymd")
    assert as_rep("maria", manager=True).count() == 0  # all or nothing

    maria = as_rep("maria", manager=True)
    import_file(maria, csv, owner_from="owner", date_order="ymd")
    assert {(lead.name, lead.owner) for lead in maria.rows()} == {
        ("Acme", "ann"),
        ("Globex", "bob"),
    }


def test_a_rep_cannot_update_another_reps_lead_by_import(
    as_rep: As, tmp_path: Path
) -> None:
    as_rep("bob").add_lead(fields("Globex", email="cto@globex.test"), step())
    csv = write(tmp_path / "deals.csv", "name,email\nGlobex Renamed,cto@globex.test\n")
    with pytest.raises(BadRow, match="which is not in your pipeline"):
        import_file(as_rep("ann"), csv)
    assert as_rep("bob").rows()[0].name == "Globex"
