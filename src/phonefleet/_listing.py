"""Listings read by declaration: one typed decode, PhoneNumbers built column by column.

An adapter declares its list item as a msgspec Struct (the fields it reads,
typed as the vendor documents them) and, for each PhoneNumber field, the
record fields it comes from and the adapter's own function that reads them.
`Listing.read(body)` decodes a page in one typed pass (each record's bytes
kept for `raw`, decoded on first use); `Read.numbers()` checks ids and
numbers in bulk, calls each function once per distinct input (a memo that
lives for one page, so nothing outlives the read), and builds the numbers
field by field. Anything off the declared shape gives None, and the adapter
reads the page the careful way, which says what is wrong: the careful
functions are the fast path's functions, so the two paths agree.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from itertools import repeat, starmap
from operator import attrgetter
from typing import Any, Final, Literal

import attrs
import msgspec

from ._bulk import build_numbers
from ._bulkcheck import all_e164, gc_paused
from ._errors import ResponseFormatError
from ._model import PhoneNumber
from ._raw import RawJSON

__all__ = ["Column", "Listing", "Read", "column"]

#: what a column function raises for "not the declared shape": the page goes the careful way
_GIVE_UP: Final = (ResponseFormatError, ValueError, TypeError, KeyError, AttributeError, IndexError)


class _OffShapeError(Exception):
    """A record off the declared shape: read the page the careful way."""


@attrs.frozen
class Column:
    """Where one field comes from: record fields (or earlier columns) and a function.

    `sources` name the record's Struct attributes, or helper columns (named
    with a leading `_`); no sources hands `read` (and `key`) the record itself.
    `read` turns one record's source values into the
    field's value (None: the single source's value as it is); it is called
    once per distinct input in a page, so it may be the careful path's own
    function. Inputs are compared by equality: type the sources in the
    Struct so that equal means the same vendor data (a field typed `int |
    bool` would let 1 stand for True). `memo=False` calls it per record
    (for unhashable sources). `key` maps the source values to the memo key
    when `read` looks at only some of them (a handler reads the fields of its
    own kind): records with equal keys must read alike. `identity=True` keys
    by the sources' identity (helper columns of shared objects).
    `coalesce=True` takes the first source that is neither null nor
    `msgspec.UNSET` (one field under several names), then `read` of it.
    `empty_is_none=True` reads "" as None (a column without `read`). With `context=True` it receives
    the read's context first (a page-wide index, say). `check` is a bulk check of the
    result: "id" (non-empty strings), "e164" (canonical E.164 strings),
    "e164_or_none" (those or None).
    Raising ResponseFormatError, ValueError, TypeError or KeyError gives up
    the fast path for the page.
    """

    sources: tuple[str, ...]
    read: Callable[..., Any] | None = None
    check: Literal["id", "e164", "e164_or_none"] | None = None
    memo: bool = True
    context: bool = False
    key: Callable[..., Any] | None = None
    identity: bool = False
    coalesce: bool = False
    empty_is_none: bool = False


def column(
    *sources: str,
    read: Callable[..., Any] | None = None,
    check: Literal["id", "e164", "e164_or_none"] | None = None,
    memo: bool = True,
    context: bool = False,
    key: Callable[..., Any] | None = None,
    identity: bool = False,
    coalesce: bool = False,
    empty_is_none: bool = False,
) -> Column:
    """A `Column` from its sources (the common spelling)."""
    return Column(
        sources=sources,
        read=read,
        check=check,
        memo=memo,
        context=context,
        key=key,
        identity=identity,
        coalesce=coalesce,
        empty_is_none=empty_is_none,
    )


def _raw_twin(page: type[msgspec.Struct], items: str) -> type[msgspec.Struct]:
    """The page Struct with only its items, as raw bytes (same wire name)."""
    for info in msgspec.structs.fields(page):
        if info.name == items:
            return msgspec.defstruct(f"Raw{page.__name__}", [(info.encode_name, list[msgspec.Raw])])
    msg = f"{page.__name__} has no field {items!r}"
    raise ValueError(msg)


class Listing:
    """A vendor's listing page, declared: its Struct, its envelope, its columns.

    `page` is the envelope Struct whose `items` attribute is the list of
    records (None: the body is a bare JSON array of `record`). `columns`
    maps each PhoneNumber field (or a helper named with a leading `_`,
    not a field) to its `Column`, in the order they are computed;
    `constants` are fields with one value for all (`provider`).
    """

    def __init__(
        self,
        *,
        record: type[msgspec.Struct],
        columns: Mapping[str, Column],
        constants: Mapping[str, Any],
        page: type[msgspec.Struct] | None = None,
        items: str | None = None,
    ) -> None:
        if (page is None) != (items is None):
            msg = "give page= and items= together (or neither, for a bare JSON array)"
            raise ValueError(msg)
        self.record = record
        self.columns = dict(columns)
        self.constants = dict(constants)
        self.items = items
        #: the record attributes the columns read, taken out in one pass
        self.attributes = tuple(
            dict.fromkeys(
                source
                for spec in self.columns.values()
                for source in spec.sources
                if not source.startswith("_")
            )
        )
        self._decode = msgspec.json.Decoder(page if page is not None else list[record]).decode  # type: ignore[valid-type]
        self._decode_raw = msgspec.json.Decoder(
            _raw_twin(page, items) if page is not None and items is not None else list[msgspec.Raw]
        ).decode
        self._raw_items = attrgetter(_wire_name(page, items)) if page is not None and items else None

    def read(self, body: bytes) -> Read | None:
        """The page decoded, or None when it is not the declared shape."""
        decoded: Any
        try:
            with gc_paused():
                decoded = self._decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            return None  # the careful path says what is wrong (nesting too deep included)
        raws = _PageRaws(self, body)
        if self.items is None:
            return Read(self, None, decoded, raws)
        return Read(self, decoded, getattr(decoded, self.items), raws)

    def raw_records(self, body: bytes) -> list[msgspec.Raw]:
        """Each record's own bytes (slices of `body`)."""
        raw: Any = self._decode_raw(body)
        return self._raw_items(raw) if self._raw_items is not None else raw  # type: ignore[no-any-return]


class _PageRaws:
    """A page's records as bytes, split out of the body on first use (most
    listings never look at `raw`)."""

    __slots__ = ("_body", "_listing", "_records")
    _records: list[msgspec.Raw]

    def __init__(self, listing: Listing, body: bytes) -> None:
        self._listing = listing
        self._body = body

    def record(self, index: int) -> msgspec.Raw:
        try:
            records = self._records
        except AttributeError:
            records = self._records = self._listing.raw_records(self._body)
        return records[index]


class _PageRawJSON(RawJSON):
    """A record's JSON as a mapping: its bytes are found in its page on first use."""

    __slots__ = ("_where",)
    _where: tuple[_PageRaws, int]

    @classmethod
    def many_of(cls, page: _PageRaws, count: int) -> list[_PageRawJSON]:
        out = list(map(object.__new__, repeat(cls, count)))
        deque(map(_SET_WHERE, out, zip(repeat(page), range(count))), maxlen=0)
        return out

    def _load(self) -> dict[str, Any]:
        try:
            return self._data
        except AttributeError:
            page, index = self._where
            self._raw = page.record(index)
            return super()._load()

    def __reduce__(self) -> tuple[Any, ...]:
        self._load()
        return super().__reduce__()


_SET_WHERE: Final = _PageRawJSON.__dict__["_where"].__set__


def _wire_name(page: type[msgspec.Struct] | None, items: str | None) -> str:
    if page is None or items is None:
        return ""
    for info in msgspec.structs.fields(page):
        if info.name == items:
            return info.encode_name
    return items


class Read:
    """One decoded page: its envelope (`page`), its records, and its numbers on demand."""

    def __init__(
        self,
        listing: Listing,
        page: Any,
        records: list[Any],
        raws: _PageRaws,
    ) -> None:
        self.listing = listing
        self.page = page
        self.records = records
        self._raws = raws
        self._columns: dict[str, list[Any]] = {}

    def values(self, name: str, context: Any = None) -> list[Any]:
        """A column's values (a declared column, else a record attribute); raises `_OffShapeError`."""
        found = self._columns.get(name)
        if found is not None:
            return found
        spec = self.listing.columns.get(name)
        if spec is None:
            return self._attribute(name)
        if spec.context:  # kept for this context (alive while it is read)
            key = f"{name}@{id(context)}"
            found = self._columns.get(key)
            if found is None:
                found = self._columns[key] = self._compute(spec, context)
            return found
        values = self._columns[name] = self._compute(spec, context)
        return values

    def _attribute(self, name: str) -> list[Any]:
        key = "." + name
        found = self._columns.get(key)
        if found is None:
            names = self.listing.attributes
            if self.records and name in names and len(names) > 1 and "." + names[0] not in self._columns:
                # every declared attribute in one pass: a tuple a record, transposed in C
                for attribute, values in zip(
                    names, zip(*map(attrgetter(*names), self.records), strict=True), strict=True
                ):
                    self._columns["." + attribute] = list(values)
                return self._columns[key]
            found = self._columns[key] = list(map(attrgetter(name), self.records))
        return found

    def _source(self, name: str, context: Any) -> list[Any]:
        return self.values(name, context) if name.startswith("_") else self._attribute(name)

    def _compute(self, spec: Column, context: Any) -> list[Any]:
        names = spec.sources
        star = len(names) > 1 and not spec.coalesce
        read = spec.read
        if read is None and not names:
            msg = "a column without sources needs read="
            raise ValueError(msg)
        if spec.coalesce:
            values = _coalesce([self._source(name, context) for name in names])
            if read is not None:
                read = _bind(read, context) if spec.context else read
                try:
                    values = _read_all(read, spec, values, [values], star=False)
                except _GIVE_UP:
                    raise _OffShapeError from None
        elif read is None:
            values = self._source(names[0], context)
            if spec.empty_is_none and "" in values:
                values = [None if value == "" else value for value in values]
        else:
            if spec.context:
                read = _bind(read, context)
            columns: list[list[Any]] = []
            if not names:
                inputs = self.records  # the record itself: `key` picks what `read` reads
            elif star and not spec.identity and not any(name.startswith("_") for name in names):
                inputs = list(map(attrgetter(*names), self.records))  # one C pass, a tuple a record
            else:
                columns = [self._source(name, context) for name in names]
                inputs = list(zip(*columns, strict=True)) if star else columns[0]
            try:
                values = _read_all(read, spec, inputs, columns, star=star)
            except _GIVE_UP:
                raise _OffShapeError from None
        if spec.check == "id":
            try:
                "".join(values)
            except TypeError:
                raise _OffShapeError from None
            if "" in values:
                raise _OffShapeError
        elif (spec.check == "e164" and not all_e164(values)) or (
            spec.check == "e164_or_none" and not all_e164([v for v in values if v is not None])
        ):
            raise _OffShapeError
        return values

    def numbers(self, context: Any = None) -> list[PhoneNumber] | None:
        """The page's numbers, or None: a record is off the declared shape
        (then read it the careful way, which says what is wrong)."""
        count = len(self.records)
        if not count:
            return []
        with gc_paused():
            try:
                columns = {
                    name: self.values(name, context)
                    for name in self.listing.columns
                    if not name.startswith("_")
                }
            except _OffShapeError:
                return None
            columns["raw"] = _PageRawJSON.many_of(self._raws, count)
            return build_numbers(count, columns, self.listing.constants)


def _bind(read: Callable[..., Any], context: Any) -> Callable[..., Any]:
    def bound(*values: Any) -> Any:
        return read(context, *values)

    return bound


def _read_all(
    read: Callable[..., Any], spec: Column, inputs: list[Any], columns: list[list[Any]], *, star: bool
) -> list[Any]:
    """`read` over every input, once per distinct key (the key, the input, or its identity)."""
    if not spec.memo:
        return list(starmap(read, inputs)) if star else list(map(read, inputs))
    keys: list[Any]
    if spec.identity:
        keys = (
            list(zip(*(map(id, column) for column in columns), strict=True))
            if star
            else list(map(id, inputs))
        )
    elif spec.key is not None:
        keys = list(starmap(spec.key, inputs)) if star else list(map(spec.key, inputs))
    else:
        keys = inputs
    try:  # one input per distinct key
        firsts = (
            dict(zip(keys, inputs, strict=True)) if keys is not inputs else dict(zip(keys, keys, strict=True))
        )
    except TypeError:  # an unhashable input (a JSON object): read each one
        return list(starmap(read, inputs)) if star else list(map(read, inputs))
    if star:
        memo = {key: read(*value) for key, value in firsts.items()}
    else:
        memo = {key: read(value) for key, value in firsts.items()}
    return list(map(memo.__getitem__, keys))


def _coalesce(columns: list[list[Any]]) -> list[Any]:
    """Per record, the first value neither None nor UNSET (None when all are)."""
    sent = [column for column in columns if not _unset_or_none(column)]
    if len(sent) <= 1:
        # the vendor sent one spelling (the usual case): no per-record work
        first = sent[0] if sent else columns[0]
        if msgspec.UNSET in first:
            return [None if value is msgspec.UNSET else value for value in first]
        return first
    return [
        next((v for v in values if v is not None and v is not msgspec.UNSET), None)
        for values in zip(*columns, strict=True)
    ]


def _unset_or_none(column: list[Any]) -> bool:
    count = len(column)
    return column.count(None) == count or column.count(msgspec.UNSET) == count
