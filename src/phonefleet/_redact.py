"""Keeping credentials out of errors and log lines, in one place.

A vendor may echo a key back anywhere: in a message, a code, a doc link, a
request id, a blocker's detail, a response header that httpcore logs at
DEBUG. The drivers blank every form a store's credentials can take (raw,
percent-encoded, base64 alone and as an HTTP Basic `user:password` pair) out
of every text field of every error they raise, and a logging filter on the
httpx and httpcore loggers does the same to their records while a store is
open.

Blanking comes before shortening, always: a credential cut in half is no
longer a form the scrubber knows. So vendor text is shortened only through
`shorten`, which blanks the credentials of the store whose flow is running
(the driver lends them for the flow's duration) before it cuts.
"""

from __future__ import annotations

import base64
import itertools
import logging
import threading
from collections import deque
from collections.abc import Iterable
from contextvars import ContextVar, Token
from typing import Any, Final
from urllib.parse import quote

import attrs

__all__ = [
    "MASK",
    "blank",
    "forget",
    "forget_later",
    "lend",
    "redacting",
    "scrub_error",
    "secret_forms",
    "shorten",
    "unlend",
]

MASK: Final = "***"
#: the loggers that may print what a vendor sent (httpcore logs response headers at DEBUG)
LOGGERS: Final = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "phonefleet",
    "phonefleet.http",
)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def secret_forms(values: Iterable[str]) -> tuple[str, ...]:
    """Every form in which these credentials could be echoed back, longest first.

    Longest first, so a Basic pair is blanked whole before its parts are.
    """
    raw = [v for v in dict.fromkeys(values) if v]
    forms: set[str] = set(raw)
    for value in raw:
        forms.add(quote(value, safe=""))
        forms.add(_b64(value))
    for user, password in itertools.permutations(raw, 2):
        forms.add(_b64(f"{user}:{password}"))
    forms.discard("")
    return tuple(sorted(forms, key=len, reverse=True))


def _blank_text(text: str, forms: tuple[str, ...]) -> str:
    for form in forms:
        if form in text:
            text = text.replace(form, MASK)
    return text


def blank(value: Any, forms: tuple[str, ...], _depth: int = 0) -> Any:
    """`value` with every credential form blanked: strings, and the strings
    inside tuples, lists, dicts and attrs instances (an ArchiveBlocker)."""
    if not forms or _depth > 8:
        return value
    if isinstance(value, str):
        return _blank_text(value, forms)
    if isinstance(value, list):
        return [blank(item, forms, _depth + 1) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(blank(item, forms, _depth + 1) for item in value)
    if isinstance(value, dict):
        return {key: blank(item, forms, _depth + 1) for key, item in value.items()}
    if attrs.has(type(value)):
        changes: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            old = getattr(value, field.name)
            new = blank(old, forms, _depth + 1)
            if field.init and new is not old:
                changes[field.alias] = new
        return attrs.evolve(value, **changes) if changes else value
    return value


#: the credential forms of the store whose flow is running in this context
_LENT: ContextVar[tuple[str, ...]] = ContextVar("phonefleet_lent_secret_forms", default=())


def lend(forms: tuple[str, ...]) -> Token[tuple[str, ...]]:
    """Make `forms` the credentials `shorten` blanks in this context (a driver,
    while it runs a flow); hand the token back to `unlend`."""
    return _LENT.set(forms)


def unlend(token: Token[tuple[str, ...]]) -> None:
    _LENT.reset(token)


def shorten(value: object, limit: int, *, secrets: Iterable[str] = (), quote: bool = False) -> str:
    """`value` as text of at most `limit` characters, credentials blanked first.

    The whole value is blanked (bytes are decoded first) (every form of `secrets`, and of the running
    store's credentials), then quoted (`repr`, when `quote` or not a string),
    then cut, ending in "..." when cut.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        value, quote = bytes(value).decode("utf-8", "replace"), True
    forms = _LENT.get()
    extra = tuple(secrets)
    if extra:
        forms = tuple(sorted({*forms, *secret_forms(extra)}, key=len, reverse=True))
    clean = blank(value, forms) if forms else value
    text = repr(clean) if quote or not isinstance(clean, str) else clean
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 0)] + "..."


def scrub_error(error: BaseException, forms: tuple[str, ...]) -> BaseException:
    """Blank the credentials out of an error: its args and every text attribute."""
    if not forms:
        return error
    error.args = tuple(blank(arg, forms) for arg in error.args)
    for name, old in list(vars(error).items()):
        new = blank(old, forms)
        if new is not old:
            setattr(error, name, new)
    return error


class _RedactingFilter(logging.Filter):
    """Blanks the credentials of every open store out of a log record.

    A store that is garbage-collected unclosed is forgotten through a
    finalizer, which may run inside any allocation, even one made while
    this filter's lock is held: so a finalizer only queues its key
    (`deque.append` is atomic), and the queue is drained under the lock.
    """

    def __init__(self) -> None:
        super().__init__("phonefleet.redact")
        self._lock = threading.Lock()
        self._owners: dict[object, tuple[str, ...]] = {}
        self._gone: deque[object] = deque()
        self._forms: tuple[str, ...] = ()

    def add(self, owner: object, forms: tuple[str, ...]) -> None:
        with self._lock:
            self._owners[owner] = forms
            self._rebuild()

    def remove(self, owner: object) -> None:
        self._gone.append(owner)
        with self._lock:
            self._rebuild()

    def remove_later(self, owner: object) -> None:
        """For finalizers: no lock taken, nothing rebuilt now."""
        self._gone.append(owner)

    def _rebuild(self) -> None:
        while self._gone:
            self._owners.pop(self._gone.popleft(), None)
        merged = {form for forms in list(self._owners.values()) for form in forms}
        self._forms = tuple(sorted(merged, key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        forms = self._forms
        if not forms:
            return True
        try:
            text = record.getMessage()
        except Exception:  # a broken record is the handler's to report
            return True
        clean = _blank_text(text, forms)
        if clean != text:
            record.msg, record.args = clean, None
        return True


_FILTER: Final = _RedactingFilter()
_installed = False
_install_lock = threading.Lock()


def _install() -> None:
    global _installed  # noqa: PLW0603 - installed once per process
    with _install_lock:
        if not _installed:
            for name in LOGGERS:
                logging.getLogger(name).addFilter(_FILTER)
            _installed = True


def redacting(key: object, forms: tuple[str, ...]) -> None:
    """Blank `forms` out of httpx, httpcore and phonefleet log records until
    `forget(key)` (the driver that registered them is closed or collected)."""
    if not forms:
        return
    _install()
    _FILTER.add(key, forms)


def forget(key: object) -> None:
    """Stop redacting what `key` registered (its store is closed)."""
    _FILTER.remove(key)


def forget_later(key: object) -> None:
    """`forget`, safe to call from a finalizer (at any allocation, any lock held)."""
    _FILTER.remove_later(key)
