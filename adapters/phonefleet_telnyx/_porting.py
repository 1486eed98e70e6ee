"""Telnyx porting orders, as flows (`Feature.PORT_IN`).

`POST /portability_checks` in batches; a port uploads the LOA and the
invoice (`POST /documents`, multipart), creates the order(s) (`POST
/porting_orders`: Telnyx splits the numbers by losing carrier and answers
every order), sets each order's `end_user`, `documents` and requested FOC
date (`PATCH`), then submits it (`POST .../actions/confirm`). Reading is
`GET /porting_orders/{id}` (plus `/requirements` while the order says its
requirements are not met) and the paged listing; cancelling is `POST
.../actions/cancel`.

An order is never created twice: after an unclear outcome (a dropped
connection, a 5xx, an answer we cannot read) the flow looks for open orders
holding the numbers and sends again only for the numbers none holds.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import httpx

from phonefleet import (
    PhoneFleetError,
    Portability,
    PortAccount,
    PortDocuments,
    PortIn,
    PortStatus,
    ResponseFormatError,
    TransportError,
)
from phonefleet.adapter import (
    RETRY_EXTENSION,
    UNKNOWN_OUTCOME,
    Adapter,
    Flow,
    PortPage,
    RequestBuilder,
    check_cursor,
    loads,
    write_once,
)

from ._mapping import data_of, page_of
from ._porting_wire import (
    account_to_wire,
    foc_requested,
    is_open,
    order_from_wire,
    orders_from_wire,
    portability_from_wire,
    unmet_requirements,
)

__all__ = ["PORTABILITY_BATCH", "PORT_SENDS", "PortingFlows"]

#: numbers per `POST /portability_checks` (the spec sets no bound; we keep requests small)
PORTABILITY_BATCH: Final = 100
#: how often an order's create, confirm or cancel is sent in all, each repeat
#: only after a look proved the previous one did not take effect
PORT_SENDS: Final = 3
#: `page[size]` of the look for orders holding a number (the spec's maximum)
_LOOK_PAGE: Final = 250
_NUMBERS_FILTER: Final = "filter[phone_numbers.phone_number][contains]"
_SENT_STATUSES: Final = frozenset({"cancel-pending", "cancelled"})


def _content_type(data: bytes) -> str:
    return "application/pdf" if data.startswith(b"%PDF") else "application/octet-stream"


class PortingFlows(Adapter):
    """The porting flows of the Telnyx adapter (mixed into `TelnyxAdapter`)."""

    requests: RequestBuilder
    page_size: int

    # -- building blocks -----------------------------------------------------------------
    def _port_record(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        self.raise_for_error(response, operation)
        data = data_of(loads(response, provider=self.provider), operation)
        if not isinstance(data, dict):
            msg = f"{operation}: expected data to be an object, got {type(data).__name__}"
            raise ResponseFormatError(msg, provider=self.provider)
        return data

    def _order_record(self, port_id: str, operation: str) -> Flow[dict[str, Any]]:
        params = {"include_phone_numbers": "true"}
        response = yield self.requests.request("GET", "porting_orders", port_id, params=params)
        return self._port_record(response, operation)

    def _requirements(self, port_id: str, operation: str) -> Flow[list[str]]:
        """The unmet requirements of an order, every page of them."""
        unmet: list[str] = []
        page: str | None = "1"
        seen: set[str] = set()
        while page is not None:
            number = int(check_cursor(page, seen, self.provider))
            params = [("page[number]", number), ("page[size]", _LOOK_PAGE)]
            response = yield self.requests.request(
                "GET", "porting_orders", port_id, "requirements", params=params
            )
            self.raise_for_error(response, operation)
            records, page = page_of(loads(response, provider=self.provider), "porting requirements", number)
            unmet.extend(unmet_requirements(records))
        return unmet

    def _read_order(self, record: dict[str, Any], port_id: str, operation: str) -> Flow[PortIn]:
        """An order with its unmet requirements, read only while it says they are not met."""
        unmet: list[str] = []
        if record.get("requirements_met") is False and is_open(record):
            unmet = yield from self._requirements(port_id, operation)
        return order_from_wire(record, unmet)

    # -- portability -----------------------------------------------------------------------
    def check_portability(self, numbers: tuple[str, ...]) -> Flow[list[Portability]]:
        results: list[Portability] = []
        for start in range(0, len(numbers), PORTABILITY_BATCH):
            batch = list(numbers[start : start + PORTABILITY_BATCH])
            # a check changes nothing: repeating it is harmless
            request = self.requests.request(
                "POST", "portability_checks", json={"phone_numbers": batch}, retry="safe"
            )
            response = yield request
            self.raise_for_error(response, "check_portability")
            results.extend(portability_from_wire(loads(response, provider=self.provider)))
        return results

    # -- port in -----------------------------------------------------------------------------
    def check_port_in(
        self,
        numbers: tuple[str, ...],
        *,
        account: PortAccount,
        documents: PortDocuments,
        date: date | None,
    ) -> None:
        """Telnyx submits an order only with its LOA and invoice: refuse one without, sending nothing."""
        missing = [name for name in ("loa", "invoice") if getattr(documents, name) is None]
        if missing:
            what = " and the ".join(
                {"loa": "letter of authorization (loa)", "invoice": "invoice"}[m] for m in missing
            )
            msg = (
                f"a Telnyx porting order needs the {what}: pass documents=PortDocuments(loa=..., invoice=...)"
            )
            raise ValueError(msg)

    def port_in(
        self,
        numbers: tuple[str, ...],
        *,
        account: PortAccount,
        documents: PortDocuments,
        date: date | None,
    ) -> Flow[list[PortIn]]:
        self.check_port_in(numbers, account=account, documents=documents, date=date)
        loa = yield from self._upload(documents.loa, "loa")
        invoice = yield from self._upload(documents.invoice, "invoice")
        body: dict[str, Any] = {
            "end_user": account_to_wire(account),
            "documents": {"loa": loa, "invoice": invoice},
        }
        if date is not None:
            body["activation_settings"] = {"foc_datetime_requested": foc_requested(date)}
        orders = yield from self._create_orders(numbers)
        submitted = []
        for order in orders:
            if order.status is not PortStatus.DRAFT:  # found submitted already, after an unclear outcome
                submitted.append(order)
                continue
            # a PATCH sets absolute values: repeating one is harmless
            request = self.requests.request("PATCH", "porting_orders", order.id, json=body, retry="safe")
            self._port_record((yield request), "port_in")
            submitted.append((yield from self._confirm(order.id)))
        return submitted

    def _upload(self, data: object, what: str) -> Flow[str]:
        """`POST /documents` (multipart): the document's id.

        An upload not linked to an order is deleted by Telnyx after 30
        minutes, so repeating one after an unclear outcome is harmless.
        """
        if not isinstance(data, bytes):  # the core read every path already
            msg = f"the {what} document must be bytes here, got {type(data).__name__}"
            raise TypeError(msg)
        request = httpx.Request(
            "POST",
            self.requests.url("documents"),
            headers={"Accept": "application/json", **self.requests.headers},
            files={"file": (f"{what}.pdf", data, _content_type(data))},
            extensions={RETRY_EXTENSION: "safe"},
        )
        request.read()  # one body in memory, the same for sync and async drivers and for a resend
        record = self._port_record((yield request), "port_in")
        ident = record.get("id")
        if not isinstance(ident, str) or not ident:
            msg = f"the uploaded {what} document came back without an id"
            raise ResponseFormatError(msg, provider=self.provider)
        return ident

    def _create_orders(self, numbers: tuple[str, ...]) -> Flow[list[PortIn]]:
        """`POST /porting_orders`, never twice for a number: after an unclear
        outcome, open orders holding the numbers are looked for, and the
        create is sent again only for the numbers none holds."""
        remaining = list(numbers)
        found: dict[str, PortIn] = {}
        for attempt in range(1, PORT_SENDS + 1):
            failure: PhoneFleetError
            try:
                # a 429 created nothing: the driver may wait it out and send again
                response = yield self.requests.request(
                    "POST", "porting_orders", json={"phone_numbers": remaining}, retry="rate_limit"
                )
            except TransportError as exc:
                failure = exc
            else:
                if response.status_code in UNKNOWN_OUTCOME:
                    failure = self.error_from_response(response, "port_in")
                elif response.is_error:
                    raise self.error_from_response(response, "port_in")
                else:
                    try:
                        created = orders_from_wire(loads(response, provider=self.provider))
                    except ResponseFormatError as exc:
                        failure = exc
                    else:
                        return [*found.values(), *created]
            for order in (yield from self._open_orders_holding(remaining)):
                found[order.id] = order
            remaining = [n for n in remaining if not any(o.holds(n) for o in found.values())]
            if not remaining:
                return list(found.values())
            if attempt == PORT_SENDS:
                raise failure
        raise AssertionError("unreachable")  # pragma: no cover

    def _open_orders_holding(self, numbers: list[str]) -> Flow[list[PortIn]]:
        """The open orders holding any of `numbers`: one filtered listing per number
        not already covered by an order found for another."""
        found: dict[str, PortIn] = {}
        for number in numbers:
            if any(order.holds(number) for order in found.values()):
                continue
            page: str | None = "1"
            seen: set[str] = set()
            while page is not None:
                asked = int(check_cursor(page, seen, self.provider))
                params: list[tuple[str, str | int]] = [
                    (_NUMBERS_FILTER, number[1:]),
                    ("include_phone_numbers", "true"),
                    ("page[number]", asked),
                    ("page[size]", _LOOK_PAGE),
                ]
                response = yield self.requests.request("GET", "porting_orders", params=params)
                self.raise_for_error(response, "port_in")
                records, page = page_of(loads(response, provider=self.provider), "porting orders", asked)
                for record in records:
                    if not isinstance(record, dict) or not is_open(record):
                        continue
                    order = order_from_wire(record)
                    listed = len(order.numbers)
                    count = record.get("porting_phone_numbers_count")
                    # a long order lists only its first numbers: the filter's match is its word
                    truncated = isinstance(count, int) and count > listed
                    if order.holds(number) or truncated:
                        found[order.id] = order
        return list(found.values())

    def _confirm(self, port_id: str) -> Flow[PortIn]:
        """`POST .../actions/confirm`; after an unclear outcome, the order's status decides."""

        def took_effect() -> Flow[PortIn | None]:
            record = yield from self._order_record(port_id, "port_in")
            order = order_from_wire(record)
            return None if order.status is PortStatus.DRAFT else order

        return (
            yield from write_once(
                self,
                lambda: self.requests.request(
                    "POST", "porting_orders", port_id, "actions", "confirm", retry="rate_limit"
                ),
                operation="port_in",
                accept=lambda response: order_from_wire(self._port_record(response, "port_in")),
                took_effect=took_effect,
                max_sends=PORT_SENDS,
            )
        )

    # -- read / list / cancel -------------------------------------------------------------
    def get_port_in(self, port_id: str) -> Flow[PortIn]:
        record = yield from self._order_record(port_id, "get_port_in")
        return (yield from self._read_order(record, port_id, "get_port_in"))

    def list_port_ins_page(self, open_only: bool, cursor: str | None) -> Flow[PortPage]:
        """One page of orders, newest first; `open_only` keeps those not done
        (Telnyx's listing has no status filter)."""
        asked = int(cursor) if cursor else 1
        params: list[tuple[str, str | int]] = [
            ("include_phone_numbers", "true"),
            ("page[number]", asked),
            ("page[size]", self.page_size),
        ]
        response = yield self.requests.request("GET", "porting_orders", params=params)
        self.raise_for_error(response, "list_port_ins")
        records, following = page_of(loads(response, provider=self.provider), "porting orders", asked)
        orders = [order_from_wire(record) for record in records]
        if open_only:
            orders = [order for order in orders if not order.status.done]
        return PortPage(orders, following)

    def cancel_port_in(self, port_id: str) -> Flow[PortIn]:
        """`POST .../actions/cancel`; after an unclear outcome, the order's status decides."""

        def took_effect() -> Flow[PortIn | None]:
            record = yield from self._order_record(port_id, "cancel_port_in")
            status = record.get("status")
            value = status.get("value") if isinstance(status, dict) else None
            return order_from_wire(record) if value in _SENT_STATUSES else None

        return (
            yield from write_once(
                self,
                lambda: self.requests.request(
                    "POST", "porting_orders", port_id, "actions", "cancel", retry="rate_limit"
                ),
                operation="cancel_port_in",
                accept=lambda response: order_from_wire(self._port_record(response, "cancel_port_in")),
                took_effect=took_effect,
                max_sends=PORT_SENDS,
            )
        )
