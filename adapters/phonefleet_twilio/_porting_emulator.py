"""The Twilio emulator's Port In API (numbers.twilio.com/v1/Porting) and Documents
upload (numbers-upload.twilio.com/v1/Documents), and its part in a `Network`.

Built from `twilio_numbers_v1.json`: the paths, the JSON shapes
(`numbers.v1.porting_port_in`, `porting_port_in_phone_number`,
`porting_portability`, `ListPortInRequestsResponse`) and Twilio's error
envelope. The lifecycle runs on the network's clock: a request is checked
against the losing carrier's account data when it is created; each number
that matches is `port_pending` with a `port_date` three business days on,
and `completed` on that date (it leaves the losing emulator and joins this
one's list with no settings); one that does not is `port_rejected`, its
`rejection_reason` saying which fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any, Final

import attrs
import httpx

from phonefleet import PortAccount, PortAddress, is_e164
from phonefleet.testing import Network, business_days_after, json_response

if TYPE_CHECKING:
    from .emulator import TwilioEmulator

__all__ = ["NUMBERS_HOST", "PortingDesk", "UPLOAD_HOST"]

NUMBERS_HOST: Final = "numbers.twilio.emulator.invalid"
UPLOAD_HOST: Final = "numbers-upload.twilio.emulator.invalid"
_NUMBERS_URL: Final = "https://numbers.twilio.com"
#: "Maximum of 1,000 phone numbers per request"
_MAX_NUMBERS: Final = 1000
#: "This date must be at least 7 days in the future for US ports"
_MIN_LEAD: Final = dt.timedelta(days=7)
_MAX_DOCUMENT: Final = 10 * 1024 * 1024
#: Twilio's rejection reasons (`porting_bulk_update_status_request`), by the field that did not match
_REJECTIONS: Final = {
    "name": "INVALID_END_USER_NAME",
    "postal_code": "INVALID_ADDRESS",
    "pin": "INVALID_PIN",
    "account_number": "INVALID_ACCOUNT_NUMBER",
    "billing_number": "CONTACT_SUPPORT_REQUIRED",
}
_OPEN: Final = frozenset({"in_review", "waiting_for_signature", "port_submitted", "port_pending"})


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sid(prefix: str, *parts: object) -> str:
    return prefix + hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).hexdigest()


@attrs.define
class _Number:
    sid: str
    number: str
    pin: str | None
    created: dt.datetime
    status: str = "in_review"
    updated: dt.datetime | None = None
    port_date: dt.datetime | None = None
    rejection_reason: str | None = None


@attrs.define
class _Request:
    sid: str
    created: dt.datetime
    carrier: dict[str, Any]
    documents: list[str]
    emails: list[str] | None
    target: str | None
    numbers: list[_Number]
    cancellation: str | None = None

    def status(self) -> str:
        """The request's status in Twilio's words, from its numbers'."""
        states = [n.status for n in self.numbers]
        if "in_review" in states or "port_submitted" in states:
            return "In review"
        if "waiting_for_signature" in states:
            return "Waiting for Signature"
        if any(s in _OPEN for s in states):
            return "In progress"
        if all(s == "completed" for s in states):
            return "Completed"
        if all(s in {"canceled", "canceling"} for s in states):
            return "Canceled"
        if "port_rejected" in states:
            return "Action Required"
        return "Completed"

    def updated(self) -> dt.datetime:
        return max([self.created, *(n.updated for n in self.numbers if n.updated is not None)])


class PortingDesk:
    """Twilio's porting endpoints in one emulator, and that emulator's membership of a `Network`."""

    def __init__(self, emulator: TwilioEmulator, network: Network | None) -> None:
        self.emulator = emulator
        self.network = network if network is not None else Network()
        self.key = self.network.join(self, "signalwire" if emulator.signalwire else "twilio")
        self.requests: dict[str, _Request] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        #: open numbers of this account's requests -> the request's sid
        self._porting: dict[str, str] = {}
        self._held: set[str] = set()
        self._held_mark: tuple[int, int] = (-1, -1)

    # -- mounting ---------------------------------------------------------------------
    def hold_seeded(self) -> None:
        """Tell the network which numbers this emulator holds (its seeded ones)."""
        for record in self.emulator._book.records.values():
            self.network.hold(self.key, record.number)

    def mount(self) -> None:
        """Add the porting routes to the emulator's router (the Twilio dialect only)."""
        add = self.emulator.router.add
        base = "/v1/Porting"
        add("POST", f"{base}/PortIn", self._create)
        add("GET", f"{base}/PortIn/PortInRequests", self._list)
        add("GET", f"{base}/PortIn/{{sid}}", self._fetch)
        add("DELETE", f"{base}/PortIn/{{sid}}", self._cancel)
        add("GET", f"{base}/PortIn/{{sid}}/PhoneNumber/{{number_sid}}", self._fetch_number)
        add("DELETE", f"{base}/PortIn/{{sid}}/PhoneNumber/{{number_sid}}", self._cancel_number)
        add("GET", f"{base}/Portability/PhoneNumber/{{number}}", self._portability)
        add("POST", "/v1/Documents", self._upload)

    # -- NetworkMember ------------------------------------------------------------------
    def network_release(self, number: str) -> None:
        """`number` ported away: it leaves this emulator's list, as if released."""
        book = self.emulator._book
        for record in list(book.records.values()):
            if record.number == number:
                book.remove(record)

    def network_tick(self, now: dt.datetime) -> None:
        """Complete every pending number whose port date has come."""
        for request in list(self.requests.values()):
            for entry in request.numbers:
                if entry.status == "port_pending" and entry.port_date is not None and entry.port_date <= now:
                    self._complete(entry, now)

    def _complete(self, entry: _Number, now: dt.datetime) -> None:
        self.network.transfer(entry.number, self.key)
        emulator = self.emulator
        emulator.available.pop(entry.number, None)
        record = emulator._add(entry.number)
        record.fields = emulator._blank(record.id, entry.number, _rfc2822(now))
        entry.status = "completed"
        entry.updated = entry.port_date or now  # it moved on its port date
        self._porting.pop(entry.number, None)

    # -- helpers ----------------------------------------------------------------------------
    def _now(self) -> dt.datetime:
        return self.network.now()

    def _error(self, status: int, code: int, message: str) -> httpx.Response:
        return self.emulator._error(status, code, message)

    def _wrong_host(self, request: httpx.Request, host: str) -> bool:
        """An in-process request to another emulated host than `host` (served, any host is ours)."""
        known = {NUMBERS_HOST, UPLOAD_HOST, "api.twilio.emulator.invalid"}
        return request.url.host in known and request.url.host != host

    def _holds(self, number: str) -> bool:
        book = self.emulator._book
        mark = (len(book.records), len(book.gone))
        if mark != self._held_mark:
            self._held = {record.number for record in book.records.values()}
            self._held_mark = mark
        return number in self._held

    def _url(self, *parts: str) -> str:
        return "/".join((_NUMBERS_URL, "v1", "Porting", *parts))

    # -- payloads -----------------------------------------------------------------------------
    def _number_result(self, entry: _Number) -> dict[str, Any]:
        """One of a request's `phone_numbers` (`porting_port_in_phone_number_result`)."""
        return {
            "phone_number": entry.number,
            "number_type": "LOCAL",
            "rejection_reason": entry.rejection_reason,
            "rejection_reason_code": None,
            "status_last_time_updated_timestamp": _iso(entry.updated or entry.created),
            "portable": True,
            "not_portability_reason": None,
            "not_portability_reason_code": None,
            "port_in_phone_number_sid": entry.sid,
            "port_in_phone_number_status": entry.status,
            "port_date": _iso(entry.port_date) if entry.port_date is not None else None,
            "external_porting_vendor_phone_number_id": None,
        }

    def _payload(self, request: _Request) -> dict[str, Any]:
        """A request as `numbers.v1.porting_port_in`."""
        return {
            "port_in_request_sid": request.sid,
            "url": self._url("PortIn", request.sid),
            "account_sid": self.emulator.account,
            "notification_emails": request.emails,
            "target_port_in_date": request.target,
            "target_port_in_time_range_start": None,
            "target_port_in_time_range_end": None,
            "port_in_request_status": request.status(),
            "order_cancellation_reason": request.cancellation,
            "losing_carrier_information": request.carrier,
            "phone_numbers": [self._number_result(entry) for entry in request.numbers],
            "bundle_sid": None,
            "portability_advance_carrier": None,
            "auto_cancel_approval_numbers": None,
            "documents": request.documents,
            "date_created": _iso(request.created),
            "support_ticket_id": int(request.sid[2:9], 16),
            "signature_request_url": None,
        }

    # -- Portability -----------------------------------------------------------------------------
    def _portability(self, request: httpx.Request, number: str) -> httpx.Response:
        if self._wrong_host(request, NUMBERS_HOST):
            return self.emulator._not_found(request)
        if not is_e164(number):
            return self._error(400, 20001, f"PhoneNumber {number[:20]!r} is not in E.164 format")
        portable, reason = self.network.portability(number, self.key)
        code: int | None = None
        if portable and (self._holds(number) or number in self._porting):
            portable, reason = False, "ALREADY_IN_THE_TARGET_ACCOUNT"
        if reason == "the number is already on this account":
            reason = "ALREADY_IN_THE_TARGET_ACCOUNT"
        if reason == "ALREADY_IN_THE_TARGET_ACCOUNT":
            code = 22131
        held = self._holds(number)
        body = {
            "phone_number": number,
            "account_sid": self.emulator.account if held else None,
            "portable": portable,
            "pin_and_account_number_required": portable and self._pin_required(number),
            "not_portable_reason": None if portable else reason,
            "not_portable_reason_code": None if portable else code,
            "number_type": "TOLL-FREE" if number[2:5] in {"800", "833", "844", "855", "866", "877", "888"}
            else "LOCAL",
            "country": "US" if number.startswith("+1") else None,
            "url": self._url("Portability", "PhoneNumber", number),
        }  # fmt: skip
        return json_response(200, body)

    def _pin_required(self, number: str) -> bool:
        if self.network.holder(number) is None:
            return False
        return self.network.account(number).pin is not None

    # -- Documents -----------------------------------------------------------------------------------
    def _upload(self, request: httpx.Request) -> httpx.Response:
        if self._wrong_host(request, UPLOAD_HOST):
            return self.emulator._not_found(request)
        fields = _multipart(request)
        if fields is None:
            return self._error(400, 20001, "the request must be multipart/form-data")
        kind = fields.get("document_type")
        upload = fields.get("File")
        if not isinstance(kind, str) or not kind:
            return self._error(400, 20001, "Missing required parameter document_type")
        if not isinstance(upload, tuple) or not upload[1]:
            return self._error(400, 20001, "Missing required parameter File")
        mime, content = upload
        if len(content) > _MAX_DOCUMENT:
            return self._error(400, 20001, "The File is larger than 10MB")
        now = self._now()
        sid = _sid("RD", self.emulator.account, len(self.documents), self.emulator.seed)
        name = fields.get("friendly_name")
        document = {
            "sid": sid,
            "account_sid": self.emulator.account,
            "friendly_name": name if isinstance(name, str) else None,
            "document_type": kind,
            "mime_type": mime,
            "version": 1,
            "date_created": _iso(now),
            "date_updated": _iso(now),
        }
        self.documents[sid] = document
        return json_response(201, document)

    # -- PortIn ------------------------------------------------------------------------------------------
    def _create(self, request: httpx.Request) -> httpx.Response:
        if self._wrong_host(request, NUMBERS_HOST):
            return self.emulator._not_found(request)
        try:
            body = httpx.Response(200, content=request.content).json()
        except ValueError:
            return self._error(400, 20001, "The request body must be JSON")
        if not isinstance(body, dict):
            return self._error(400, 20001, "The request body must be a JSON object")
        problem = self._check_create(body)
        if problem is not None:
            return problem
        numbers = [item["phone_number"] for item in body["phone_numbers"]]
        busy = [n for n in numbers if n in self._porting]
        if busy:
            return self._error(
                400, 22137, f"A port request for {busy[0]} is already in progress with one of your accounts"
            )
        now = self._now()
        sid = _sid("KW", self.emulator.account, len(self.requests), self.emulator.seed)
        carrier = dict(body["losing_carrier_information"])
        entries = [
            _Number(
                sid=_sid("PU", sid, index),
                number=item["phone_number"],
                pin=item.get("pin") if isinstance(item.get("pin"), str) else None,
                created=now,
            )
            for index, item in enumerate(body["phone_numbers"])
        ]
        target = body.get("target_port_in_date")
        port = _Request(
            sid=sid,
            created=now,
            carrier=carrier,
            documents=list(body["documents"]),
            emails=body.get("notification_emails"),
            target=target,
            numbers=entries,
        )
        self.requests[sid] = port
        for entry in entries:
            self._porting[entry.number] = sid
            self._review(entry, carrier, target, now)
        return json_response(202, self._payload(port))

    def _check_create(self, body: Mapping[str, Any]) -> httpx.Response | None:
        """The spec's required fields and limits; an error answer, or None."""
        for field in ("account_sid", "documents", "losing_carrier_information"):
            if body.get(field) in (None, "", []):
                return self._error(400, 20001, f"Missing required parameter {field}")
        if body["account_sid"] != self.emulator.account:
            return self._error(400, 20001, "account_sid must be the authenticated account or a subaccount")
        documents = body["documents"]
        if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
            return self._error(400, 20001, "documents must be a list of document sids")
        if not any(self.documents.get(d, {}).get("document_type") == "utility_bill" for d in documents):
            return self._error(400, 20001, "At least one document of the type utility_bill is required")
        carrier = body["losing_carrier_information"]
        if not isinstance(carrier, dict):
            return self._error(400, 20001, "losing_carrier_information must be an object")
        for field in ("customer_name", "authorized_representative", "authorized_representative_email"):
            if not isinstance(carrier.get(field), str) or not carrier[field].strip():
                return self._error(
                    400, 20001, f"Missing required parameter losing_carrier_information.{field}"
                )
        address = carrier.get("address")
        if address is None and not carrier.get("address_sid"):
            return self._error(400, 20001, "losing_carrier_information needs an address or an address_sid")
        if address is not None:
            if not isinstance(address, dict):
                return self._error(400, 20001, "losing_carrier_information.address must be an object")
            for field in ("street", "city", "state", "zip", "country"):
                if not isinstance(address.get(field), str) or not address[field].strip():
                    return self._error(400, 20001, f"Missing required parameter address.{field}")
        numbers = body.get("phone_numbers")
        if not isinstance(numbers, list) or not numbers:
            return self._error(400, 20001, "phone_numbers must list at least one phone number")
        if len(numbers) > _MAX_NUMBERS:
            return self._error(400, 20001, f"A port in request takes at most {_MAX_NUMBERS} phone numbers")
        seen: set[str] = set()
        for item in numbers:
            number = item.get("phone_number") if isinstance(item, dict) else None
            if not isinstance(number, str) or not is_e164(number):
                return self._error(400, 20001, "Each phone_number must be in E.164 format")
            if number in seen:
                return self._error(400, 20001, f"{number} is listed twice")
            seen.add(number)
        target = body.get("target_port_in_date")
        if target is not None:
            try:
                day = dt.date.fromisoformat(target) if isinstance(target, str) else None
            except ValueError:
                day = None
            if day is None:
                return self._error(400, 20001, "target_port_in_date must be an ISO date (YYYY-MM-DD)")
            if day < (self._now() + _MIN_LEAD).date():
                return self._error(400, 20001, "target_port_in_date must be at least 7 days in the future")
        return None

    def _review(
        self, entry: _Number, carrier: Mapping[str, Any], target: str | None, now: dt.datetime
    ) -> None:
        """The losing carrier's check: pending with a port date, or rejected saying which fields."""
        wrong = self.network.mismatches(entry.number, _account(carrier, entry.pin))
        entry.updated = now
        if wrong:
            entry.status = "port_rejected"
            entry.rejection_reason = "; ".join(
                f"{_REJECTIONS[field]}: the {field} does not match the losing carrier's records"
                for field in wrong
            )
            self._porting.pop(entry.number, None)
            return
        when = business_days_after(now, 3)
        if target is not None:
            day = dt.date.fromisoformat(target)
            if day > when.date():
                when = dt.datetime.combine(day, when.timetz())
        entry.status = "port_pending"
        entry.port_date = when

    def _find(self, request: httpx.Request, sid: str) -> _Request | httpx.Response:
        if self._wrong_host(request, NUMBERS_HOST):
            return self.emulator._not_found(request)
        port = self.requests.get(sid)
        if port is None:
            return self._error(404, 20404, f"The requested resource {request.url.path} was not found")
        return port

    def _fetch(self, request: httpx.Request, sid: str) -> httpx.Response:
        port = self._find(request, sid)
        return port if isinstance(port, httpx.Response) else json_response(200, self._payload(port))

    def _cancel(self, request: httpx.Request, sid: str) -> httpx.Response:
        port = self._find(request, sid)
        if isinstance(port, httpx.Response):
            return port
        open_ = [entry for entry in port.numbers if entry.status in _OPEN]
        if not open_ and port.status() != "Canceled":
            return self._error(400, 20001, f"The port in request cannot be canceled: it is {port.status()}")
        now = self._now()
        for entry in open_:
            self._cancel_entry(entry, now)
        if port.cancellation is None:
            port.cancellation = "Canceled by the customer"
        return httpx.Response(204)

    def _cancel_entry(self, entry: _Number, now: dt.datetime) -> None:
        entry.status = "canceled"
        entry.updated = now
        self._porting.pop(entry.number, None)

    def _number_entry(
        self, request: httpx.Request, sid: str, number_sid: str
    ) -> tuple[_Request, _Number] | httpx.Response:
        port = self._find(request, sid)
        if isinstance(port, httpx.Response):
            return port
        entry = next((e for e in port.numbers if e.sid == number_sid), None)
        if entry is None:
            return self._error(404, 20404, f"The requested resource {request.url.path} was not found")
        return port, entry

    def _fetch_number(self, request: httpx.Request, sid: str, number_sid: str) -> httpx.Response:
        found = self._number_entry(request, sid, number_sid)
        if isinstance(found, httpx.Response):
            return found
        port, entry = found
        body = {
            "port_in_request_sid": port.sid,
            "phone_number_sid": entry.sid,
            "url": self._url("PortIn", port.sid, "PhoneNumber", entry.sid),
            "account_sid": self.emulator.account,
            "phone_number_type": "LOCAL",
            "date_created": _iso(entry.created),
            "country": "US" if entry.number.startswith("+1") else None,
            "missing_required_fields": False,
            "last_updated": _iso(entry.updated or entry.created),
            "phone_number": entry.number,
            "portable": True,
            "not_portability_reason": None,
            "not_portability_reason_code": None,
            "port_in_phone_number_status": entry.status,
            "port_out_pin": int(entry.pin) if entry.pin and entry.pin.isdigit() else None,
            "rejection_reason": entry.rejection_reason,
            "rejection_reason_code": None,
            "port_date": _iso(entry.port_date) if entry.port_date is not None else None,
        }
        return json_response(200, body)

    def _cancel_number(self, request: httpx.Request, sid: str, number_sid: str) -> httpx.Response:
        found = self._number_entry(request, sid, number_sid)
        if isinstance(found, httpx.Response):
            return found
        _, entry = found
        if entry.status not in _OPEN and entry.status != "canceled":
            return self._error(400, 20001, f"The phone number cannot be canceled: it is {entry.status}")
        if entry.status != "canceled":
            self._cancel_entry(entry, self._now())
        return httpx.Response(204)

    # -- the listing -----------------------------------------------------------------------------------------
    def _list(self, request: httpx.Request) -> httpx.Response:
        if self._wrong_host(request, NUMBERS_HOST):
            return self.emulator._not_found(request)
        query = request.url.params
        try:
            size = int(query.get("Size", "20"))
        except ValueError:
            return self._error(400, 20001, "Size must be an integer")
        if not 1 <= size <= 100:
            return self._error(400, 20001, "Size must be between 1 and 100")
        ports = list(self.requests.values())
        if query.get("PortInRequestSid"):
            wanted = {s.strip() for s in query["PortInRequestSid"].split(",")}
            ports = [p for p in ports if p.sid in wanted]
        if query.get("PortInRequestStatus"):
            status = query["PortInRequestStatus"].casefold()
            ports = [p for p in ports if p.status().casefold() == status]
        start = 0
        token = query.get("Token")
        if token:
            index = next((i for i, p in enumerate(ports) if p.sid == token), None)
            if index is None:
                return self._error(400, 20001, "Token is invalid")
            start = index
        page = ports[start : start + size]
        following = ports[start + size].sid if start + size < len(ports) else None
        previous = ports[max(start - size, 0)].sid if start > 0 else None
        items = [
            {
                "port_in_request_sid": p.sid,
                "port_in_request_status": p.status(),
                "status_last_updated_timestamp": _iso(p.updated()),
                "phone_numbers_requested": len(p.numbers),
                "phone_numbers_ported": sum(1 for n in p.numbers if n.status == "completed"),
                "suggested_action": None,
            }
            for p in page
        ]
        return json_response(
            200, {"port_in_requests": items, "meta": {"next_token": following, "previous_token": previous}}
        )


def _rfc2822(moment: dt.datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(moment.astimezone(dt.UTC)).replace("-0000", "+0000")


def _account(carrier: Mapping[str, Any], pin: str | None) -> PortAccount:
    """What the request says the holder's account is, to check against the bill."""
    address = carrier.get("address") or {}

    def text(value: object, default: str = "-") -> str:
        return value.strip() or default if isinstance(value, str) else default

    account_number = carrier.get("account_number")
    billing = carrier.get("account_telephone_number")
    return PortAccount(
        name=text(carrier.get("customer_name")),
        authorized_name=text(carrier.get("authorized_representative")),
        authorized_email=text(carrier.get("authorized_representative_email")),
        address=PortAddress(
            street=text(address.get("street")),
            city=text(address.get("city")),
            region=text(address.get("state")),
            postal_code=text(address.get("zip"), ""),
            country=text(address.get("country")),
        ),
        account_number=account_number if isinstance(account_number, str) and account_number.strip() else None,
        pin=pin if pin and pin.strip() else None,
        billing_number=billing if isinstance(billing, str) and billing.strip() else None,
    )


def _multipart(request: httpx.Request) -> dict[str, str | tuple[str, bytes]] | None:
    """A multipart/form-data body: text fields as text, files as (media type, bytes)."""
    content_type = request.headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + request.content
    )
    if not message.is_multipart():
        return None
    fields: dict[str, str | tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            fields[name] = (part.get_content_type(), data)
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields
