"""Which column of a file is which fact of a lead, and what its stages mean.

Columns are recognised by their header, with the names that Pipedrive,
HubSpot, Salesforce and Close use in their exports, the sample dataset's and
nextstep's own. ``--map column=field`` settles the rest.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import State
from nextstep_tui.core.text import parse_money
from nextstep_tui.transfer.fields import FIELDS

DATE_FIELDS = ("created", "closed", "due", "recycle_on")

# Header names, as ``header_key`` writes them, best first for each field.
# Several columns may feed one field: the first that is not empty wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("external id", "opportunity id", "record id", "id", "lead id"),
    "name": ("name", "title", "opportunity name", "display name"),
    "company": (
        "company",
        "account",
        "account name",
        "company name",
        "company account",
        "organization",
        "organization name",
        "associated company",
        "associated company primary",
        "lead name",
    ),
    "contact": (
        "contact",
        "contact person",
        "contact name",
        "person name",
        "primary contact name",
        "associated contact",
        "full name",
    ),
    "first_name": ("first name", "firstname"),
    "last_name": ("last name", "lastname"),
    "email": (
        "email",
        "e mail",
        "email address",
        "person email",
        "contact email",
        "primary contact primary email",
    ),
    "phone": (
        "phone",
        "phone number",
        "person phone",
        "contact phone",
        "primary contact primary phone",
        "mobile phone number",
        "mobile",
    ),
    # Close's API counts value in cents; its formatted value is in units.
    "value": (
        "value formatted",
        "value",
        "amount",
        "close value",
        "opportunity amount",
    ),
    "source": ("source", "lead source", "leadsource", "original source"),
    "notes": ("notes", "note", "description"),
    "product": ("product", "product name"),
    "stage": (
        "state",
        "status type",
        "status",
        "stage",
        "stagename",
        "lead status",
        "status label",
        "lifecycle stage",
    ),
    "created": (
        "created",
        "created at",
        "created date",
        "createddate",
        "create date",
        "date created",
        "creation date",
        "engage date",
        "add time",
    ),
    "closed": (
        "closed",
        "closed at",
        "close date",
        "closedate",
        "closed on",
        "closed date",
        "date won",
        "won time",
        "lost time",
    ),
    "step": ("step", "next step", "nextstep", "next activity subject"),
    "due": ("due", "due date", "next step date", "next activity date"),
    "agreed": ("agreed",),
    "advances": ("advances",),
    "postponed": ("postponed",),
    "drop_reason": ("drop reason", "lost reason", "closed lost reason", "loss reason"),
    "drop_note": ("drop note",),
    "recycle_on": ("recycle on",),
    # nextstep's export writes these; they follow from the others.
    "ignore": ("scheduled", "loose", "hopium"),
}

# Owner columns are used only when asked (--owner-from): by default an
# import is the importing rep's.
OWNER_HEADERS = (
    "owner",
    "sales agent",
    "opportunity owner",
    "lead owner",
    "contact owner",
    "user name",
    "assigned to",
)

_BY_HEADER = {
    alias: (name, rank)
    for name, aliases in _ALIASES.items()
    for rank, alias in enumerate(aliases)
}

# Stage names, as ``stage_key`` writes them.
_STAGES: dict[str, State] = {
    **dict.fromkeys(("won", "closedwon", "win", "customer"), State.WON),
    **dict.fromkeys(("lost", "closedlost", "dropped", "unqualified"), State.DROPPED),
    **dict.fromkeys(
        (
            "open",
            "active",
            "new",
            "lead",
            "prospect",
            "prospecting",
            "engaging",
            "qualification",
            "qualified",
            "contacted",
            "inprogress",
            "attemptedtocontact",
            "connected",
            "opendeal",
            "needsanalysis",
            "valueproposition",
            "iddecisionmakers",
            "perceptionanalysis",
            "proposal",
            "proposalpricequote",
            "negotiation",
            "negotiationreview",
            "appointmentscheduled",
            "qualifiedtobuy",
            "presentationscheduled",
            "decisionmakerboughtin",
            "contractsent",
            "demo",
            "subscriber",
            "marketingqualifiedlead",
            "salesqualifiedlead",
            "opportunity",
        ),
        State.OPEN,
    ),
}


def header_key(header: str) -> str:
    """A header as aliases are written: 'Deal - Won time' is 'won time'."""
    words = re.sub(r"[^a-z0-9]+", " ", header.lower()).split()
    while len(words) > 1 and words[0] == "deal":
        words = words[1:]
    return " ".join(words)


def stage_key(stage: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", stage.lower())


@dataclass(frozen=True)
class Profile:
    """A kind of file recognised by its columns, to name it in the dry run."""

    name: str
    signature: frozenset[str]


SAMPLE = Profile(
    "CRM + Sales + Opportunities sample (Maven Analytics)",
    frozenset({"opportunity id", "sales agent", "stage", "engage date"}),
)

PROFILES = (
    Profile("nextstep export", frozenset({"name", "state", "step", "due", "loose"})),
    SAMPLE,
    Profile("Pipedrive deals", frozenset({"title", "status", "won time", "lost time"})),
    Profile("HubSpot deals", frozenset({"record id", "name", "stage", "pipeline"})),
    Profile(
        "HubSpot contacts", frozenset({"record id", "first name", "lifecycle stage"})
    ),
    Profile("Salesforce opportunities", frozenset({"opportunity name", "stage"})),
    Profile("Salesforce (Data Loader)", frozenset({"stagename", "isclosed"})),
    Profile("Close opportunities", frozenset({"status type", "lead name", "date won"})),
    Profile("Close leads", frozenset({"display name", "status label"})),
)


@dataclass(frozen=True)
class ColumnMap:
    """For each field, the columns (by index) that feed it, best first."""

    header: tuple[str, ...]
    fields: Mapping[str, tuple[int, ...]]
    profile: str | None = None
    owner_candidates: tuple[str, ...] = ()
    unused: tuple[str, ...] = ()
    by_hand: frozenset[str] = frozenset()

    def columns_of(self, name: str) -> tuple[str, ...]:
        return tuple(self.header[index] for index in self.fields.get(name, ()))


def map_columns(
    header: Sequence[str],
    overrides: Mapping[str, str] | None = None,
    owner_from: str | None = None,
) -> ColumnMap:
    """Map ``header`` by its names, then by ``overrides`` (column → field)."""
    keys = [header_key(name) for name in header]
    taken = _by_hand(header, keys, overrides or {}, owner_from)
    chosen: dict[str, list[tuple[int, int]]] = {}
    for index, key in enumerate(keys):
        if index in taken or key not in _BY_HEADER:
            continue
        name, rank = _BY_HEADER[key]
        chosen.setdefault(name, []).append((rank, index))

    fields = {
        name: tuple(index for _, index in sorted(found))
        for name, found in chosen.items()
    }
    for index, name in taken.items():
        fields[name] = (*fields.get(name, ()), index) if name in _MANY else (index,)
    fields.pop("ignore", None)
    used = {index for indexes in fields.values() for index in indexes}
    return ColumnMap(
        header=tuple(header),
        fields=fields,
        profile=_profile(keys),
        owner_candidates=tuple(
            header[i]
            for i, key in enumerate(keys)
            if key in OWNER_HEADERS and i not in used
        ),
        unused=tuple(
            header[i]
            for i, key in enumerate(keys)
            if i not in used
            and key not in OWNER_HEADERS
            and taken.get(i) != "ignore"
            and key not in _ALIASES["ignore"]
        ),
        by_hand=frozenset(taken.values()),
    )


# A field that --map may give several columns (joined, or first non-empty).
_MANY = frozenset({"notes"})


def _by_hand(
    header: Sequence[str],
    keys: Sequence[str],
    overrides: Mapping[str, str],
    owner_from: str | None,
) -> dict[int, str]:
    """Columns the rep mapped: by exact name, else by the same key."""
    wanted = dict(overrides)
    if owner_from is not None:
        wanted[owner_from] = "owner"
    taken: dict[int, str] = {}
    for column, name in wanted.items():
        if name not in FIELDS:
            known = ", ".join(FIELDS)
            raise InvalidInput(
                f"Unknown field {name!r} for {column!r}; fields: {known}."
            )
        index = _find_column(header, keys, column)
        if name != "ignore" and name not in _MANY and name in taken.values():
            raise InvalidInput(f"Two columns are mapped to {name}; keep one.")
        taken[index] = name
    return taken


def _find_column(header: Sequence[str], keys: Sequence[str], column: str) -> int:
    if column in header:
        return header.index(column)
    key = header_key(column)
    if key and key in keys:
        return keys.index(key)
    shown = ", ".join(header)
    raise InvalidInput(f"The file has no column {column!r}; its columns: {shown}.")


def _profile(keys: Sequence[str]) -> str | None:
    present = set(keys)
    for profile in PROFILES:
        if profile.signature <= present:
            return profile.name
    return None


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``column=field`` options as a dict; the column may hold '='."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, equals, name = pair.rpartition("=")
        if not equals or not column.strip():
            raise InvalidInput(f"Write --map as column=field, not {pair!r}.")
        mapping[column.strip()] = name.strip().lower()
    return mapping


def parse_stages(pairs: Sequence[str]) -> dict[str, State]:
    """``--stage NAME=open|won|dropped`` options, keyed as stages are compared."""
    stages: dict[str, State] = {}
    for pair in pairs:
        stage, equals, state = pair.rpartition("=")
        try:
            stages[stage_key(stage)] = State(state.strip().lower())
        except ValueError:
            raise InvalidInput(
                f"Write --stage as NAME=open, NAME=won or NAME=dropped, not {pair!r}."
            ) from None
        if not equals or not stage_key(stage):
            raise InvalidInput(f"Write --stage as NAME=state, not {pair!r}.")
    return stages


class StageMap:
    """A file's stage names to states: the rep's --stage first, then ours."""

    def __init__(self, chosen: Mapping[str, State] | None = None) -> None:
        self.chosen = dict(chosen or {})
        self.seen: dict[str, tuple[State, int]] = {}

    def state(self, stage: str) -> State:
        """The state ``stage`` means; an empty stage is an open lead."""
        if not stage:
            return State.OPEN
        known = self.seen.get(stage)
        if known is not None:
            self.seen[stage] = (known[0], known[1] + 1)
            return known[0]

        key = stage_key(stage)
        state = self.chosen.get(key) or _STAGES.get(key) or _by_word(key)
        if state is None:
            raise InvalidInput(
                f"unknown stage {stage!r}; say what it means with "
                f"--stage '{stage}=open' (or =won, =dropped)."
            )
        self.seen[stage] = (state, 1)
        return state


def _by_word(key: str) -> State | None:
    if key.endswith("won"):
        return State.WON
    if key.endswith("lost"):
        return State.DROPPED
    return None


# -- amounts ------------------------------------------------------------------


class AmbiguousAmount(InvalidInput):
    """An amount whose one mark could group thousands or start decimals."""


# Currency symbols and codes, anywhere in the cell: '€ 12 000', '1200 EUR'.
_CURRENCY = re.compile(r"[$€£¥]|[A-Z]{3}")
# One mark before three digits, after one to three: 1,234 or 1.234.
_EITHER_WAY = re.compile(r"[1-9][0-9]{0,2}[.,][0-9]{3}")


def proven_mark(text: str) -> str | None:
    """The decimal mark an amount shows, or None if it shows none.

    '1.054,50' (the last mark), '99,5' (not three digits after it) and
    '1,234,567' (a mark twice groups thousands) show theirs; '1,054' and
    '1.054' could be read either way, and '1054' has no mark to show.
    """
    amount = _amount_text(text)
    commas, dots = amount.count(","), amount.count(".")
    if commas and dots:
        return "," if amount.rfind(",") > amount.rfind(".") else "."
    if not commas and not dots:
        return None
    mark = "," if commas else "."
    if commas + dots > 1:
        return "." if mark == "," else ","
    return None if _EITHER_WAY.fullmatch(amount) else mark


def parse_amount(text: str, decimal_mark: str | None = None) -> int | None:
    """An amount from a file as cents; None if empty.

    The rule is ``parse_money``'s, with the file's decimal mark: the one
    given, else the one the amount shows. An amount that shows none but
    could be read both ways ('1,054') is refused with AmbiguousAmount.
    """
    amount = _amount_text(text)
    if not amount:
        return None
    mark = decimal_mark or proven_mark(amount)
    if mark is None and ("," in amount or "." in amount):
        whole, _, decimals = amount.replace(".", ",").partition(",")
        raise AmbiguousAmount(
            f"{text!r} could be {whole}{decimals} or {whole}.{decimals}; rerun "
            "with --decimal-point or --decimal-comma to say how this file writes "
            "amounts."
        )
    return parse_money(amount, mark or ".")


def _amount_text(text: str) -> str:
    """The amount without its currency, or a spreadsheet's apostrophe."""
    return _CURRENCY.sub("", text).strip().lstrip("'")


class AmountReader:
    """A file's amounts, with one decimal mark: the rep's, else the first shown."""

    def __init__(self, mark: str | None = None) -> None:
        self.mark = mark
        self._shown_by = ""

    def read(self, text: str) -> int | None:
        """The amount in ``text`` as cents; None for an empty cell."""
        shown = proven_mark(text)
        if self.mark is None and shown is not None:
            self.mark, self._shown_by = shown, text
        elif shown is not None and shown != self.mark:
            example = f" (like {self._shown_by!r})" if self._shown_by else ""
            raise InvalidInput(
                f"{text!r} has {shown!r} for decimals, but this file's amounts use "
                f"{self.mark!r}{example}; make them agree, or say which with "
                "--decimal-point or --decimal-comma."
            )
        return parse_amount(text, self.mark)


_TRUE = frozenset({"yes", "y", "true", "1", "x", "oui", "ja"})
_FALSE = frozenset({"no", "n", "false", "0", "", "non", "nein"})


def parse_flag(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidInput(f"{text!r} is not yes or no.")


# -- formulas ---------------------------------------------------------------

# What a spreadsheet runs as a formula: = + - @ and a leading tab or CR.
# Apostrophes before them count too, so that unguarding undoes guarding exactly.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
# A phone number: a + only at its start, then digits, spaces and - . ( ) /.
# It calls no function, so it stays as typed; '-2+3', arithmetic, does not.
_PHONE = re.compile(r"\+[0-9][0-9 \-.()/]*")


def guard_formula(text: str) -> str:
    """Text a spreadsheet shows as typed and does not run: an apostrophe first."""
    if _FORMULA.match(text) and not _PHONE.fullmatch(text):
        return "'" + text
    return text


def unguard_formula(cell: str) -> str:
    """Undo ``guard_formula``: one apostrophe before a formula-like cell goes."""
    if cell[:1] == "'" and _FORMULA.match(cell, 1):
        return cell[1:]
    return cell


# -- the sample dataset's side files -----------------------------------------


@dataclass(frozen=True)
class SideFiles:
    """What the sample's accounts.csv and products.csv add to its pipeline."""

    sectors: Mapping[str, str] = field(default_factory=dict)
    prices: Mapping[str, str] = field(default_factory=dict)
    found: tuple[str, ...] = ()

    def sector(self, account: str) -> str:
        return self.sectors.get(account.strip(), "")

    def price(self, product: str) -> str:
        # The pipeline writes 'GTXPro' where products.csv has 'GTX Pro'.
        return self.prices.get(_product_key(product), "")


def read_side_files(directory: Path) -> SideFiles:
    """The sample's side files next to its pipeline file, those that exist."""
    sectors = _read_pairs(directory / "accounts.csv", "account", "sector")
    prices = _read_pairs(directory / "products.csv", "product", "sales_price")
    found = tuple(
        name
        for name, table in (("accounts.csv", sectors), ("products.csv", prices))
        if table
    )
    return SideFiles(
        sectors=sectors,
        prices={_product_key(name): price for name, price in prices.items()},
        found=found,
    )


def _read_pairs(path: Path, key: str, value: str) -> dict[str, str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return {
                row[key].strip(): row[value].strip()
                for row in csv.DictReader(handle)
                if row.get(key) and row.get(value)
            }
    except (OSError, UnicodeDecodeError, csv.Error, KeyError):
        return {}


def _product_key(product: str) -> str:
    return "".join(product.split()).casefold()
