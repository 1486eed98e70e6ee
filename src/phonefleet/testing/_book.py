"""What emulators of a numbers-by-id API share: the account's record book and
the pool of numbers for sale.

The book keeps every number in creation order under a sequence that never
comes back (keyset paging resumes after a released number), and remembers
where released ids stood. The pool is the same reproducible set of US
numbers for every vendor; each emulator shapes its own payloads from it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any, Final, NamedTuple

__all__ = ["AREAS", "TOLL_FREE_AREAS", "NumberRecord", "PoolNumber", "RecordBook", "pool_numbers"]

#: toll-free area codes the pool draws from
TOLL_FREE_AREAS: Final = ("833", "844", "877", "888")
#: geographic area codes the pool draws from, with their region and city
AREAS: Final = {
    "202": ("DC", "Washington"),
    "212": ("NY", "New York"),
    "305": ("FL", "Miami"),
    "312": ("IL", "Chicago"),
    "415": ("CA", "San Francisco"),
    "512": ("TX", "Austin"),
    "617": ("MA", "Boston"),
    "646": ("NY", "New York"),
    "702": ("NV", "Las Vegas"),
    "718": ("NY", "New York"),
}


class NumberRecord:
    """One number of the account; `fields` is None until it is first written
    (its payload is then derived from the seed)."""

    __slots__ = ("fields", "id", "number", "seq")

    def __init__(self, ident: str, number: str, seq: int, fields: dict[str, Any] | None = None) -> None:
        self.id = ident
        self.number = number
        self.seq = seq
        self.fields = fields


class RecordBook:
    """An account's numbers by id and by sequence, in creation order."""

    __slots__ = ("by_seq", "gone", "order", "records")

    def __init__(self) -> None:
        self.records: dict[str, NumberRecord] = {}
        self.by_seq: dict[int, NumberRecord] = {}
        self.order: list[int] = []
        #: released ids, by the sequence they stood at
        self.gone: dict[str, int] = {}

    def add(
        self, number: str, ident_for: Callable[[int], str], fields: dict[str, Any] | None = None
    ) -> NumberRecord:
        """Record `number` under a new sequence; `ident_for(seq)` names it."""
        seq = len(self.by_seq) + len(self.gone)
        record = NumberRecord(ident_for(seq), number, seq, fields)
        self.records[record.id] = record
        self.by_seq[seq] = record
        self.order.append(seq)
        return record

    def remove(self, record: NumberRecord) -> None:
        """Release `record`, remembering where it stood."""
        del self.records[record.id]
        del self.by_seq[record.seq]
        self.order.pop(bisect_left(self.order, record.seq))
        self.gone[record.id] = record.seq

    def seq_of(self, ident: str) -> int | None:
        """Where `ident` stands (or stood, if released); None if never known."""
        record = self.records.get(ident)
        return record.seq if record is not None else self.gone.get(ident)


class PoolNumber(NamedTuple):
    """A number for sale: its place in the pool, and where it is (None for toll-free)."""

    position: int
    number: str
    region: str | None
    city: str | None


def pool_numbers(count: int) -> Iterator[PoolNumber]:
    """`count` reproducible US numbers for sale: every tenth is toll-free."""
    areas = list(AREAS)
    for index in range(count):
        region: str | None
        city: str | None
        if index % 10 == 9:
            area = TOLL_FREE_AREAS[(index // 10) % len(TOLL_FREE_AREAS)]
            region = city = None
        else:
            area = areas[index % len(areas)]
            region, city = AREAS[area]
        yield PoolNumber(index, f"+1{area}555{100 + index // len(areas):04d}", region, city)
