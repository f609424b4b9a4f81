"""A list of leads that reads only the rows it shows from the database.

Usage::

    LeadList(
        columns=[Column("Lead", ratio=2), Column("When", width=10)],
        cells=lambda lead: [lead.name, when_label(lead)],
        source=LeadSource(count, fetch, locate),
    )

``count() -> int``, ``fetch(offset, limit) -> list[Lead]`` and
``locate(lead_id) -> int | None`` run in a worker thread. Call ``reload()``
after the data changes (the cursor stays on its lead) and ``set_source()`` to
show other data (a section, a filter). The list posts
``LeadList.Highlighted`` and ``LeadList.Selected`` (Enter or a click).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import ClassVar, Literal

import pendulum
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from nextstep_tui.core.errors import NextstepError
from nextstep_tui.core.listing import Listing
from nextstep_tui.core.model import Lead
from nextstep_tui.core.text import strip_controls
from nextstep_tui.core.when import day_bounds, local_label, relative

log = logging.getLogger(__name__)

PAGE_SIZE = 50
CACHED_PAGES = 3
CURSOR = Style(reverse=True)

Tone = Literal["", "muted", "warning", "error", "accent"]


@dataclass(frozen=True)
class Column:
    """A column: a fixed ``width`` in cells, or 0 to share what is left by ``ratio``."""

    title: str
    width: int = 0
    ratio: int = 1
    align: Literal["left", "right"] = "left"


@dataclass(frozen=True)
class Cell:
    """A cell's text with a tone the stylesheet colours (``lead-list--<tone>``)."""

    text: str
    tone: Tone = ""


CellValue = str | Cell


@dataclass(frozen=True)
class LeadSource:
    """Where the rows come from; every callback runs in a worker thread.

    ``after(lead, n)`` and ``before(lead or None, n)``, when given, read the
    pages next to one already read by their sort key, so scrolling deep into
    a long list costs no more than at its top; they may return None to fall
    back to ``fetch`` by offset.
    """

    count: Callable[[], int]
    fetch: Callable[[int, int], Sequence[Lead]]
    locate: Callable[[int], int | None]
    after: Callable[[Lead, int], Sequence[Lead] | None] | None = None
    before: Callable[[Lead | None, int], Sequence[Lead] | None] | None = None
    snapshot: Callable[[], AbstractContextManager[object]] = nullcontext

    @classmethod
    def of(cls, listing: Listing) -> LeadSource:
        """Read a core listing: by key next to what is loaded, else by offset."""
        return cls(
            count=listing.count,
            fetch=listing.page,
            locate=listing.position,
            after=listing.after,
            before=listing.before,
            snapshot=listing.snapshot,
        )


@dataclass(frozen=True)
class _Near:
    """What is known next to a page about to be read: the way to read it by key."""

    previous: Lead | None = None  # the last lead of the page before
    following: Lead | None = None  # the first lead of the page after
    last_rows: int = 0  # rows in the page, when it is the list's last


@dataclass(frozen=True)
class _Loaded:
    generation: int
    total: int
    cursor: int
    pages: dict[int, list[Lead]]


def column_widths(columns: Sequence[Column], width: int) -> list[int]:
    """Share ``width`` cells among ``columns``, one space between each."""
    fixed = sum(column.width for column in columns)
    spare = max(0, width - fixed - max(0, len(columns) - 1))
    shares = sum(column.ratio for column in columns if not column.width)
    widths = []
    given = 0
    flexible = [column for column in columns if not column.width]
    for column in columns:
        if column.width:
            widths.append(column.width)
            continue
        if column is flexible[-1]:
            share = spare - given
        else:
            share = spare * column.ratio // shares
        given += share
        widths.append(share)
    return widths


def fit(text: str, width: int, align: Literal["left", "right"] = "left") -> Text:
    """Plain ``text`` cut or padded to exactly ``width`` cells (never markup)."""
    clean = strip_controls(text.replace("\n", " ").replace("\t", " "))
    cell = Text(clean, no_wrap=True, overflow="ellipsis", end="")
    if width <= 0:
        return Text("")
    if cell_len(clean) > width:
        cell.truncate(width, overflow="ellipsis")
    pad = width - cell.cell_len
    if pad > 0:
        if align == "right":
            cell = Text(" " * pad, end="") + cell
        else:
            cell.pad_right(pad)
    return cell


class LeadList(Widget, can_focus=True):
    """A cursor over leads, paged from the database as it scrolls."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="lead_list.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="lead_list.down"),
        Binding("home,g", "first", "First", show=False, id="lead_list.first"),
        Binding("end,G", "last", "Last", show=False, id="lead_list.last"),
        Binding("pageup", "page_up", "Page up", show=False, id="lead_list.page_up"),
        Binding(
            "pagedown", "page_down", "Page down", show=False, id="lead_list.page_down"
        ),
        Binding("enter", "select", "Open", show=False, id="lead_list.select"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "lead-list--header",
        "lead-list--cursor",
        "lead-list--muted",
        "lead-list--warning",
        "lead-list--error",
        "lead-list--accent",
    }

    DEFAULT_CSS = """
    LeadList {
        height: 1fr;
        & > .lead-list--header { text-style: bold underline; }
        & > .lead-list--cursor { text-style: reverse; }
        & > .lead-list--muted { color: $text-muted; }
        & > .lead-list--warning { color: $text-warning; }
        & > .lead-list--error { color: $text-error; }
        & > .lead-list--accent { color: $text-accent; }
    }
    """

    class Highlighted(Message):
        """The cursor moved to another lead (None when the list is empty)."""

        def __init__(self, lead_list: LeadList, lead_id: int | None) -> None:
            super().__init__()
            self.lead_list = lead_list
            self.lead_id = lead_id

        @property
        def control(self) -> LeadList:
            return self.lead_list

    class Selected(Message):
        """The rep chose the lead under the cursor (Enter or a click)."""

        def __init__(self, lead_list: LeadList, lead_id: int) -> None:
            super().__init__()
            self.lead_list = lead_list
            self.lead_id = lead_id

        @property
        def control(self) -> LeadList:
            return self.lead_list

    class Reloaded(Message):
        """Fresh rows arrived after ``reload`` or ``set_source``."""

        def __init__(self, lead_list: LeadList, total: int) -> None:
            super().__init__()
            self.lead_list = lead_list
            self.total = total

        @property
        def control(self) -> LeadList:
            return self.lead_list

    class PagesRead(Message, bubble=False):
        """Rows read by a worker (internal)."""

        def __init__(self, loaded: _Loaded, reset: bool) -> None:
            super().__init__()
            self.loaded = loaded
            self.reset = reset

    def __init__(
        self,
        columns: Sequence[Column],
        cells: Callable[[Lead], Sequence[CellValue]],
        source: LeadSource | None = None,
        *,
        empty_text: str = "No leads here.",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.cells = cells
        self.empty_text = empty_text
        self._source = source
        self._generation = 0
        self._loaded = False
        self._keep_while_loading = True
        self._total = 0
        self._cursor = 0
        self._top = 0
        self._pages: OrderedDict[int, list[Lead]] = OrderedDict()
        self._pending: set[int] = set()
        self._highlighted: int | None = None

    # -- public face -------------------------------------------------------

    @property
    def total(self) -> int:
        """How many leads the source holds (0 until the first load)."""
        return self._total

    @property
    def cursor(self) -> int:
        """The cursor's row, 0-based."""
        return self._cursor

    @property
    def loaded(self) -> bool:
        """True once the first page of the current source has arrived."""
        return self._loaded

    @property
    def lead(self) -> Lead | None:
        """The lead under the cursor, if its page is loaded."""
        return self.lead_at(self._cursor)

    @property
    def lead_id(self) -> int | None:
        lead = self.lead
        return lead.id if lead is not None else None

    def set_source(self, source: LeadSource, keep_lead: bool = True) -> None:
        """Show other rows: with ``keep_lead``, the cursor stays on its lead if
        it is among them; otherwise, and if it is not, the list starts at the top.
        """
        self._source = source
        self._loaded = False
        self._keep_while_loading = keep_lead
        if keep_lead:
            self._read(self.lead_id, 0)
        else:
            self._cursor = self._top = 0
            self._read(None, 0)

    def reload(self) -> None:
        """Read the count and the shown page again; the cursor follows its lead.

        While a new source's first read is on its way, the list is going to
        its top if that is what was asked, not to the old lead's place.
        """
        if not self._loaded and not self._keep_while_loading:
            self._read(None, 0)
            return
        self._read(self.lead_id, self._cursor)

    def _read(self, keep: int | None, fallback: int) -> None:
        """Read around ``keep`` (its new place), else around row ``fallback``."""
        if self._source is None:
            return
        self._generation += 1
        self._pending.clear()
        generation = self._generation
        source = self._source
        rows = max(1, self._rows_shown())
        self.run_worker(
            lambda: self._read_around(source, generation, keep, fallback, rows),
            thread=True,
            group="lead-list",
            exit_on_error=False,
        )

    # -- reading (worker threads) -----------------------------------------

    def _read_around(
        self,
        source: LeadSource,
        generation: int,
        keep: int | None,
        fallback: int,
        rows: int,
    ) -> None:
        try:
            with source.snapshot():
                loaded = self._read_consistently(
                    source, generation, keep, fallback, rows
                )
        except Exception as error:
            _tell_failure(self, error)
            return
        self.post_message(self.PagesRead(loaded, reset=True))

    def _read_consistently(
        self,
        source: LeadSource,
        generation: int,
        keep: int | None,
        fallback: int,
        rows: int,
    ) -> _Loaded:
        """The count, the kept lead's place and its pages, from one moment:
        read apart, a change committed between them would put the cursor
        on another lead."""
        total = source.count()
        found = source.locate(keep) if keep is not None else None
        cursor = found if found is not None else fallback
        cursor = max(0, min(cursor, total - 1))
        first = cursor // PAGE_SIZE
        wanted = {first, min(cursor + rows, max(0, total - 1)) // PAGE_SIZE}
        if cursor >= rows:
            wanted.add((cursor - rows) // PAGE_SIZE)
        pages: dict[int, list[Lead]] = {}
        for page in sorted(wanted):
            before = pages.get(page - 1)
            near = _Near(
                previous=before[-1] if before else None,
                last_rows=_last_rows(page, total),
            )
            pages[page] = self._fetch(source, page, near)
        return _Loaded(generation, total, cursor, pages)

    def _read_page(
        self, source: LeadSource, generation: int, page: int, near: _Near
    ) -> None:
        try:
            leads = self._fetch(source, page, near)
        except Exception as error:
            _tell_failure(self, error)
            return
        loaded = _Loaded(generation, self._total, self._cursor, {page: leads})
        self.post_message(self.PagesRead(loaded, reset=False))

    @staticmethod
    def _fetch(source: LeadSource, page: int, near: _Near) -> list[Lead]:
        """A page: by key next to a neighbour or from the end, else by offset."""
        leads: Sequence[Lead] | None = None
        if near.previous is not None and source.after is not None:
            leads = source.after(near.previous, PAGE_SIZE)
        elif near.following is not None and source.before is not None:
            leads = source.before(near.following, PAGE_SIZE)
        elif near.last_rows and page and source.before is not None:
            leads = source.before(None, near.last_rows)
        if leads is None:
            leads = source.fetch(page * PAGE_SIZE, PAGE_SIZE)
        return list(leads)

    def _request_shown_pages(self) -> None:
        """Start reading any page the screen shows that is not cached."""
        if self._source is None or not self._total:
            return
        last = min(self._total, self._top + self._rows_shown()) - 1
        for page in range(self._top // PAGE_SIZE, max(0, last) // PAGE_SIZE + 1):
            if page not in self._pages and page not in self._pending:
                self._pending.add(page)
                self._start_page(self._source, self._generation, page)

    def _start_page(self, source: LeadSource, generation: int, page: int) -> None:
        before, after = self._pages.get(page - 1), self._pages.get(page + 1)
        near = _Near(
            previous=before[-1] if before and len(before) == PAGE_SIZE else None,
            following=after[0] if after else None,
            last_rows=_last_rows(page, self._total),
        )
        self.run_worker(
            lambda: self._read_page(source, generation, page, near),
            thread=True,
            group="lead-list",
            exit_on_error=False,
        )

    def on_lead_list_pages_read(self, message: LeadList.PagesRead) -> None:
        loaded = message.loaded
        if loaded.generation != self._generation:
            return
        if message.reset:
            self._apply_reload(loaded)
        for page, leads in loaded.pages.items():
            self._pending.discard(page)
            self._pages[page] = leads
            self._pages.move_to_end(page)
        while len(self._pages) > max(CACHED_PAGES, len(loaded.pages)):
            self._pages.popitem(last=False)
        self.refresh()
        self._request_shown_pages()
        if message.reset:
            # The lead under the cursor may be the same one, changed: say so.
            self._highlighted = -1
        self._announce()
        if message.reset:
            self.post_message(self.Reloaded(self, self._total))

    def _apply_reload(self, loaded: _Loaded) -> None:
        """Place the cursor on its lead, on the same screen row if possible."""
        screen_row = self._cursor - self._top
        self._pages.clear()
        self._total = loaded.total
        self._cursor = loaded.cursor
        self._loaded = True
        self._top = max(0, self._cursor - max(0, screen_row))
        self._clamp_top()

    # -- moving ------------------------------------------------------------

    def move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped) and keep it in view."""
        if not self._total:
            return
        self._cursor = max(0, min(index, self._total - 1))
        if self._cursor < self._top:
            self._top = self._cursor
        elif self._cursor >= self._top + self._rows_shown():
            self._top = self._cursor - self._rows_shown() + 1
        self._clamp_top()
        self.refresh()
        self._request_shown_pages()
        self._announce()

    def action_cursor_up(self) -> None:
        self.move_to(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self._cursor + 1)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self._total - 1)

    def action_page_up(self) -> None:
        self.move_to(self._cursor - max(1, self._rows_shown() - 1))

    def action_page_down(self) -> None:
        self.move_to(self._cursor + max(1, self._rows_shown() - 1))

    def action_select(self) -> None:
        lead_id = self.lead_id
        if lead_id is not None:
            self.post_message(self.Selected(self, lead_id))

    def on_click(self, event: events.Click) -> None:
        row = event.y - 1
        if row < 0 or self._top + row >= self._total:
            return
        self.focus()
        already = self._top + row == self._cursor
        self.move_to(self._top + row)
        if already or event.chain > 1:
            self.action_select()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.move_to(self._cursor + 3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.move_to(self._cursor - 3)

    def _keep_cursor_in_view(self) -> None:
        if self._cursor >= self._top + self._rows_shown():
            self._top = self._cursor - self._rows_shown() + 1
        self._clamp_top()
        self.refresh()
        self._request_shown_pages()

    def on_mount(self) -> None:
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        self._keep_cursor_in_view()

    def _rows_shown(self) -> int:
        return max(1, self.size.height - 1)

    def _clamp_top(self) -> None:
        self._top = max(0, min(self._top, self._total - self._rows_shown()))
        self._top = min(self._top, self._cursor)

    def lead_at(self, index: int) -> Lead | None:
        """The lead on row ``index``, if its page is loaded."""
        if not 0 <= index < self._total:
            return None
        page = self._pages.get(index // PAGE_SIZE)
        offset = index % PAGE_SIZE
        if page is None or offset >= len(page):
            return None
        return page[offset]

    def _announce(self) -> None:
        """Post ``Highlighted`` when the lead under the cursor is another one."""
        lead_id = self.lead_id
        if (
            lead_id is None
            and self._total
            and self._cursor // PAGE_SIZE in self._pending
        ):
            return  # its page is on the way
        if lead_id != self._highlighted:
            self._highlighted = lead_id
            self.post_message(self.Highlighted(self, lead_id))

    # -- drawing -----------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            return self._line(self._header(), width, base)
        index = self._top + y - 1
        if not self._total:
            if y == 1 and self._loaded:
                text = fit(self.empty_text, width)
                text.stylize(self.get_component_rich_style("lead-list--muted"))
                return self._line(text, width, base)
            return Strip.blank(width, base)
        if index >= self._total:
            return Strip.blank(width, base)
        lead = self.lead_at(index)
        text = self._row(lead, width) if lead is not None else self._placeholder(width)
        if index == self._cursor:
            text.stylize(self.get_component_rich_style("lead-list--cursor") + CURSOR)
        return self._line(text, width, base)

    def _line(self, text: Text, width: int, base: Style) -> Strip:
        segments = [
            Segment(segment.text, base + segment.style if segment.style else base)
            for segment in text.render(self.app.console)
        ]
        return Strip(segments).crop_extend(0, width, base)

    def _header(self) -> Text:
        widths = column_widths(self.columns, self.size.width)
        line = Text(end="")
        for number, (column, width) in enumerate(
            zip(self.columns, widths, strict=True)
        ):
            if number:
                line.append(" ")
            line.append_text(fit(column.title, width, column.align))
        line.stylize(self.get_component_rich_style("lead-list--header"))
        return line

    def _row(self, lead: Lead, width: int) -> Text:
        widths = column_widths(self.columns, width)
        values = list(self.cells(lead))
        line = Text(end="")
        for number, (column, cell_width) in enumerate(
            zip(self.columns, widths, strict=True)
        ):
            if number:
                line.append(" ")
            value = values[number] if number < len(values) else ""
            cell = value if isinstance(value, Cell) else Cell(value)
            text = fit(cell.text, cell_width, column.align)
            if cell.tone:
                text.stylize(self.get_component_rich_style(f"lead-list--{cell.tone}"))
            line.append_text(text)
        return line

    def _placeholder(self, width: int) -> Text:
        text = fit("…", width)
        text.stylize(self.get_component_rich_style("lead-list--muted"))
        return text


def _last_rows(page: int, total: int) -> int:
    """How many rows ``page`` holds if it is the last page, else 0."""
    if total <= 0 or page != (total - 1) // PAGE_SIZE:
        return 0
    return total - page * PAGE_SIZE


def _tell_failure(widget: Widget, error: Exception) -> None:
    """Show a rep's mistake as it is; log anything else and say where."""
    if isinstance(error, NextstepError):
        widget.app.notify(str(error), severity="error", markup=False)
        return
    log.error("reading leads failed", exc_info=error)
    widget.app.notify(
        "The leads could not be read; the details are in the log file.",
        severity="error",
        markup=False,
    )


# -- ready-made columns for leads with a step ---------------------------------

MISSING_LETTERS = {"scheduled": "t", "agreed": "a", "advances": "v"}
"""The letters after ``~`` for a loose step: no time, not agreed, no advance."""


def step_flags(lead: Lead) -> str:
    """``~ta !4``: loose (the missing attributes) and hopium (the postponements)."""
    step = lead.step
    if step is None:
        return ""
    flags = []
    if step.loose:
        flags.append("~" + "".join(MISSING_LETTERS[name] for name in step.missing))
    if lead.hopium:
        flags.append(f"!{step.postponed}")
    return " ".join(flags)


def step_columns(reps: bool = False) -> list[Column]:
    """Lead, company, action, when (relative and local) and flags; with
    ``reps``, the lead's rep instead of its company (several reps' leads)."""
    return [
        Column("Lead", ratio=3),
        Column("Rep" if reps else "Company", ratio=3),
        Column("Next step", ratio=4),
        Column("Due", width=11, align="right"),
        Column("Date", width=16),
        Column("Flags", width=7),
    ]


def step_cells(
    clock: Callable[[], pendulum.DateTime], zone: str, reps: bool = False
) -> Callable[[Lead], list[CellValue]]:
    """Cells for ``step_columns``: the due time reads against ``clock()``."""

    def cells(lead: Lead) -> list[CellValue]:
        step = lead.step
        second = lead.owner if reps else lead.company
        if step is None:
            return [lead.name, second, f"({lead.state.value})", "", "", ""]
        now = clock()
        today, tomorrow = day_bounds(now, zone)
        tone: Tone = (
            "error" if step.due < today else "warning" if step.due < tomorrow else ""
        )
        return [
            lead.name,
            Cell(second, "muted"),
            step.action,
            Cell(relative(step.due, step.has_time, now, zone), tone),
            Cell(local_label(step.due, step.has_time, zone), "muted"),
            Cell(step_flags(lead), "warning"),
        ]

    return cells
