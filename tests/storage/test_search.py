"""The filter's full-text index: same answers as a scan, kept in step with writes,
and every list the screens page through served by an index."""

from __future__ import annotations

import pytest

from nextstep_tui.core.model import DropReason, LeadFields, ListView
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage import schema
from tests.core.helpers import step

NAMES = [
    ("Acme renewal", "Acme Corp", "wile@acme.test"),
    ("Globex pilot", "Globex", "hank@globex.test"),
    ("Initech upgrade", "Initech LLC", "bill@initech.test"),
    ('Quote "Q4" deal', "Umbrella", "ada@umbrella.test"),
    ("Zoë Café", "Crème SA", "zoe@creme.test"),
]


@pytest.fixture
def filled(pipeline: Pipeline) -> Pipeline:
    for name, company, email in NAMES:
        pipeline.add_lead(
            LeadFields(name, company=company, email=email),
            step(action=f"Call about {name.split()[0]}"),
        )
    return pipeline


def names(pipeline: Pipeline, text: str) -> list[str]:
    return sorted(lead.name for lead in pipeline.rows(ListView.ALL, text))


def scanned(pipeline: Pipeline, text: str) -> list[str]:
    """What a plain case-insensitive substring scan finds."""
    wanted = text.strip().casefold()
    return sorted(
        lead.name
        for lead in pipeline.rows(ListView.ALL, limit=1000)
        if any(
            wanted in value.casefold()
            for value in (
                lead.name,
                lead.fields.company,
                lead.fields.contact,
                lead.fields.email,
                lead.step.action if lead.step else "",
            )
        )
    )


def has_text_index(pipeline: Pipeline) -> bool:
    """SQLite's FTS5 table, or PostgreSQL's trigram index of the same name."""
    if schema.dialect(pipeline.db) == "sqlite":
        return pipeline.db.table_exists("lead_text")
    return any(index.name == "lead_text" for index in pipeline.db.get_indexes("lead"))


def test_the_text_index_exists(filled: Pipeline) -> None:
    assert has_text_index(filled)


@pytest.mark.parametrize(
    "text",
    [
        "acme",
        "ACME",
        "globex.test",
        "corp",
        "about",
        "Q4",
        '"Q4"',
        "zoë",
        "café",
        "ré",
        "a",
        "zz",
        "nothing here",
        " initech  ",
        "c*",
        "OR",
        "-acme",
    ],
)
def test_the_index_finds_what_a_scan_finds(filled: Pipeline, text: str) -> None:
    assert names(filled, text) == scanned(filled, text)
    assert filled.count(ListView.ALL, text) == len(scanned(filled, text))


def test_the_index_follows_renames_steps_and_closing(filled: Pipeline) -> None:
    [acme] = filled.rows(ListView.ALL, "acme renewal")
    filled.edit_lead(acme.id, LeadFields("Roadrunner deal", company="Acme Corp"))
    assert names(filled, "renewal") == []
    assert names(filled, "roadrunner") == ["Roadrunner deal"]

    filled.complete_step(acme.id, step(action="Send the contract"))
    assert names(filled, "contract") == ["Roadrunner deal"]
    assert names(filled, "call about roadrunner") == []

    filled.drop(acme.id, DropReason.TIMING)
    assert names(filled, "roadrunner") == []  # open leads only


def test_without_the_index_the_filter_scans(filled: Pipeline) -> None:
    if schema.dialect(filled.db) == "sqlite":
        filled.db.execute_sql("DROP TABLE lead_text")
    else:
        filled.db.execute_sql("DROP INDEX lead_text")
    assert not has_text_index(filled)
    assert names(filled, "acme") == scanned(filled, "acme") == ["Acme renewal"]


def plan(pipeline: Pipeline, query: object) -> str:
    sql, params = query.sql()  # type: ignore[attr-defined]
    rows = pipeline.db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return " | ".join(row[-1] for row in rows)


@pytest.mark.sqlite_only
def test_every_paged_list_is_a_range_scan_in_its_own_order(filled: Pipeline) -> None:
    """No list the screens page through scans the table or sorts it whole."""
    lists = {f"section {view.value}": filled.listing(view) for view in ListView}
    lists["filter"] = filled.listing(ListView.ALL, "acme")
    lists["cohort"] = filled.cohort_listing("2026-12")
    lists["dropped"] = filled.dropped_listing()
    for name, listing in lists.items():
        for segment in listing._segments:
            for query in (segment.ordered(), segment.ordered(backwards=True)):
                shown = plan(filled, query.limit(50))
                assert "SCAN t1" not in shown, (name, shown)
                assert "TEMP B-TREE" not in shown or view_sorts_small(name), (
                    name,
                    shown,
                )


def view_sorts_small(name: str) -> bool:
    # Hopium leads are few (postponed three times or more): they are found by
    # their count on an index and then sorted; the filter sorts what matched.
    return name in ("section hopium", "filter")
