"""An ordered list of leads that is read a page at a time, whatever its size.

A listing is one or more segments shown one after the other; each segment is
a query and the columns it is sorted by, which an index keeps in that order.
Pages next to a page already read are found by their sort key (keyset
paging: a range scan on the index, as cheap on the millionth row as on the
first); the last page is read backwards from the end; only a jump into the
middle counts its way there with an offset.

    listing = pipeline.listing(ListView.NOW)
    first = listing.page(0, 50)
    second = listing.after(first[-1], 50)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import peewee

from nextstep_tui.core.model import Lead
from nextstep_tui.storage.models import Lead as LeadRow
from nextstep_tui.storage.schema import read_snapshot

Key = tuple[int, ...]


@dataclass(frozen=True)
class Segment:
    """Leads of ``query`` sorted by ``fields`` (all ascending or all descending).

    ``key`` gives a lead's values for ``fields`` (None when it has none, and
    the listing then falls back to counting); ``holds`` says whether a lead
    of the listing belongs to this segment.
    """

    query: peewee.ModelSelect[LeadRow]
    fields: tuple[peewee.Field, ...]
    key: Callable[[Lead], Key | None]
    holds: Callable[[Lead], bool] = lambda lead: True
    descending: bool = False

    def ordered(self, backwards: bool = False) -> peewee.ModelSelect[LeadRow]:
        down = self.descending != backwards
        return self.query.order_by(
            *(f.desc() if down else f.asc() for f in self.fields)
        )

    def beyond(self, key: Key, backwards: bool = False) -> peewee.ModelSelect[LeadRow]:
        """The segment's leads after ``key`` in its order (before, ``backwards``)."""
        here = peewee.Tuple(*self.fields)
        there = peewee.Tuple(*key)
        later = (here < there) if self.descending != backwards else (here > there)
        return self.ordered(backwards).where(later)


class Listing:
    """Pages of leads in a fixed order; see the module's docstring."""

    def __init__(self, to_lead: Callable[[LeadRow], Lead], *segments: Segment):
        self._lead = to_lead
        self._segments = segments

    def snapshot(self) -> AbstractContextManager[object]:
        """One read transaction: counts, positions and pages read inside it
        agree with each other even while other sessions write."""
        return read_snapshot(LeadRow._meta.database)

    def count(self) -> int:
        return sum(int(segment.query.count()) for segment in self._segments)

    def page(self, offset: int, limit: int) -> list[Lead]:
        """``limit`` leads from position ``offset``: counts its way there."""
        leads: list[Lead] = []
        for segment in self._segments:
            if len(leads) >= limit:
                break
            if offset and len(self._segments) > 1:
                size = int(segment.query.count())
                if offset >= size:
                    offset -= size
                    continue
            rows = segment.ordered().offset(offset).limit(limit - len(leads))
            leads += [self._lead(row) for row in rows]
            offset = 0
        return leads

    def after(self, lead: Lead, limit: int) -> list[Lead] | None:
        """The ``limit`` leads that follow ``lead``; None if it has no key."""
        return self._walk(lead, limit, backwards=False)

    def before(self, lead: Lead | None, limit: int) -> list[Lead] | None:
        """The ``limit`` leads that come before ``lead`` (None: the last ones)."""
        return self._walk(lead, limit, backwards=True)

    def walk(self, chunk: int = 500) -> Iterator[Lead]:
        """Every lead in order, read a chunk at a time by key."""
        leads = self.page(0, chunk)
        while leads:
            yield from leads
            if len(leads) < chunk:
                return
            following = self.after(leads[-1], chunk)
            leads = following if following is not None else []

    def position(self, lead_id: int) -> int | None:
        """Where the lead stands in the listing (0-based), or None if not in it."""
        ahead = 0
        for segment in self._segments:
            row = segment.query.where(LeadRow.id == lead_id).first()
            if row is not None:
                key = segment.key(self._lead(row))
                if key is None:
                    return None
                return ahead + int(segment.beyond(key, backwards=True).count())
            ahead += int(segment.query.count())
        return None

    def _walk(
        self, lead: Lead | None, limit: int, backwards: bool
    ) -> list[Lead] | None:
        segments: Sequence[Segment] = self._segments
        if backwards:
            segments = segments[::-1]
        start = 0
        key: Key | None = None
        if lead is not None:
            found = next((n for n, s in enumerate(segments) if s.holds(lead)), None)
            if found is None:
                return None
            start, key = found, segments[found].key(lead)
            if key is None:
                return None
        leads: list[Lead] = []
        for number, segment in enumerate(segments[start:]):
            if len(leads) >= limit:
                break
            if number == 0 and key is not None:
                query = segment.beyond(key, backwards)
            else:
                query = segment.ordered(backwards)
            leads += [self._lead(row) for row in query.limit(limit - len(leads))]
        return leads[::-1] if backwards else leads
