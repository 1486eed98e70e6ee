"""Porting into Twilio, as flows: the Port In API on numbers.twilio.com and the
utility bill uploaded first to numbers-upload.twilio.com.

- `check_portability`: `GET /v1/Porting/Portability/PhoneNumber/{PhoneNumber}`, one per number.
- `port_in`: `POST https://numbers-upload.twilio.com/v1/Documents` (multipart:
  `document_type=utility_bill`, `friendly_name`, `File`), then
  `POST /v1/Porting/PortIn` per 1,000 numbers (Twilio's limit), with the
  document's sid in `documents`. A create whose outcome is unclear (the
  connection lost, a timeout, a 5xx) is followed by a look for an open
  request holding those numbers before anything is sent again.
- `get_port_in`: `GET /v1/Porting/PortIn/{PortInRequestSid}`.
- `list_port_ins_page`: `GET /v1/Porting/PortIn/PortInRequests` (`Size`,
  `Token`, `meta.next_token`), each request then fetched for its numbers.
- `cancel_port_in`: `DELETE /v1/Porting/PortIn/{PortInRequestSid}` (204).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

import httpx

from phonefleet import (
    Feature,
    NotFoundError,
    Portability,
    PortAccount,
    PortDocuments,
    PortIn,
    PortStatus,
    ResponseFormatError,
)
from phonefleet.adapter import (
    RETRY_EXTENSION,
    Adapter,
    Flow,
    PortPage,
    RequestBuilder,
    json_or_none,
    loads,
    shorten,
    write_once,
)

from ._errors import error_from_response
from ._porting_wire import (
    document_mime,
    listed_status,
    port_in_body,
    port_in_from_wire,
    portability_from_wire,
)
from ._wire import PROVIDER

__all__ = ["MAX_DOCUMENT_BYTES", "MAX_NUMBERS", "NUMBERS_BASE_URL", "UPLOAD_BASE_URL", "PortingFlows"]

NUMBERS_BASE_URL: Final = "https://numbers.twilio.com"
UPLOAD_BASE_URL: Final = "https://numbers-upload.twilio.com"
#: "Maximum of 1,000 phone numbers per request"
MAX_NUMBERS: Final = 1000
#: the Documents API's limit on a file
MAX_DOCUMENT_BYTES: Final = 10 * 1024 * 1024
#: port-in requests per listing page (the spec's maximum `Size`)
LIST_SIZE: Final = 100


class PortingFlows(Adapter):
    """The porting flows of the Twilio adapter (the base of `TwilioAdapter`).

    `numbers` and `uploads` are None in the SignalWire dialect, which has
    no Port In API (its `features` lack PORT_IN, so no flow here runs).
    """

    provider: str
    account_sid: str
    numbers: RequestBuilder | None
    uploads: RequestBuilder | None

    # -- helpers ------------------------------------------------------------------
    def _numbers_api(self) -> RequestBuilder:
        if self.numbers is None:
            raise self.unsupported(Feature.PORT_IN, "SignalWire's Compatibility API has no Port In API")
        return self.numbers

    def _porting(self, method: str, *segments: str, **options: Any) -> httpx.Request:
        return self._numbers_api().request(method, "v1", "Porting", *segments, **options)

    def _body(self, response: httpx.Response, operation: str, expected: frozenset[int]) -> Any:
        if response.is_error:
            raise error_from_response(response, operation)
        if response.status_code not in expected:
            msg = f"{operation}: expected HTTP {sorted(expected)}, got {response.status_code}"
            raise ResponseFormatError(msg, provider=PROVIDER)
        return loads(response, provider=PROVIDER)

    # -- checks before anything is sent ---------------------------------------------
    def check_port_in(
        self,
        numbers: tuple[str, ...],
        *,
        account: PortAccount,
        documents: PortDocuments,
        date: dt.date | None,
    ) -> None:
        """What the Port In API requires: the customer, its representative and a utility bill."""
        for field, what in (
            (account.name, "name (customer_name)"),
            (account.authorized_name, "authorized_name (authorized_representative)"),
            (account.authorized_email, "authorized_email (authorized_representative_email)"),
        ):
            if not field.strip():
                msg = f"twilio needs the account's {what} to port"
                raise ValueError(msg)
        bill = documents.invoice
        if bill is None:
            msg = (
                "twilio needs a utility bill to port: give PortDocuments(invoice=...) "
                "(uploaded as the request's utility_bill document)"
            )
            raise ValueError(msg)
        if isinstance(bill, bytes) and len(bill) > MAX_DOCUMENT_BYTES:
            msg = f"the utility bill is {len(bill)} bytes; Twilio takes at most {MAX_DOCUMENT_BYTES} (10 MB)"
            raise ValueError(msg)

    # -- portability --------------------------------------------------------------------
    def check_portability(self, numbers: tuple[str, ...]) -> Flow[list[Portability]]:
        results: list[Portability] = []
        for number in numbers:
            response = yield self._porting("GET", "Portability", "PhoneNumber", number)
            results.append(self._portability(response, number))
        return results

    def _portability(self, response: httpx.Response, number: str) -> Portability:
        # Twilio documents a non-portable number both as a 200 with `portable:
        # false` and as a 400 carrying the same fields: both are an answer
        if response.status_code == 400:
            body = json_or_none(response)
            if isinstance(body, dict) and "not_portable_reason_code" in body:
                return portability_from_wire(body, number)
        return portability_from_wire(self._body(response, "check_portability", frozenset({200})), number)

    # -- port in ---------------------------------------------------------------------------
    def port_in(
        self,
        numbers: tuple[str, ...],
        *,
        account: PortAccount,
        documents: PortDocuments,
        date: dt.date | None,
    ) -> Flow[list[PortIn]]:
        self.check_port_in(numbers, account=account, documents=documents, date=date)
        assert isinstance(documents.invoice, bytes)  # the core read it
        name = shorten(f"Utility bill, {account.name}", 255, secrets=account.secrets())
        bill = yield from self._upload(documents.invoice, name)
        created: list[PortIn] = []
        for start in range(0, len(numbers), MAX_NUMBERS):
            batch = numbers[start : start + MAX_NUMBERS]
            body = port_in_body(
                batch, account_sid=self.account_sid, account=account, documents=[bill], date=date
            )
            created.append((yield from self._create_once(batch, body)))
        return created

    def _create_once(self, batch: tuple[str, ...], body: dict[str, Any]) -> Flow[PortIn]:
        """One create, never sent twice: after an unclear outcome, an open request holding
        these numbers is the one created."""

        def send() -> httpx.Request:
            # a 429 created nothing (Twilio says so): the driver may wait it out and send again
            return self._porting("POST", "PortIn", json=body, retry="rate_limit")

        def accept(response: httpx.Response) -> PortIn:
            return port_in_from_wire(self._body(response, "port_in", frozenset({200, 201, 202})))

        return write_once(
            self,
            send,
            operation="port_in",
            accept=accept,
            took_effect=lambda: self._open_holding(batch),
        )

    def _open_holding(self, numbers: tuple[str, ...]) -> Flow[PortIn | None]:
        """The open request holding any of `numbers`, or None."""
        wanted = set(numbers)
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = yield from self.list_port_ins_page(True, cursor)
            for port in page.items:
                if any(n.number in wanted for n in port.numbers):
                    return port
            if page.next is None or page.next in seen:
                return None
            seen.add(page.next)
            cursor = page.next

    def _upload(self, content: bytes, name: str) -> Flow[str]:
        """Upload the utility bill; its document sid."""
        if self.uploads is None:
            raise self.unsupported(Feature.PORT_IN, "SignalWire's Compatibility API has no Documents API")
        request = httpx.Request(
            "POST",
            self.uploads.url("v1", "Documents"),
            data={"document_type": "utility_bill", "friendly_name": name},
            files={"File": ("utility_bill", content, document_mime(content))},
            headers={"Accept": "application/json"},
            # a second upload only leaves a spare document, never a second order;
            # still, only a 429 (nothing stored) is sent again
            extensions={RETRY_EXTENSION: "rate_limit"},
        )
        request.read()  # the body as bytes: sendable again (a 429), and loggable by size
        response = yield request
        body = self._body(response, "upload", frozenset({200, 201}))
        sid = body.get("sid") if isinstance(body, dict) else None
        if not isinstance(sid, str) or not sid.strip():
            msg = "the uploaded document has no sid"
            raise ResponseFormatError(msg, provider=PROVIDER)
        return sid.strip()

    # -- read ---------------------------------------------------------------------------------
    def get_port_in(self, port_id: str) -> Flow[PortIn]:
        response = yield self._porting("GET", "PortIn", port_id)
        return port_in_from_wire(self._body(response, "get_port_in", frozenset({200})))

    def list_port_ins_page(self, open_only: bool, cursor: str | None) -> Flow[PortPage]:
        params: dict[str, str | int] = {"Size": LIST_SIZE}
        if cursor is not None:
            params["Token"] = cursor
        response = yield self._porting("GET", "PortIn", "PortInRequests", params=params)
        body = self._body(response, "list_port_ins", frozenset({200}))
        if not isinstance(body, dict) or not isinstance(body.get("port_in_requests"), list):
            msg = "expected a port_in_requests list in the listing"
            raise ResponseFormatError(msg, provider=PROVIDER)
        meta = body.get("meta")
        following = meta.get("next_token") if isinstance(meta, dict) else None
        if following is not None and not isinstance(following, str):
            msg = f"expected meta.next_token to be a string, got {type(following).__name__}"
            raise ResponseFormatError(msg, provider=PROVIDER)
        items: list[PortIn] = []
        for entry in body["port_in_requests"]:
            sid, status = listed_status(entry)
            if open_only and status.done:
                continue
            try:  # the listing names the requests; their numbers come with each one
                port = yield from self.get_port_in(sid)
            except NotFoundError:  # gone between the listing and the fetch
                continue
            if not (open_only and port.status.done):
                items.append(port)
        return PortPage(items=items, next=following or None)

    # -- cancel -----------------------------------------------------------------------------------
    def cancel_port_in(self, port_id: str) -> Flow[PortIn]:
        def accept(response: httpx.Response) -> bool:
            if response.status_code not in {200, 202, 204}:
                msg = f"cancel_port_in: expected HTTP 204, got {response.status_code}"
                raise ResponseFormatError(msg, provider=PROVIDER)
            return True

        def cancelled() -> Flow[bool | None]:
            port = yield from self.get_port_in(port_id)
            return True if port.status is PortStatus.CANCELLED else None

        send: Callable[[], httpx.Request] = lambda: self._porting(  # noqa: E731
            "DELETE", "PortIn", port_id, retry="rate_limit"
        )
        yield from write_once(
            self,
            send,
            operation="cancel_port_in",
            accept=accept,
            took_effect=cancelled,
        )
        return (yield from self.get_port_in(port_id))
