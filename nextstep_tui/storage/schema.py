"""The schema, as numbered migrations, and the upgrade that applies them.

A migration is never edited once released: ``tests/data/schema_v1.db`` was
made by migration 1 and every later migration must upgrade it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import peewee

from nextstep_tui.core.errors import StorageError
from nextstep_tui.storage.postgres import CHANNEL as CHANGE_CHANNEL

log = logging.getLogger(__name__)

DROP_REASONS = (
    "no-budget",
    "no-fit",
    "no-response",
    "went-elsewhere",
    "timing",
    "other",
)
EVENT_KINDS = (
    "created",
    "step_set",
    "done",
    "postponed",
    "step_edited",
    "dropped",
    "recycled",
    "won",
    "note",
    "edited",
)


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _v1_sqlite(db: peewee.Database) -> None:
    statements = [
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        f"""CREATE TABLE lead (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            company TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            value_cents INTEGER,
            owner TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            external_id TEXT,
            notes TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'won', 'dropped')),
            step_action TEXT,
            step_due INTEGER,
            step_has_time INTEGER NOT NULL DEFAULT 0 CHECK (step_has_time IN (0, 1)),
            step_agreed INTEGER NOT NULL DEFAULT 0 CHECK (step_agreed IN (0, 1)),
            step_advances INTEGER NOT NULL DEFAULT 0 CHECK (step_advances IN (0, 1)),
            postponed INTEGER NOT NULL DEFAULT 0 CHECK (postponed >= 0),
            closed_at INTEGER,
            drop_reason TEXT CHECK (drop_reason IN ({_quoted(DROP_REASONS)})),
            drop_note TEXT NOT NULL DEFAULT '',
            recycle_on INTEGER,
            CONSTRAINT open_lead_has_a_step CHECK (
                state <> 'open'
                OR (step_action IS NOT NULL AND length(trim(step_action)) > 0
                    AND step_due IS NOT NULL)
            ),
            CONSTRAINT closed_lead_has_no_step CHECK (
                state = 'open' OR (step_action IS NULL AND step_due IS NULL)
            ),
            CONSTRAINT dropped_lead_has_a_reason CHECK (
                (state = 'dropped') = (drop_reason IS NOT NULL)
            )
        )""",
        f"""CREATE TABLE event (
            id INTEGER PRIMARY KEY,
            lead_id INTEGER NOT NULL REFERENCES lead (id) ON DELETE RESTRICT,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ({_quoted(EVENT_KINDS)})),
            data TEXT NOT NULL DEFAULT '{{}}'
        )""",
        """CREATE TRIGGER event_is_append_only_update BEFORE UPDATE ON event
           BEGIN SELECT RAISE(ABORT, 'history is append-only'); END""",
        """CREATE TRIGGER event_is_append_only_delete BEFORE DELETE ON event
           BEGIN SELECT RAISE(ABORT, 'history is append-only'); END""",
        "CREATE INDEX lead_open_by_due ON lead (state, step_due, id)",
        "CREATE INDEX lead_owner_by_due ON lead (owner, state, step_due, id)",
        "CREATE INDEX lead_recycle ON lead (state, recycle_on, id)",
        """CREATE UNIQUE INDEX lead_external_id ON lead (external_id)
           WHERE external_id IS NOT NULL""",
        "CREATE INDEX event_by_lead ON event (lead_id, id)",
    ]
    for sql in statements:
        db.execute_sql(sql)


def _v2_sqlite(db: peewee.Database) -> None:
    # A row version lets a save check it is not overwriting another session's.
    db.execute_sql("ALTER TABLE lead ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
    # Cohorts group by creation month; this index covers that query.
    db.execute_sql("CREATE INDEX lead_created ON lead (created_at, state)")


# The columns the pipeline's filter searches, kept in a trigram full-text
# index so that any three or more characters are found without a scan.
TEXT_COLUMNS = ("name", "company", "contact", "email", "step_action")


def _v3_sqlite(db: peewee.Database) -> None:
    # Each list the screens page through gets an index in its own order.
    for sql in (
        # Loose and firm steps, by due time: the Loose section, the health line.
        """CREATE INDEX lead_firm_by_due ON lead
           (state, (step_has_time AND step_agreed AND step_advances), step_due, id)""",
        "CREATE INDEX lead_hopium ON lead (state, postponed)",
        # A cohort month's open leads, oldest first.
        "CREATE INDEX lead_state_by_created ON lead (state, created_at, id)",
        # Dropped leads by recycle day, then those without one by when they
        # were dropped; it serves what lead_recycle did.
        "CREATE INDEX lead_dropped ON lead (state, recycle_on, closed_at, id)",
        "DROP INDEX lead_recycle",
    ):
        db.execute_sql(sql)
    if _has_trigram(db):
        _create_text_index(db)
    if db.table_exists("sqlite_stat1"):
        # Statistics on the old indexes but none on the new ones would lead
        # the planner to the new ones where the old serve better: refresh all.
        db.execute_sql("ANALYZE")


def _has_trigram(db: peewee.Database) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (3.34 and later)."""
    try:
        db.execute_sql(
            "CREATE VIRTUAL TABLE temp.probe USING fts5(x, tokenize='trigram')"
        )
    except peewee.DatabaseError:
        return False
    db.execute_sql("DROP TABLE temp.probe")
    return True


def _create_text_index(db: peewee.Database) -> None:
    columns = ", ".join(TEXT_COLUMNS)
    new = ", ".join(f"new.{name}" for name in TEXT_COLUMNS)
    old = ", ".join(f"old.{name}" for name in TEXT_COLUMNS)
    forget = (
        f"INSERT INTO lead_text (lead_text, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old});"
    )
    learn = f"INSERT INTO lead_text (rowid, {columns}) VALUES (new.id, {new});"
    for sql in (
        f"""CREATE VIRTUAL TABLE lead_text USING fts5({columns},
            content='lead', content_rowid='id', tokenize='trigram')""",
        "INSERT INTO lead_text (lead_text) VALUES ('rebuild')",
        f"CREATE TRIGGER lead_text_insert AFTER INSERT ON lead BEGIN {learn} END",
        f"""CREATE TRIGGER lead_text_update AFTER UPDATE OF {columns} ON lead
            BEGIN {forget} {learn} END""",
        f"CREATE TRIGGER lead_text_delete AFTER DELETE ON lead BEGIN {forget} END",
    ):
        db.execute_sql(sql)


def text_search(db: peewee.Database, text: str) -> peewee.SQL | None:
    """A subquery of the ids of leads whose text holds ``text``, from the index.

    None when the index cannot answer (fewer than three characters, or a
    database without it): the caller then scans. On PostgreSQL the scan's
    ILIKE is what the trigram index (if pg_trgm was there) serves: None too.
    """
    if dialect(db) != "sqlite":
        return None
    if len(text) < 3 or not db.table_exists("lead_text"):
        return None
    phrase = '"' + text.replace('"', '""') + '"'
    return peewee.SQL("(SELECT rowid FROM lead_text WHERE lead_text MATCH ?)", [phrase])


# Whitespace as SQLite's trim() must strip it: spaces, tabs, line ends.
# Also the no-break, zero-width and ideographic spaces and the byte-order
# mark, which print as nothing.
_BLANKS = "char(32, 9, 10, 11, 12, 13, 160, 8203, 8204, 8205, 8239, 8288, 12288, 65279)"

# The lead's rules again, as triggers: CHECK constraints miss a tab-only
# action and a text in an instant's column, and a connection may switch them
# off (PRAGMA ignore_check_constraints); triggers hold in every case. Each
# message starts with the rule's name, as the CHECK constraints' do.
LEAD_RULES = (
    (
        "open_lead_has_a_step",
        f"""NEW.state = 'open' AND (NEW.step_action IS NULL
            OR trim(NEW.step_action, {_BLANKS}) = ''
            OR typeof(NEW.step_due) <> 'integer')""",
    ),
    (
        "closed_lead_has_no_step",
        "NEW.state <> 'open' AND (NEW.step_action IS NOT NULL"
        " OR NEW.step_due IS NOT NULL)",
    ),
    (
        "dropped_lead_has_a_reason",
        "(NEW.state = 'dropped') <> (NEW.drop_reason IS NOT NULL)",
    ),
    ("lead_has_a_state", "NEW.state NOT IN ('open', 'won', 'dropped')"),
    ("lead_has_a_name", f"trim(NEW.name, {_BLANKS}) = '' OR NEW.name IS NULL"),
    (
        "instants_are_whole_seconds",
        """typeof(NEW.created_at) <> 'integer'
           OR typeof(NEW.closed_at) NOT IN ('integer', 'null')
           OR typeof(NEW.recycle_on) NOT IN ('integer', 'null')""",
    ),
    (
        "step_flags_are_yes_or_no",
        """NEW.step_has_time NOT IN (0, 1) OR NEW.step_agreed NOT IN (0, 1)
           OR NEW.step_advances NOT IN (0, 1)
           OR typeof(NEW.postponed) <> 'integer' OR NEW.postponed < 0""",
    ),
)


# Instants from year 1 to year 9999: what a date can show.
_INSTANT_RANGE = "BETWEEN -62135596800 AND 253402300799"

# Rules added in version 6. SQLite's REPLACE deletes the row in its way
# without firing delete triggers, so a lead is never replaced, its id never
# changes, and its external id never takes another lead's.
INSERT_RULES = (
    (
        "leads_are_never_replaced",
        """EXISTS (SELECT 1 FROM lead WHERE id = NEW.id)
           OR (NEW.external_id IS NOT NULL
               AND EXISTS (SELECT 1 FROM lead WHERE external_id = NEW.external_id))""",
    ),
)
UPDATE_RULES = (
    ("lead_ids_never_change", "NEW.id <> OLD.id"),
    (
        "leads_are_never_replaced",
        """NEW.external_id IS NOT NULL AND NEW.external_id IS NOT OLD.external_id
           AND EXISTS (SELECT 1 FROM lead
                       WHERE external_id = NEW.external_id AND id <> OLD.id)""",
    ),
)
RANGE_RULES = (
    (
        "instants_are_in_range",
        f"""NEW.created_at NOT {_INSTANT_RANGE}
            OR coalesce(NEW.step_due, 0) NOT {_INSTANT_RANGE}
            OR coalesce(NEW.closed_at, 0) NOT {_INSTANT_RANGE}
            OR coalesce(NEW.recycle_on, 0) NOT {_INSTANT_RANGE}""",
    ),
)


def _rule_triggers(db: peewee.Database, extra: bool) -> None:
    """The BEFORE INSERT and UPDATE triggers that check the lead's rules."""
    for when in ("INSERT", "UPDATE"):
        rules = LEAD_RULES
        if extra:
            own = INSERT_RULES if when == "INSERT" else UPDATE_RULES
            rules = (*rules, *RANGE_RULES, *own)
        checks = " ".join(
            f"SELECT RAISE(ABORT, '{name}') WHERE {broken};" for name, broken in rules
        )
        db.execute_sql(
            f"CREATE TRIGGER lead_rules_{when.lower()} BEFORE {when} ON lead "
            f"BEGIN {checks} END"
        )


def _v4_sqlite(db: peewee.Database) -> None:
    _rule_triggers(db, extra=False)
    # History refers to leads, so leads are never deleted (they are dropped),
    # even by a connection with foreign keys off; events need their lead.
    db.execute_sql(
        "CREATE TRIGGER lead_is_never_deleted BEFORE DELETE ON lead "
        "BEGIN SELECT RAISE(ABORT, 'leads are never deleted: drop them'); END"
    )
    db.execute_sql(
        "CREATE TRIGGER event_has_its_lead BEFORE INSERT ON event "
        "WHEN NOT EXISTS (SELECT 1 FROM lead WHERE id = NEW.lead_id) "
        "BEGIN SELECT RAISE(ABORT, 'an event needs its lead'); END"
    )


def _loose_of(row: str) -> str:
    return f"(NOT ({row}.step_has_time AND {row}.step_agreed AND {row}.step_advances))"


def _v5_sqlite(db: peewee.Database) -> None:
    # Open leads counted by owner, looseness and postponements, kept by the
    # same transactions that change leads: the health line reads a few rows
    # instead of counting every open lead.
    add = (
        "INSERT INTO lead_tally (owner, loose, postponed, n) "
        f"SELECT NEW.owner, {_loose_of('NEW')}, NEW.postponed, 1 "
        "WHERE NEW.state = 'open' "
        "ON CONFLICT (owner, loose, postponed) DO UPDATE SET n = n + 1;"
    )
    remove = (
        "UPDATE lead_tally SET n = n - 1 WHERE OLD.state = 'open' "
        f"AND owner = OLD.owner AND loose = {_loose_of('OLD')} "
        "AND postponed = OLD.postponed;"
    )
    for sql in (
        """CREATE TABLE lead_tally (
            owner TEXT NOT NULL,
            loose INTEGER NOT NULL,
            postponed INTEGER NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (owner, loose, postponed)
        ) WITHOUT ROWID""",
        f"""INSERT INTO lead_tally (owner, loose, postponed, n)
            SELECT owner, {_loose_of("lead")}, postponed, COUNT(*) FROM lead
            WHERE state = 'open' GROUP BY 1, 2, 3""",
        f"CREATE TRIGGER lead_tally_insert AFTER INSERT ON lead BEGIN {add} END",
        f"""CREATE TRIGGER lead_tally_update AFTER UPDATE OF state, owner,
            step_has_time, step_agreed, step_advances, postponed ON lead
            BEGIN {remove} {add} END""",
        f"CREATE TRIGGER lead_tally_delete AFTER DELETE ON lead BEGIN {remove} END",
    ):
        db.execute_sql(sql)


def open_tally(
    db: peewee.Database, owner: str | None, hopium_threshold: int
) -> tuple[int, int, int]:
    """Open leads (of ``owner``, or all): how many, how many loose, how many
    postponed ``hopium_threshold`` times or more, from the kept tally."""
    param = db.param
    where, params = (
        (f"WHERE owner = {param}", [owner]) if owner is not None else ("", [])
    )
    row = db.execute_sql(
        "SELECT COALESCE(SUM(n), 0), COALESCE(SUM(CASE WHEN loose THEN n END), 0), "
        f"COALESCE(SUM(CASE WHEN postponed >= {param} THEN n END), 0) "
        f"FROM lead_tally {where}",
        [hopium_threshold, *params],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def _v6_sqlite(db: peewee.Database) -> None:
    # The rules again, with replacing, id changes, out-of-range instants and
    # invisible blanks refused too.
    db.execute_sql("DROP TRIGGER lead_rules_insert")
    db.execute_sql("DROP TRIGGER lead_rules_update")
    _rule_triggers(db, extra=True)


# -- PostgreSQL ----------------------------------------------------------------
#
# The same tables, indexes and rules, in PostgreSQL's words: booleans for the
# step's flags, identity columns for ids, and the rules as plpgsql trigger
# functions. Its strict column types already refuse a text or a fraction in an
# instant's column, which SQLite needs a trigger for. Every rule raises a
# check_violation whose message is the rule's name, as on SQLite.

# What SQLite's trim() strips in _BLANKS, as one PostgreSQL string for btrim().
_PG_BLANKS = (
    "U&'"
    + "".join(
        f"\\{code:04x}"
        for code in (
            32,
            9,
            10,
            11,
            12,
            13,
            160,
            8203,
            8204,
            8205,
            8239,
            8288,
            12288,
            65279,
        )
    )
    + "'"
)


def _pg_refusal(name: str, message: str, when: str, target: str) -> list[str]:
    """A function and a row trigger that refuse ``when`` on ``target``."""
    return [
        f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION USING MESSAGE = '{message}',
                    ERRCODE = 'integrity_constraint_violation';
            END $$""",
        f"CREATE TRIGGER {name} BEFORE {when} ON {target} FOR EACH ROW "
        f"EXECUTE FUNCTION {name}()",
        # TRUNCATE passes row triggers by: refuse it as a statement.
        f"CREATE TRIGGER {name}_truncate BEFORE TRUNCATE ON {target} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def _v1_postgresql(db: peewee.Database) -> None:
    statements = [
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        f"""CREATE TABLE lead (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            company TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            value_cents BIGINT,
            owner TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            external_id TEXT,
            notes TEXT NOT NULL DEFAULT '',
            created_at BIGINT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'won', 'dropped')),
            step_action TEXT,
            step_due BIGINT,
            step_has_time BOOLEAN NOT NULL DEFAULT false,
            step_agreed BOOLEAN NOT NULL DEFAULT false,
            step_advances BOOLEAN NOT NULL DEFAULT false,
            postponed INTEGER NOT NULL DEFAULT 0 CHECK (postponed >= 0),
            closed_at BIGINT,
            drop_reason TEXT CHECK (drop_reason IN ({_quoted(DROP_REASONS)})),
            drop_note TEXT NOT NULL DEFAULT '',
            recycle_on BIGINT,
            CONSTRAINT open_lead_has_a_step CHECK (
                state <> 'open'
                OR (step_action IS NOT NULL AND length(trim(step_action)) > 0
                    AND step_due IS NOT NULL)
            ),
            CONSTRAINT closed_lead_has_no_step CHECK (
                state = 'open' OR (step_action IS NULL AND step_due IS NULL)
            ),
            CONSTRAINT dropped_lead_has_a_reason CHECK (
                (state = 'dropped') = (drop_reason IS NOT NULL)
            )
        )""",
        f"""CREATE TABLE event (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            lead_id BIGINT NOT NULL REFERENCES lead (id) ON DELETE RESTRICT,
            at BIGINT NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ({_quoted(EVENT_KINDS)})),
            data TEXT NOT NULL DEFAULT '{{}}'
        )""",
        *_pg_refusal(
            "event_is_append_only",
            "history is append-only",
            "UPDATE OR DELETE",
            "event",
        ),
        "CREATE INDEX lead_open_by_due ON lead (state, step_due, id)",
        "CREATE INDEX lead_owner_by_due ON lead (owner, state, step_due, id)",
        "CREATE INDEX lead_recycle ON lead (state, recycle_on, id)",
        """CREATE UNIQUE INDEX lead_external_id ON lead (external_id)
           WHERE external_id IS NOT NULL""",
        "CREATE INDEX event_by_lead ON event (lead_id, id)",
        # What SQLite's data_version tells a session: another one committed.
        # A notification is sent at commit, once per transaction.
        f"""CREATE FUNCTION nextstep_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('{CHANGE_CHANNEL}', '');
                RETURN NULL;
            END $$""",
        "CREATE TRIGGER lead_changed AFTER INSERT OR UPDATE OR DELETE ON lead "
        "FOR EACH STATEMENT EXECUTE FUNCTION nextstep_changed()",
        "CREATE TRIGGER event_changed AFTER INSERT ON event "
        "FOR EACH STATEMENT EXECUTE FUNCTION nextstep_changed()",
    ]
    for sql in statements:
        db.execute_sql(sql)


def _v2_postgresql(db: peewee.Database) -> None:
    db.execute_sql("ALTER TABLE lead ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
    db.execute_sql("CREATE INDEX lead_created ON lead (created_at, state)")


def _v3_postgresql(db: peewee.Database) -> None:
    for sql in (
        """CREATE INDEX lead_firm_by_due ON lead
           (state, (step_has_time AND step_agreed AND step_advances), step_due, id)""",
        "CREATE INDEX lead_hopium ON lead (state, postponed)",
        "CREATE INDEX lead_state_by_created ON lead (state, created_at, id)",
        "CREATE INDEX lead_dropped ON lead (state, recycle_on, closed_at, id)",
        "DROP INDEX lead_recycle",
    ):
        db.execute_sql(sql)
    if _has_pg_trgm(db):
        # One trigram index over the searched columns: ILIKE on any of them
        # is served by it, each column on its own, as SQLite's lead_text is.
        columns = ", ".join(f"{name} gin_trgm_ops" for name in TEXT_COLUMNS)
        db.execute_sql(f"CREATE INDEX lead_text ON lead USING gin ({columns})")


def _has_pg_trgm(db: peewee.Database) -> bool:
    """Whether the pg_trgm extension is there, or can be made (it is trusted)."""
    row = db.execute_sql(
        "SELECT installed_version FROM pg_available_extensions WHERE name = 'pg_trgm'"
    ).fetchone()
    if row is None:
        return False
    if row[0] is not None:
        return True
    try:
        with db.atomic():  # a savepoint: a refusal must not end the migration
            db.execute_sql("CREATE EXTENSION pg_trgm")
    except peewee.DatabaseError as error:
        log.info("no trigram index: %s", error)
        return False
    return True


def _pg_rules(name: str, when: str, rules: tuple[tuple[str, str], ...]) -> list[str]:
    """A function and trigger checking ``rules`` before each ``when`` on lead."""
    checks = "\n".join(
        f"""IF {broken} THEN
                RAISE EXCEPTION USING MESSAGE = '{rule}', ERRCODE = 'check_violation';
            END IF;"""
        for rule, broken in rules
    )
    return [
        f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql
            AS $$ BEGIN {checks} RETURN NEW; END $$""",
        f"DROP TRIGGER IF EXISTS {name} ON lead",
        f"CREATE TRIGGER {name} BEFORE {when} ON lead FOR EACH ROW "
        f"EXECUTE FUNCTION {name}()",
    ]


PG_LEAD_RULES = (
    (
        "open_lead_has_a_step",
        f"""NEW.state = 'open' AND (NEW.step_action IS NULL
            OR btrim(NEW.step_action, {_PG_BLANKS}) = '' OR NEW.step_due IS NULL)""",
    ),
    (
        "closed_lead_has_no_step",
        "NEW.state <> 'open' AND (NEW.step_action IS NOT NULL"
        " OR NEW.step_due IS NOT NULL)",
    ),
    (
        "dropped_lead_has_a_reason",
        "(NEW.state = 'dropped') <> (NEW.drop_reason IS NOT NULL)",
    ),
    ("lead_has_a_state", "NEW.state NOT IN ('open', 'won', 'dropped')"),
    ("lead_has_a_name", f"NEW.name IS NULL OR btrim(NEW.name, {_PG_BLANKS}) = ''"),
    ("step_flags_are_yes_or_no", "NEW.postponed < 0"),
)
PG_INSERT_RULES = (
    (
        "leads_are_never_replaced",
        """EXISTS (SELECT 1 FROM lead WHERE id = NEW.id)
           OR (NEW.external_id IS NOT NULL
               AND EXISTS (SELECT 1 FROM lead WHERE external_id = NEW.external_id))""",
    ),
)
PG_UPDATE_RULES = (
    ("lead_ids_never_change", "NEW.id <> OLD.id"),
    (
        "leads_are_never_replaced",
        """NEW.external_id IS NOT NULL
           AND NEW.external_id IS DISTINCT FROM OLD.external_id
           AND EXISTS (SELECT 1 FROM lead
                       WHERE external_id = NEW.external_id AND id <> OLD.id)""",
    ),
)


def _pg_rule_triggers(db: peewee.Database, extra: bool) -> None:
    for when in ("INSERT", "UPDATE"):
        rules = PG_LEAD_RULES
        if extra:
            own = PG_INSERT_RULES if when == "INSERT" else PG_UPDATE_RULES
            rules = (*rules, *RANGE_RULES, *own)  # the same SQL on both
        for sql in _pg_rules(f"lead_rules_{when.lower()}", when, rules):
            db.execute_sql(sql)


def _v4_postgresql(db: peewee.Database) -> None:
    _pg_rule_triggers(db, extra=False)
    for sql in (
        *_pg_refusal(
            "lead_is_never_deleted",
            "leads are never deleted: drop them",
            "DELETE",
            "lead",
        ),
        # The foreign key says so too; this says it in the same words as SQLite.
        """CREATE FUNCTION event_has_its_lead() RETURNS trigger LANGUAGE plpgsql
           AS $$ BEGIN
               IF NOT EXISTS (SELECT 1 FROM lead WHERE id = NEW.lead_id) THEN
                   RAISE EXCEPTION USING MESSAGE = 'an event needs its lead',
                       ERRCODE = 'foreign_key_violation';
               END IF;
               RETURN NEW;
           END $$""",
        "CREATE TRIGGER event_has_its_lead BEFORE INSERT ON event FOR EACH ROW "
        "EXECUTE FUNCTION event_has_its_lead()",
    ):
        db.execute_sql(sql)


def _v5_postgresql(db: peewee.Database) -> None:
    loose_new, loose_old = _pg_loose("NEW"), _pg_loose("OLD")
    for sql in (
        """CREATE TABLE lead_tally (
            owner TEXT NOT NULL,
            loose BOOLEAN NOT NULL,
            postponed INTEGER NOT NULL,
            n BIGINT NOT NULL,
            PRIMARY KEY (owner, loose, postponed)
        )""",
        f"""INSERT INTO lead_tally (owner, loose, postponed, n)
            SELECT owner, {_pg_loose("lead")}, postponed, COUNT(*) FROM lead
            WHERE state = 'open' GROUP BY 1, 2, 3""",
        f"""CREATE FUNCTION lead_tally_keep() RETURNS trigger LANGUAGE plpgsql
            AS $$ BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'open' THEN
                    UPDATE lead_tally SET n = n - 1
                    WHERE owner = OLD.owner AND loose = {loose_old}
                        AND postponed = OLD.postponed;
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'open' THEN
                    INSERT INTO lead_tally (owner, loose, postponed, n)
                    VALUES (NEW.owner, {loose_new}, NEW.postponed, 1)
                    ON CONFLICT (owner, loose, postponed)
                    DO UPDATE SET n = lead_tally.n + 1;
                END IF;
                RETURN NULL;
            END $$""",
        "CREATE TRIGGER lead_tally_insert AFTER INSERT ON lead FOR EACH ROW "
        "EXECUTE FUNCTION lead_tally_keep()",
        """CREATE TRIGGER lead_tally_update AFTER UPDATE OF state, owner,
           step_has_time, step_agreed, step_advances, postponed ON lead
           FOR EACH ROW EXECUTE FUNCTION lead_tally_keep()""",
        "CREATE TRIGGER lead_tally_delete AFTER DELETE ON lead FOR EACH ROW "
        "EXECUTE FUNCTION lead_tally_keep()",
    ):
        db.execute_sql(sql)


def _pg_loose(row: str) -> str:
    return f"(NOT ({row}.step_has_time AND {row}.step_agreed AND {row}.step_advances))"


def _v6_postgresql(db: peewee.Database) -> None:
    # The rules again, with id changes, out-of-range instants and invisible
    # blanks refused too; CREATE OR REPLACE keeps the triggers on them.
    _pg_rule_triggers(db, extra=True)


Migration = Callable[[peewee.Database], None]

MIGRATIONS: dict[str, list[Migration]] = {
    "sqlite": [
        _v1_sqlite,
        _v2_sqlite,
        _v3_sqlite,
        _v4_sqlite,
        _v5_sqlite,
        _v6_sqlite,
    ],
    "postgresql": [
        _v1_postgresql,
        _v2_postgresql,
        _v3_postgresql,
        _v4_postgresql,
        _v5_postgresql,
        _v6_postgresql,
    ],
}

LATEST = len(MIGRATIONS["sqlite"])


def dialect(db: peewee.Database) -> str:
    if isinstance(db, peewee.SqliteDatabase):
        return "sqlite"
    if isinstance(db, peewee.PostgresqlDatabase):
        return "postgresql"
    raise StorageError(f"Unsupported database engine {type(db).__name__}.")


def read_setting(db: peewee.Database, key: str) -> str | None:
    """A value the database keeps about itself (the ``meta`` table)."""
    row = db.execute_sql(
        f"SELECT value FROM meta WHERE key = {db.param}", (key,)
    ).fetchone()
    return str(row[0]) if row else None


def write_setting(db: peewee.Database, key: str, value: str) -> None:
    db.execute_sql(
        f"INSERT INTO meta (key, value) VALUES ({db.param}, {db.param}) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def current_version(db: peewee.Database) -> int:
    if not db.table_exists("meta"):
        return 0
    version = read_setting(db, "schema_version")
    return int(version) if version is not None else 0


def upgrade(db: peewee.Database, until: int = LATEST) -> int:
    """Bring the schema to ``until``, all in one transaction; return the version."""
    migrations = MIGRATIONS.get(dialect(db))
    if migrations is None:
        raise StorageError(f"No schema for {dialect(db)} databases yet.")

    # Most opens find the schema up to date: a read says so without taking
    # the write lock, so a rep starting the app never waits for another's save.
    version = current_version(db)
    if until <= version <= len(migrations):
        return version

    with write_transaction(db):
        version = current_version(db)
        if version > len(migrations):
            raise StorageError(
                f"This database has schema version {version}, newer than this "
                f"nextstep knows ({len(migrations)}); upgrade nextstep."
            )
        for number in range(version + 1, until + 1):
            migrations[number - 1](db)
        if until > version:
            write_setting(db, "schema_version", str(until))
    return max(version, until)


def write_transaction(db: peewee.Database) -> peewee._atomic:
    """A transaction that takes the write lock at its start.

    SQLite's default deferred transactions take the lock at the first write,
    and a reader that then tries to write fails at once with "database is
    locked" instead of waiting: BEGIN IMMEDIATE makes a second rep wait.
    """
    if isinstance(db, peewee.SqliteDatabase):
        return db.atomic("IMMEDIATE")
    return db.atomic()


def lock_for_import(db: peewee.Database) -> None:
    """Keep other writers out of the leads and their history until commit.

    SQLite's write transaction does so already. On PostgreSQL, readers go on
    while other sessions' writes wait for the import (or for the lock
    timeout, and are told the database is busy).
    """
    if dialect(db) == "postgresql":
        db.execute_sql("LOCK TABLE lead, event IN SHARE ROW EXCLUSIVE MODE")


def ids_follow_rows(db: peewee.Database) -> None:
    """After rows were written with their own ids, hand out new ids past them.

    SQLite's rowid does so by itself; PostgreSQL's identity sequences do not.
    """
    if dialect(db) != "postgresql":
        return
    for table in ("lead", "event"):
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
        )


def read_snapshot(db: peewee.Database) -> peewee._atomic:
    """A read transaction in which every query sees the same moment.

    SQLite's transactions do so already; PostgreSQL's default (read
    committed) gives each statement its own, so ask for repeatable read.
    """
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    if isinstance(db, peewee.SqliteDatabase):
        return db.atomic()
    return db.atomic(isolation_level="REPEATABLE READ")


def loose_condition(has_time: Any, agreed: Any, advances: Any) -> peewee.Expression:
    """A step that lacks a time, the buyer's word or a purpose.

    Written as the index lead_firm_by_due has it, so that the index serves it.
    """
    firm = has_time & agreed & advances
    # Compared with a bound False: SQLite stores it as 0, PostgreSQL as false.
    return firm == peewee.Value(False)
