"""Reading a CSV file from another tool into leads, as a stream.

A first look at the file's head finds its encoding, delimiter, columns and
date order; then the rows are read one at a time, so memory does not grow
with the file, and handed to the core's import in one transaction.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.importing import (
    TRIAGE_ACTION,
    BadRow,
    ImportReport,
    IncomingLead,
    IncomingStep,
    Outcome,
    import_leads,
)
from nextstep_tui.core.model import DropReason, LeadFields, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.transfer.dates import (
    AmbiguousDate,
    DateOrder,
    DateReader,
    FileDate,
    numeric_order,
)
from nextstep_tui.transfer.mapping import (
    DATE_FIELDS,
    SAMPLE,
    AmountReader,
    ColumnMap,
    SideFiles,
    StageMap,
    map_columns,
    parse_amount,
    parse_flag,
    proven_mark,
    read_side_files,
    unguard_formula,
)

# The head read to find the encoding, delimiter and date order.
SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t")
# The most lines one record may span. The longest cell kept, notes, is 20,000
# characters; a record of a thousand lines is a quote never closed, and
# stopping there keeps the rest of the file from piling up in one cell.
MAX_RECORD_LINES = 1000

ProgressCallback = Callable[[int, int | None], None]
Record = tuple[int, list[str]]


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file, from the command line or the app."""

    mapping: Mapping[str, str] = field(default_factory=dict)
    stages: Mapping[str, State] = field(default_factory=dict)
    date_order: DateOrder | None = None
    owner_from: str | None = None
    encoding: str | None = None
    shift_days: int = 0
    decimal_mark: str | None = None


@dataclass(frozen=True)
class FilePlan:
    """What the first look found: enough to show the mapping before a write."""

    path: Path
    encoding: str
    delimiter: str
    columns: ColumnMap
    date_order: DateOrder | None
    order_found: bool
    side: SideFiles | None
    line_end: bytes = b"\n"
    skip_lines: int = 1
    decimal_mark: str | None = None
    mark_found: bool = False


@dataclass(frozen=True)
class ImportResult:
    plan: FilePlan
    report: ImportReport
    stages: Mapping[str, tuple[State, int]]
    date_order: DateOrder | None
    decimal_mark: str | None = None


def import_csv(
    pipeline: Pipeline,
    path: Path,
    options: ImportOptions,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import the file at ``path``: all its rows, or none and a BadRow.

    ``progress`` is told the rows done and the rows there are, as counted by
    line ends (a cell holding a new line makes that a little high).
    """
    plan = plan_import(path, options)
    rows = RowReader(plan, options, pipeline.zone)
    total = count_rows(plan) if progress is not None else None

    def rows_done(done: int) -> None:
        if progress is not None:
            progress(done, total)

    report = import_leads(
        pipeline,
        (rows.lead(line, cells) for line, cells in read_records(plan)),
        source=path.name,
        dry_run=dry_run,
        progress=rows_done,
    )
    if progress is not None:
        progress(report.rows, report.rows)
    return ImportResult(
        plan, report, dict(rows.stages.seen), rows.dates.order, rows.amounts.mark
    )


# -- the first look -----------------------------------------------------------


def plan_import(path: Path, options: ImportOptions) -> FilePlan:
    """How to read the file, from its head: SAMPLE_BYTES at most are read."""
    head = _read_head(path)
    encoding = options.encoding or _detect_encoding(head)
    text = _decode_head(head, encoding, truncated=len(head) == SAMPLE_BYTES)
    line_end = b"\r" if "\n" not in text and "\r" in text else b"\n"

    lines = text.splitlines()
    skip = 0
    delimiter = _sep_hint(lines[0]) if lines else None
    if delimiter is not None:
        skip, text = 1, text.split(lines[0], 1)[1].lstrip("\r\n")
    else:
        delimiter = _detect_delimiter(lines[0] if lines else "")

    records = _head_records(text, delimiter, first_line=skip + 1)
    if not records or not any(cell.strip() for cell in records[0][1]):
        raise InvalidInput(f"{path.name} has no header row.")
    header = [_header_name(cell, i) for i, cell in enumerate(records[0][1])]
    columns = map_columns(header, options.mapping, options.owner_from)
    if len(head) == SAMPLE_BYTES and len(records) > 1:
        records = records[:-1]  # the last one may be cut short
    order, found = _date_order(columns, records[1:], options.date_order)
    mark, mark_found = _decimal_mark(columns, records[1:], options.decimal_mark)

    return FilePlan(
        path=path,
        encoding=encoding,
        delimiter=delimiter,
        columns=columns,
        date_order=order,
        order_found=found,
        side=read_side_files(path.parent) if columns.profile == SAMPLE.name else None,
        line_end=line_end,
        skip_lines=skip + 1,
        decimal_mark=mark,
        mark_found=mark_found,
    )


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
    except FileNotFoundError:
        raise InvalidInput(f"No file {path}.") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a directory, not a CSV file.") from None
    except OSError as error:
        raise InvalidInput(f"Cannot read {path}: {error.strerror}.") from None
    if not head.strip():
        raise InvalidInput(f"{path.name} is empty.")
    return head


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidInput(
            "This file is UTF-16 (Excel's 'Unicode text'); save it as "
            "'CSV UTF-8' and import that."
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _decode_head(head: bytes, encoding: str, truncated: bool) -> str:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise InvalidInput(f"Unknown encoding {encoding!r}.") from None
    try:
        return decoder.decode(head, final=not truncated)
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"The file is not {_encoding_name(encoding)} (at byte {error.start + 1}); "
            "name its encoding with --encoding, e.g. --encoding cp1252."
        ) from None


def _sep_hint(first_line: str) -> str | None:
    """Excel's 'sep=;' first line, which names the delimiter."""
    match = re.fullmatch(r"sep=(.)", first_line.strip("\ufeff"))
    return match[1] if match else None


def _detect_delimiter(header_line: str) -> str:
    """The candidate the header line has most of, outside quotes."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {candidate: unquoted.count(candidate) for candidate in DELIMITERS}
    best = max(DELIMITERS, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def _head_records(text: str, delimiter: str, first_line: int) -> list[Record]:
    """The head's records with the line each starts on; a broken tail is dropped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[Record] = []
    try:
        while True:
            line = reader.line_num + first_line
            records.append((line, next(reader)))
    except StopIteration:
        return records
    except csv.Error as error:
        if not records:
            message = f"Line {first_line}: cannot be read as CSV: {error}."
            raise InvalidInput(message) from None
        return records


def _header_name(cell: str, index: int) -> str:
    return cell.strip() or f"column {index + 1}"


def _date_order(
    columns: ColumnMap, records: list[Record], chosen: DateOrder | None
) -> tuple[DateOrder | None, bool]:
    """The file's date order: the rep's, else what the head proves.

    A head whose numeric dates could all be read both ways stops the import
    here, with an example, rather than guessing.
    """
    if chosen is not None:
        return chosen, False
    indexes = [i for name in DATE_FIELDS for i in columns.fields.get(name, ())]
    proven: dict[DateOrder, str] = {}
    unclear: tuple[int, str, str] | None = None
    for number, record in records:
        for index in indexes:
            text = record[index].strip() if index < len(record) else ""
            order = numeric_order(text) if text else False
            if isinstance(order, DateOrder):
                proven.setdefault(order, text)
            elif order is None and unclear is None:
                unclear = (number, columns.header[index], text)

    if len(proven) == 2:
        day, month = proven[DateOrder.DAY_FIRST], proven[DateOrder.MONTH_FIRST]
        raise InvalidInput(
            f"The file mixes day-first dates ({day!r}) and month-first ones "
            f"({month!r}); fix the file, or say which with --dayfirst or --monthfirst."
        )
    if proven:
        return next(iter(proven)), True
    if unclear is not None:
        number, column, text = unclear
        raise AmbiguousDate(
            f"Dates in this file, like {text!r} (line {number}, column {column!r}), "
            "could be day-first or month-first; rerun with --dayfirst or --monthfirst."
        )
    return None, False


def _decimal_mark(
    columns: ColumnMap, records: list[Record], chosen: str | None
) -> tuple[str | None, bool]:
    """The file's decimal mark: the rep's, else the one the head's amounts show.

    Amounts that could be read both ways wait for one that shows the mark;
    the rows stop at the first such amount if none does.
    """
    if chosen is not None:
        return chosen, False
    shown: dict[str, tuple[int, str]] = {}
    for number, record in records:
        for index in columns.fields.get("value", ()):
            text = record[index].strip() if index < len(record) else ""
            mark = proven_mark(text) if text else None
            if mark is not None:
                shown.setdefault(mark, (number, text))

    if len(shown) == 2:
        (comma_line, comma), (point_line, point) = shown[","], shown["."]
        raise InvalidInput(
            f"The file mixes amounts with a decimal comma ({comma!r}, line "
            f"{comma_line}) and a decimal point ({point!r}, line {point_line}); "
            "fix the file, or say which with --decimal-comma or --decimal-point."
        )
    return (next(iter(shown)), True) if shown else (None, False)


def count_rows(plan: FilePlan) -> int:
    """The rows after the header, by line ends: one pass, a megabyte at a time."""
    count = 0
    last = b""
    with plan.path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(plan.line_end)
            last = chunk
    if last and not last.endswith(plan.line_end):
        count += 1
    return max(0, count - plan.skip_lines)


# -- the stream ---------------------------------------------------------------


def read_records(plan: FilePlan) -> Iterator[tuple[int, list[str]]]:
    """The file's rows after the header, with the line each starts on."""
    with plan.path.open("rb") as raw:
        lines = _RecordLines(_decoded_lines(raw, plan))
        # Strict: a lone quote in a quoted cell, or one never closed, is an
        # error rather than text that runs on into the next rows.
        reader = csv.reader(lines, delimiter=plan.delimiter, strict=True)
        for _ in range(plan.skip_lines):
            try:
                _next_record(reader, lines, plan)
            except StopIteration:
                return
        while True:
            line = reader.line_num + 1
            try:
                cells = _next_record(reader, lines, plan)
            except StopIteration:
                return
            if any(cells):
                yield line, cells


_UNCLOSED = 'add the missing closing quote (") or take out the stray opening one.'


def _next_record(reader: Any, lines: _RecordLines, plan: FilePlan) -> list[str]:
    start = reader.line_num + 1
    lines.in_record = 0
    try:
        return next(reader)
    except _Undecodable as error:
        raise BadRow(
            reader.line_num + 1,
            f"this is not {_encoding_name(plan.encoding)} (byte {error.byte:#04x}); "
            "name the file's encoding with --encoding, e.g. --encoding cp1252.",
        ) from None
    except _RunawayRecord:
        reason = (
            f"a quoted cell starts on this line and is not closed within "
            f"{MAX_RECORD_LINES:,} lines; {_UNCLOSED}"
        )
        raise BadRow(start, reason) from None
    except csv.Error as error:
        if lines.ended:
            reason = (
                f"a quoted cell starts on this line and is never closed; {_UNCLOSED}"
            )
            raise BadRow(start, reason) from None
        where = f" (at line {reader.line_num})" if reader.line_num > start else ""
        raise BadRow(
            start,
            f"cannot be read as CSV{where}: {error}; a quote inside a quoted cell "
            'is written twice (""), and a quoted cell must be closed.',
        ) from None


class _RunawayRecord(Exception):
    """A record that runs past MAX_RECORD_LINES lines."""


class _RecordLines:
    """Lines for csv.reader, counted per record and told apart from the end."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.in_record = 0
        self.ended = False

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        if self.in_record >= MAX_RECORD_LINES:
            raise _RunawayRecord
        try:
            line = next(self._lines)
        except StopIteration:
            self.ended = True
            raise
        self.in_record += 1
        return line


class _Undecodable(Exception):
    def __init__(self, byte: int) -> None:
        super().__init__(byte)
        self.byte = byte


def _decoded_lines(raw: BinaryIO, plan: FilePlan) -> Iterator[str]:
    """Lines decoded one at a time, so a bad byte is found on its own line."""
    decoder = codecs.getincrementaldecoder(plan.encoding)()
    for chunk in _raw_lines(raw, plan.line_end):
        try:
            yield decoder.decode(chunk)
        except UnicodeDecodeError as error:
            raise _Undecodable(error.object[error.start]) from None
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _raw_lines(raw: BinaryIO, line_end: bytes) -> Iterator[bytes]:
    if line_end == b"\n":
        yield from raw
        return
    # Old Mac files end lines with a lone CR: split them ourselves.
    pending = b""
    while chunk := raw.read(1 << 16):
        *lines, pending = (pending + chunk).split(b"\r")
        for line in lines:
            yield line + b"\n"
    if pending:
        yield pending


def _encoding_name(encoding: str) -> str:
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}.get(
        encoding, encoding
    )


# -- rows to leads --------------------------------------------------------------


class RowReader:
    """Turns a file's cells into the core's IncomingLead, one row at a time."""

    def __init__(self, plan: FilePlan, options: ImportOptions, zone: str) -> None:
        self.header = plan.columns.header
        self.sources = tuple(plan.columns.fields.items())
        single = [(name, ix[0]) for name, ix in self.sources if len(ix) == 1]
        self.singles = tuple(name for name, _ in single)
        # itemgetter gives a tuple for two indexes or more: the 0 makes sure.
        self.pick = operator.itemgetter(*(index for _, index in single), 0)
        self.several = tuple((name, ix) for name, ix in self.sources if len(ix) > 1)
        self.dates = DateReader(zone, plan.date_order, options.shift_days)
        self.stages = StageMap(options.stages)
        self.amounts = AmountReader(plan.decimal_mark)
        self.side = plan.side

    def lead(self, line: int, cells: list[str]) -> IncomingLead:
        width = len(self.header)
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            raise BadRow(
                line,
                f"it has {len(cells)} cells, the header {width}; is a delimiter "
                "inside a cell without quotes?",
            )
        text = self._texts(cells)
        try:
            return self._lead(line, text)
        except _BadCell as error:
            column = self._column(cells, error.name)
            raise BadRow(line, f"column {column!r}: {error.reason}") from None
        except InvalidInput as error:
            raise BadRow(line, str(error)) from None

    def _texts(self, cells: list[str]) -> dict[str, str]:
        """Each mapped field's text: the first of its columns that is not empty."""
        if len(cells) < len(self.header):
            cells = cells + [""] * (len(self.header) - len(cells))
        texts: dict[str, str] = {}
        for name, cell in zip(self.singles, self.pick(cells), strict=False):
            if cell := cell.strip():
                texts[name] = unguard_formula(cell) if cell[0] == "'" else cell
        for name, indexes in self.several:
            for index in indexes:
                if cell := cells[index].strip():
                    texts[name] = unguard_formula(cell)
                    break
        return texts

    def _column(self, cells: list[str], name: str) -> str:
        indexes = dict(self.sources).get(name, ())
        for index in indexes:
            if index < len(cells) and cells[index].strip():
                return self.header[index]
        return self.header[indexes[0]] if indexes else name

    def _lead(self, line: int, text: dict[str, str]) -> IncomingLead:
        get = text.get
        created = self._date(text, "created")
        closed = self._date(text, "closed")
        recycle = self._date(text, "recycle_on")
        reason, note = _drop(get("drop_reason", ""), get("drop_note", ""))

        return IncomingLead(
            line=line,
            fields=self._fields(text),
            state=self.stages.state(get("stage", "")),
            owner=get("owner", ""),
            created_at=created.instant if created else None,
            closed_at=closed.instant if closed else None,
            step=self._step(text),
            drop_reason=reason,
            drop_note=note,
            recycle_on=recycle.instant if recycle else None,
        )

    def _fields(self, text: dict[str, str]) -> LeadFields:
        get = text.get
        company, product = get("company", ""), get("product", "")
        external, email = get("external_id", ""), get("email", "")
        contact = get("contact") or " ".join(
            part for part in (get("first_name"), get("last_name")) if part
        )
        name = get("name") or _lead_name(company, product, external)
        name = name or contact or email or external
        if not name:
            raise InvalidInput(
                "no name, company, contact or email to call the lead by."
            )

        value = self._amount(text, "value")
        notes = get("notes", "")
        if self.side is not None:
            # The sample: a lost deal's value is 0; its product's price says more.
            if not value and self.side.price(product):
                value = parse_amount(self.side.price(product))
            sector = self.side.sector(company)
            if sector:
                notes = "\n".join(part for part in (notes, f"Sector: {sector}") if part)

        return LeadFields(
            name=name,
            company=company,
            contact=contact,
            email=email,
            phone=get("phone", ""),
            value_cents=value,
            source=get("source", ""),
            external_id=external or None,
            notes=notes,
        )

    def _step(self, text: dict[str, str]) -> IncomingStep | None:
        action = text.get("step", "")
        due = self._date(text, "due")
        if not action and due is None:
            return None
        postponed = text.get("postponed", "0")
        if not postponed.isdigit():
            raise _BadCell("postponed", f"{postponed!r} is not a count.")
        return IncomingStep(
            action=action,
            due=due.instant if due else None,
            has_time=due.has_time if due else False,
            agreed=self._flag(text, "agreed"),
            advances=self._flag(text, "advances"),
            postponed=int(postponed),
        )

    def _date(self, text: dict[str, str], name: str) -> FileDate | None:
        value = text.get(name)
        if value is None:
            return None
        try:
            return self.dates.read(value)
        except InvalidInput as error:
            raise _BadCell(name, str(error)) from None

    def _amount(self, text: dict[str, str], name: str) -> int | None:
        value = text.get(name, "")
        if value.isdigit():
            return int(value) * 100
        try:
            return self.amounts.read(value)
        except InvalidInput as error:
            raise _BadCell(name, str(error)) from None

    def _flag(self, text: dict[str, str], name: str) -> bool:
        try:
            return parse_flag(text.get(name, ""))
        except InvalidInput as error:
            raise _BadCell(name, str(error)) from None


class _BadCell(InvalidInput):
    """A cell that cannot be read; the row reader names its column."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason


def _drop(reason_text: str, note: str) -> tuple[DropReason | None, str]:
    """A drop reason, or another tool's own words for one, kept as the note."""
    if not reason_text:
        return None, note
    try:
        return DropReason.parse(reason_text), note
    except InvalidInput:
        return DropReason.OTHER, "\n".join(part for part in (reason_text, note) if part)


def _lead_name(company: str, product: str, external: str) -> str:
    """A name from what there is: 'Acme — GTX Pro', or 'GTX Pro (X1)'."""
    if company and product:
        return f"{company} — {product}"
    if product:
        return f"{product} ({external})" if external else product
    return company


# -- telling the rep ----------------------------------------------------------


def summary(result: ImportResult, import_day: str) -> list[str]:
    """The dry run's (and the import's) account, line by line, for people."""
    plan, report = result.plan, result.report
    lines = [_file_line(plan)]
    if plan.columns.profile:
        lines.append(f"Recognised: {plan.columns.profile}.")
    if plan.side is not None:
        found = ", ".join(plan.side.found) or "none found"
        lines.append(f"Side files joined: {found}.")
    lines += _column_lines(plan.columns)
    lines.append(_dates_line(plan, result.date_order))
    if "value" in plan.columns.fields:
        lines.append(_amounts_line(plan, result.decimal_mark))
    lines += _stage_lines(result.stages)
    lines += _rule_lines(report, import_day)
    lines += _outcome_lines(report)
    return lines


def _file_line(plan: FilePlan) -> str:
    delimiter = {",": "comma", ";": "semicolon", "\t": "tab"}.get(
        plan.delimiter, repr(plan.delimiter)
    )
    return (
        f"File: {plan.path.name} ({_encoding_name(plan.encoding)}, "
        f"{delimiter}-separated)."
    )


def _column_lines(columns: ColumnMap) -> list[str]:
    lines = ["Columns:"]
    for name, indexes in columns.fields.items():
        sources = ", then ".join(columns.header[index] for index in indexes)
        mark = " (as asked)" if name in columns.by_hand else ""
        lines.append(f"  {sources} → {name}{mark}")
    for column in columns.owner_candidates:
        lines.append(f"  {column}: not used (--owner-from '{column}' to assign leads)")
    if columns.unused:
        lines.append("  not used: " + ", ".join(columns.unused))
    return lines


def _dates_line(plan: FilePlan, order: DateOrder | None) -> str:
    if order is None:
        return "Dates: ISO or named months only; no day/month order needed."
    how = "found in the file" if plan.order_found else "as asked"
    return f"Dates: {order.value} ({how})."


def _amounts_line(plan: FilePlan, mark: str | None) -> str:
    if mark is None:
        return "Amounts: whole numbers only; no decimal mark needed."
    asked = plan.decimal_mark is not None and not plan.mark_found
    how = "as asked" if asked else "found in the file"
    return f"Amounts: decimal {'comma' if mark == ',' else 'point'} ({how})."


def _stage_lines(stages: Mapping[str, tuple[State, int]]) -> list[str]:
    if not stages:
        return ["Stages: no stage column; every lead is open."]
    parts = [
        f"{stage} → {state.value} ({count:,})"
        for stage, (state, count) in stages.items()
    ]
    return ["Stages: " + "; ".join(parts) + "."]


def _rule_lines(report: ImportReport, import_day: str) -> list[str]:
    return [
        f"Rows without a creation date: {report.undated:,}; they are dated on the "
        f"import day, {import_day}.",
        f"Open leads without a next step: {report.triaged:,}; each gets "
        f'"{TRIAGE_ACTION}", due {import_day}, loose.',
    ]


def _outcome_lines(report: ImportReport) -> list[str]:
    would = "would be " if report.dry_run else ""
    created = report.created_states
    by_state = ", ".join(
        f"{created[state]:,} {state.value}" for state in State if created[state]
    )
    counts = report.outcomes
    lines = [
        f"Rows: {report.rows:,}.",
        f"Leads {would}created: {counts[Outcome.CREATED]:,}"
        + (f" ({by_state})." if by_state else "."),
        f"Leads {would}updated: {counts[Outcome.UPDATED]:,}; "
        f"already up to date: {counts[Outcome.UNCHANGED]:,}.",
    ]
    if report.keyless:
        lines.append(
            f"Note: {report.keyless:,} of the new leads have neither an external "
            "id nor an email, so nothing can recognise them: importing this "
            "file again would add them again."
        )
    for outcome, rows_that in _FLAGGED.items():
        if counts[outcome]:
            lines.append(f"Rows that {rows_that}: {counts[outcome]:,}:")
            lines += [
                f"  line {item.line}: lead {', '.join(map(str, item.lead_ids))}"
                + (f" ({item.detail})" if item.detail else "")
                for item in report.flagged
                if item.outcome is outcome
            ]
    if not report.changed:
        nothing = "Nothing would change" if report.dry_run else "Nothing changed"
        if counts[Outcome.UNCHANGED] == report.rows:
            nothing += ": the pipeline already holds every row as it is"
        lines.append(nothing + ".")
    if report.dry_run:
        lines.append("Dry run: nothing was written.")
    return lines


_FLAGGED = {
    Outcome.DROPPED_MATCH: "match a dropped lead (left dropped; recycle it to reopen)",
    Outcome.AMBIGUOUS: "match several leads by email (left out)",
    Outcome.SAME_LEAD: "match the same lead as an earlier row (left out)",
    Outcome.STATE_DIFFERS: (
        "say another state than nextstep's (state left as it is; "
        "counted above as updated or up to date)"
    ),
}
