"""What is retried, how often, and for how long: one policy, per store."""

from __future__ import annotations

import attrs

__all__ = ["RetryPolicy"]


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        msg = f"RetryPolicy.{attribute.name} must be > 0, got {value!r}"
        raise ValueError(msg)


@attrs.frozen
class RetryPolicy:
    """Retry and deadline settings for one store.

    `attempts` counts the first try. `deadline` bounds a whole operation
    (one page of a listing), retries and waits included. A Retry-After longer
    than `max_retry_after` is not waited for: the RateLimitError goes to the
    caller with its `retry_after`.
    """

    attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    deadline: float = attrs.field(default=60.0, validator=_positive)
    backoff_initial: float = attrs.field(default=0.2, validator=_positive)
    backoff_max: float = attrs.field(default=10.0, validator=_positive)
    backoff_jitter: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_retry_after: float = attrs.field(default=60.0, validator=_positive)
    #: also report each retry to stamina's own on-retry hooks (its logging,
    #: structlog or Prometheus instrumentation); off: they are process-wide,
    #: and structlog's would print on stdout. phonefleet.http logs them always.
    stamina_hooks: bool = False

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt: for callers that retry themselves."""
        return cls(attempts=1)
