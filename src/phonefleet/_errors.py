"""Every error phonefleet raises; catch `PhoneFleetError` to catch them all.

Messages are written for a person: which vendor, which operation, the
vendor's code and message and its doc link. They never carry a credential.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._model import ArchiveBlocker, Feature
    from ._porting import Portability, PortIn

__all__ = [
    "ArchiveBlockedError",
    "AuthenticationError",
    "ConflictError",
    "DeadlineExceededError",
    "InvalidNumberError",
    "NotFoundError",
    "NotPortableError",
    "PermissionDeniedError",
    "PhoneFleetError",
    "PortFailedError",
    "ProviderError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
    "TransportError",
    "UnknownProviderError",
    "UnsupportedOperationError",
]


class PhoneFleetError(Exception):
    """Base of every phonefleet error."""


class InvalidNumberError(PhoneFleetError, ValueError):
    """A number given by the caller is not a usable phone number.

    Raised before any request is sent.
    """

    def __init__(self, text: object, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"{text!r} is not a valid phone number: {reason}")


class UnknownProviderError(PhoneFleetError, LookupError):
    """No adapter is installed under that name."""

    def __init__(self, provider: str, installed: Sequence[str], *, also: Sequence[str] = ()) -> None:
        import difflib

        self.provider = provider
        self.installed = tuple(installed)
        close = difflib.get_close_matches(str(provider), [*self.installed, *also], n=1, cutoff=0.6)
        #: the closest valid name (`also` adds spellings a caller accepts, e.g. `emulator:linq`)
        self.suggestion = close[0] if close else None
        names = ", ".join(self.installed) or "none"
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        super().__init__(f"no phonefleet adapter named {provider!r}{hint}; installed: {names}")


class UnsupportedOperationError(PhoneFleetError, NotImplementedError):
    """The store cannot do this; raised before any request is sent."""

    def __init__(self, provider: str, feature: Feature, detail: str | None = None) -> None:
        self.provider = provider
        self.feature = feature
        message = f"{provider} does not support {feature.value}"
        if detail:
            message = f"{message}: {detail}"
        super().__init__(message)


class ProviderError(PhoneFleetError):
    """The vendor answered with an error.

    Keeps the vendor's own status, code, message, doc link and request id.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        code: str | int | None = None,
        doc_url: str | None = None,
        request_id: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.provider = provider
        self.status = status
        self.code = code
        self.message = message
        self.doc_url = doc_url
        self.request_id = request_id
        self.operation = operation
        super().__init__(self._describe())

    def _describe(self) -> str:
        head = self.provider
        if self.operation:
            head = f"{head} {self.operation}"
        parts = [f"{head} failed"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code is not None:
            parts.append(f"code {self.code}")
        text = ", ".join(parts) + f": {self.message}"
        if self.doc_url:
            text += f" (see {self.doc_url})"
        if self.request_id:
            text += f" [request {self.request_id}]"
        return text


class AuthenticationError(ProviderError):
    """401: the credentials are missing, wrong or expired."""


class PermissionDeniedError(ProviderError):
    """403: the credentials lack a permission; `scope` names it where known."""

    def __init__(self, message: str, *, scope: str | None = None, **kwargs: Any) -> None:
        self.scope = scope
        if scope and scope not in message:
            message = f"{message} (needs scope {scope})"
        super().__init__(message, **kwargs)


class NotFoundError(ProviderError):
    """404, or a reference that matches no number."""


class ConflictError(ProviderError):
    """409: the request conflicts with the resource's current state."""


class ArchiveBlockedError(ConflictError):
    """The number cannot be archived while `blockers` stand in the way."""

    def __init__(self, message: str, *, blockers: Sequence[ArchiveBlocker] = (), **kwargs: Any) -> None:
        self.blockers = list(blockers)
        if self.blockers:
            names = ", ".join(f"{b.kind} {b.name or b.id}" for b in self.blockers)
            message = f"{message} (blocked by {names})"
        super().__init__(message, **kwargs)


class RateLimitError(ProviderError):
    """429: too many requests; `retry_after` says how long to wait, if known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(ProviderError):
    """5xx: the vendor failed."""


class ResponseFormatError(PhoneFleetError):
    """The vendor answered something that is not its documented shape."""

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        self.provider = provider
        super().__init__(f"{provider}: {message}" if provider else message)


class TransportError(PhoneFleetError):
    """The network failed and the retries allowed are spent."""


class DeadlineExceededError(TransportError, TimeoutError):
    """The operation's overall deadline passed."""


class NotPortableError(PhoneFleetError):
    """Some numbers cannot be ported; no order was created.

    `results` holds the `Portability` of each number that cannot port, with
    the vendor's reason.
    """

    def __init__(self, results: Sequence[Portability]) -> None:
        self.results = tuple(results)
        shown = "; ".join(f"{r.number}: {r.reason or 'not portable'}" for r in self.results[:10])
        more = f" (and {len(self.results) - 10} more)" if len(self.results) > 10 else ""
        count = len(self.results)
        super().__init__(f"{count} number{'s' if count != 1 else ''} cannot be ported: {shown}{more}")


class PortFailedError(PhoneFleetError):
    """A port was rejected or cancelled; the vendor's reason is in the message.

    `port` is the order as last seen (None when it could not be read).
    """

    def __init__(self, message: str, *, port: PortIn | None = None) -> None:
        self.port = port
        super().__init__(message)
