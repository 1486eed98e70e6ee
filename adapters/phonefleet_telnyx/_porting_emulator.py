"""The Telnyx emulator's porting endpoints, and its part in a `Network`.

Built from `spec3.yml`: `POST /portability_checks`, `/porting_orders`
(create, list, retrieve, edit, delete), `.../actions/confirm` and
`.../actions/cancel`, `.../requirements`, and `POST /documents` (multipart,
or JSON with the file in base64, which is what the telnyx SDK sends), with
the `PortingOrder`, `PortabilityCheckDetails`, `PortingOrderRequirementDetail`
and `DocServiceDocument` shapes and the `{"errors": [...]}` envelope.

The lifecycle runs on the network's clock. A create splits the numbers into
one `draft` order per losing carrier (the network member holding them). A
confirm (which needs the LOA, the invoice and the holder's name and address)
makes the order `in-process`; the losing carrier then checks the order's
`end_user` against the holder's bill: a match is `foc-date-confirmed` with
`foc_datetime_actual` three business days after the confirm (or the date
requested, if later), and `ported` on that date (the numbers leave the
losing member and join this emulator's list with no settings); a mismatch is
`exception`, its `status.details` naming each field (`ENTITY_NAME_MISMATCH`,
`ACCOUNT_NUMBER_MISMATCH`, `PASSCODE_PIN_INVALID`, `BTN_ATN_MISMATCH`,
`POSTAL_CODE_MISMATCH`). A cancel is `cancel-pending`, then `cancelled` on the
next tick of the clock.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any, Final

import httpx

from phonefleet import PortAccount, PortAddress, is_e164
from phonefleet.adapter import parse_datetime
from phonefleet.testing import Network, business_days_after, json_response

if TYPE_CHECKING:
    from .emulator import TelnyxEmulator

__all__ = ["MISMATCH_EXCEPTIONS", "TelnyxPorting"]

_PREFIX: Final = "/v2"
#: a field that does not match the holder's bill -> the exception type Telnyx reports
MISMATCH_EXCEPTIONS: Final = {
    "name": ("ENTITY_NAME_MISMATCH", "Entity name does not match that on the CSR"),
    "account_number": ("ACCOUNT_NUMBER_MISMATCH", "Account number does not match that on the CSR"),
    "pin": ("PASSCODE_PIN_INVALID", "Passcode/PIN does not match that on the CSR"),
    "billing_number": ("BTN_ATN_MISMATCH", "Billing telephone number does not match that on the CSR"),
    "postal_code": ("POSTAL_CODE_MISMATCH", "Postal code does not match that on the CSR"),
}
#: the statuses an order holds its numbers in
_OPEN: Final = frozenset({"draft", "in-process", "submitted", "exception", "foc-date-confirmed"})
_EDITABLE: Final = frozenset({"draft", "exception"})
_CANCELLABLE: Final = frozenset({"draft", "in-process", "submitted", "exception", "foc-date-confirmed"})
#: how many numbers an order shows with `include_phone_numbers` ("the first 50")
_SHOWN: Final = 50
#: the two document requirements of a US port: (requirement type id, name, description, document key)
_REQUIREMENTS: Final = (
    ("53970723-fbff-4f46-a975-f62be6c1a585", "Latest Invoice", "A copy of the latest phone bill", "invoice"),
    ("8a1b9a5c-2cf5-4c4e-a4a1-2d7f4b4c0e51", "Letter of Authorization", "A signed LOA", "loa"),
)
_ADMIN: Final = (
    "account_number",
    "auth_person_name",
    "billing_phone_number",
    "business_identifier",
    "entity_name",
    "pin_passcode",
    "tax_identifier",
)
_LOCATION: Final = (
    "administrative_area",
    "country_code",
    "extended_address",
    "locality",
    "postal_code",
    "street_address",
)
#: what a confirm needs besides the documents, as `end_user` pointers
_NEEDED: Final = (
    ("admin", "entity_name"),
    ("admin", "auth_person_name"),
    ("location", "street_address"),
    ("location", "locality"),
    ("location", "postal_code"),
    ("location", "country_code"),
)
_USER_ID: Final = "40d68ba2-0847-4df2-be9c-b0e0cb673e75"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uuid(*parts: object) -> str:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"


def _carrier_name(holder: str | None) -> str:
    return f"{holder.title()} (emulated carrier)" if holder else "Emulated Carrier"


def _field_is(key: str, wanted: str) -> Callable[[dict[str, Any]], bool]:
    return lambda order: order.get(key) == wanted


def _kind(number: str) -> str:
    """`phone_number_type` as the emulator's numbers report it."""
    from .emulator import _country_and_type  # emulator.py imports this module: import at call time

    return _country_and_type(number)[1]


class TelnyxPorting:
    """The porting state of one Telnyx emulator, and its membership of a `Network`."""

    def __init__(self, emulator: TelnyxEmulator, network: Network | None) -> None:
        self.emulator = emulator
        self.network = network if network is not None else Network()
        self.key = self.network.join(self, "telnyx")
        #: id -> the order as stored (keys starting with "_" are the emulator's own)
        self.orders: dict[str, dict[str, Any]] = {}
        #: id -> `DocServiceDocument`
        self.documents: dict[str, dict[str, Any]] = {}
        self._serial = 0

    # -- mounting ---------------------------------------------------------------------------
    def hold_seeded(self) -> None:
        """Tell the network which numbers this emulator holds (its seeded ones)."""
        for record in self.emulator.records.values():
            self.network.hold(self.key, record["phone_number"])

    def mount(self) -> None:
        """Add the porting and document routes to the emulator's router."""
        add = self.emulator.router.add
        add("POST", _PREFIX + "/portability_checks", self._check)
        add("POST", _PREFIX + "/porting_orders", self._create)
        add("GET", _PREFIX + "/porting_orders", self._list)
        add("GET", _PREFIX + "/porting_orders/{oid}", self._retrieve)
        add("PATCH", _PREFIX + "/porting_orders/{oid}", self._update)
        add("DELETE", _PREFIX + "/porting_orders/{oid}", self._delete)
        add("POST", _PREFIX + "/porting_orders/{oid}/actions/confirm", self._confirm)
        add("POST", _PREFIX + "/porting_orders/{oid}/actions/cancel", self._cancel)
        add("GET", _PREFIX + "/porting_orders/{oid}/requirements", self._requirements)
        add("POST", _PREFIX + "/documents", self._upload)
        add("GET", _PREFIX + "/documents/{did}", self._document)

    # -- NetworkMember ----------------------------------------------------------------------
    def network_release(self, number: str) -> None:
        """`number` ported away: released from this account, as a delete would."""
        with self.emulator._lock:
            emu = self.emulator
            for pid, record in list(emu.records.items()):
                if record["phone_number"] == number:
                    del emu.records[pid]
                    emu.voice.pop(pid, None)
                    record["status"] = "deleted"
                    record["updated_at"] = _iso(self.network.now())
                    emu.deleted[pid] = record
            emu._sorted.clear()
            emu.changed()

    def network_tick(self, now: datetime) -> None:
        """The clock moved: cancellations complete, checks run, confirmed dates arrive."""
        with self.emulator._lock:
            for order in list(self.orders.values()):
                if order["status"]["value"] == "cancel-pending":
                    self._set_status(order, "cancelled", now)
                self._settle(order, now)

    # -- the lifecycle -------------------------------------------------------------------
    def _set_status(self, order: dict[str, Any], value: str, now: datetime) -> None:
        order["status"]["value"] = value
        order["updated_at"] = _iso(now)
        for item in order["phone_numbers"]:
            item["porting_order_status"] = value

    def _settle(self, order: dict[str, Any], now: datetime) -> None:
        """The losing carrier's answer to a submitted order, and the port on its FOC date."""
        value = order["status"]["value"]
        if value == "in-process":
            self._check_with_carrier(order, now)
            value = order["status"]["value"]
        if value == "foc-date-confirmed":
            foc = parse_datetime(order["activation_settings"]["foc_datetime_actual"])
            if foc is not None and now >= foc:
                self._complete(order, now)

    def _check_with_carrier(self, order: dict[str, Any], now: datetime) -> None:
        account = self._account(order)
        wrong: list[str] = []
        for item in order["phone_numbers"]:
            for field in self.network.mismatches(item["phone_number"], account):
                if field not in wrong:
                    wrong.append(field)
        if wrong:
            order["status"]["details"] = [
                {"code": MISMATCH_EXCEPTIONS[f][0], "description": MISMATCH_EXCEPTIONS[f][1]} for f in wrong
            ]
            self._set_status(order, "exception", now)
            return
        submitted = parse_datetime(order["_submitted_at"]) or now
        foc = business_days_after(submitted, 3)
        requested = parse_datetime(order["activation_settings"]["foc_datetime_requested"])
        if requested is not None and requested > foc:
            foc = requested
        order["activation_settings"]["foc_datetime_actual"] = _iso(foc)
        order["status"]["details"] = []
        self._set_status(order, "foc-date-confirmed", now)

    def _complete(self, order: dict[str, Any], now: datetime) -> None:
        emu = self.emulator
        for item in order["phone_numbers"]:
            number = item["phone_number"]
            self.network.transfer(number, self.key)
            if not any(r["phone_number"] == number for r in emu.records.values()):
                record = emu.add_number(number, created_at=now)
                record["source_type"] = "port_request"
            item["activation_status"] = "Active"
        order["activation_settings"]["activation_status"] = "Active"
        self._set_status(order, "ported", now)
        emu.changed()

    def _account(self, order: dict[str, Any]) -> PortAccount:
        """The order's `end_user` as a `PortAccount`, for the carrier's check."""
        admin, location = order["end_user"]["admin"], order["end_user"]["location"]
        billing = admin.get("billing_phone_number")
        if isinstance(billing, str) and billing.isdigit():
            billing = "+" + billing
        return PortAccount(
            name=admin.get("entity_name") or "?",
            authorized_name=admin.get("auth_person_name") or "?",
            authorized_email="not-sent-to-telnyx@example.invalid",
            address=PortAddress(
                street=location.get("street_address") or "",
                city=location.get("locality") or "",
                region=location.get("administrative_area") or "",
                postal_code=location.get("postal_code") or "",
                country=location.get("country_code") or "",
            ),
            account_number=admin.get("account_number") or None,
            pin=admin.get("pin_passcode") or None,
            billing_number=billing or None,
        )

    # -- helpers ---------------------------------------------------------------------------
    def _refuse(self, status: int, code: str, title: str, detail: str, **where: str) -> Exception:
        from .emulator import _Refusal  # emulator.py imports this module: import at call time

        return _Refusal(status, code, title, detail, **where)

    def _invalid(self, detail: str, **where: str) -> Exception:
        return self._refuse(422, "10015", "Bad Request", detail, **where)

    def _order(self, oid: str) -> dict[str, Any]:
        order = self.orders.get(oid)
        if order is None:
            raise self._refuse(
                404, "10005", "Resource not found", "The requested resource or URL could not be found."
            )
        return order

    def _holding(self, number: str) -> dict[str, Any] | None:
        """The open order holding `number`, if any."""
        for order in self.orders.values():
            if order["status"]["value"] in _OPEN and any(
                item["phone_number"] == number for item in order["phone_numbers"]
            ):
                return order
        return None

    def _not_portable(self, number: str) -> str | None:
        """Why `number` cannot be ported in here (None: it can)."""
        if any(r["phone_number"] == number for r in self.emulator.records.values()):
            return "The phone number is already on your account"
        portable, reason = self.network.portability(number, self.key)
        if not portable:
            return reason or "The phone number is not portable"
        holding = self._holding(number)
        if holding is not None:
            return f"The phone number is already in porting order {holding['id']}"
        return None

    def _numbers(self, body: dict[str, Any]) -> list[str]:
        wanted = body.get("phone_numbers")
        if not isinstance(wanted, list) or not wanted:
            raise self._invalid("phone_numbers must be a non-empty list.", pointer="/phone_numbers")
        numbers: list[str] = []
        for index, number in enumerate(wanted):
            if not isinstance(number, str) or not is_e164(number):
                raise self._refuse(
                    422,
                    "10016",
                    "Phone number must be in +E164 format",
                    "phone_numbers must hold +E.164-formatted phone numbers.",
                    pointer=f"/phone_numbers/{index}",
                )
            if number in numbers:
                raise self._invalid(f"{number} is listed twice.", pointer=f"/phone_numbers/{index}")
            numbers.append(number)
        return numbers

    def _view(self, order: dict[str, Any], *, include_numbers: bool = True) -> dict[str, Any]:
        view = {k: copy.deepcopy(v) for k, v in order.items() if not k.startswith("_")}
        if include_numbers:
            view["phone_numbers"] = view["phone_numbers"][:_SHOWN]
        else:
            view.pop("phone_numbers")
        return view

    def _answer(self, order: dict[str, Any], status: int = 200) -> httpx.Response:
        url = f"/v2/porting_phone_numbers?filter[porting_order_id]={order['id']}"
        return json_response(status, {"data": self._view(order), "meta": {"phone_numbers_url": url}})

    def _now(self) -> datetime:
        return self.network.now()

    # -- handlers: portability ----------------------------------------------------------------
    def _check(self, request: httpx.Request) -> httpx.Response:
        numbers = self._numbers(self.emulator._body(request))
        results = []
        for number in numbers:
            reason = self._not_portable(number)
            results.append(
                {
                    "phone_number": number,
                    "portable": reason is None,
                    "not_portable_reason": reason or "",
                    "fast_portable": False,
                    "record_type": "portability_check_result",
                }
            )
        return json_response(201, {"data": results})

    # -- handlers: orders -----------------------------------------------------------------------
    def _create(self, request: httpx.Request) -> httpx.Response:
        body = self.emulator._body(request)
        numbers = self._numbers(body)
        for index, number in enumerate(numbers):
            reason = self._not_portable(number)
            if reason is not None:
                raise self._invalid(f"{number}: {reason}.", pointer=f"/phone_numbers/{index}")
        for key in ("customer_reference", "customer_group_reference"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise self._invalid("The field is invalid.", pointer=f"/{key}")
        by_carrier: dict[str | None, list[str]] = {}
        for number in numbers:
            by_carrier.setdefault(self.network.holder(number), []).append(number)
        now = self._now()
        created = []
        for holder, group in by_carrier.items():
            self._serial += 1
            oid = _uuid(self.key, "order", self._serial)
            order = self._new_order(oid, holder, group, body, now)
            self.orders[oid] = order
            created.append(self._view(order))
        return json_response(201, {"data": created})

    def _new_order(
        self, oid: str, holder: str | None, numbers: list[str], body: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        kind = _kind(numbers[0])
        return {
            "id": oid,
            "record_type": "porting_order",
            "activation_settings": {
                "activation_status": None,
                "fast_port_eligible": False,
                "foc_datetime_actual": None,
                "foc_datetime_requested": None,
            },
            "additional_steps": [],
            "created_at": _iso(now),
            "updated_at": _iso(now),
            "customer_group_reference": body.get("customer_group_reference"),
            "customer_reference": body.get("customer_reference"),
            "description": f"FP {_carrier_name(holder)}",
            "documents": {"invoice": None, "loa": None},
            "end_user": {"admin": dict.fromkeys(_ADMIN), "location": dict.fromkeys(_LOCATION)},
            "messaging": {
                "enable_messaging": False,
                "messaging_capable": True,
                "messaging_port_completed": False,
                "messaging_port_status": "not_applicable",
            },
            "misc": None,
            "old_service_provider_ocn": _carrier_name(holder),
            "parent_support_key": None,
            "phone_number_configuration": {
                "billing_group_id": None,
                "connection_id": None,
                "emergency_address_id": None,
                "messaging_profile_id": None,
                "tags": [],
            },
            "phone_number_type": kind,
            "phone_numbers": [
                {
                    "activation_status": "New",
                    "phone_number": number,
                    "phone_number_type": _kind(number),
                    "portability_status": "confirmed",
                    "porting_order_id": oid,
                    "porting_order_status": "draft",
                    "record_type": "porting_phone_number",
                    "requirements_status": "requirement-info-pending",
                    "support_key": None,
                }
                for number in numbers
            ],
            "porting_phone_numbers_count": len(numbers),
            "requirements": [],
            "requirements_met": False,
            "status": {"details": [], "value": "draft"},
            "support_key": None,
            "user_feedback": {"user_comment": None, "user_rating": None},
            "user_id": _USER_ID,
            "webhook_url": None,
            "_submitted_at": None,
        }

    def _list(self, request: httpx.Request) -> httpx.Response:
        """`GET /porting_orders`: newest first, paged, filtered by a number's digits."""
        params = request.url.params
        page, size = self.emulator._page(request)
        now = self._now()
        for order in self.orders.values():
            self._settle(order, now)
        orders = list(reversed(self.orders.values()))
        keep: list[Callable[[dict[str, Any]], bool]] = []
        contains = params.get("filter[phone_numbers.phone_number][contains]") or params.get(
            "filter[phone_numbers][phone_number][contains]"
        )
        if contains is not None:
            digits = contains.lstrip("+")
            keep.append(lambda o: any(digits in i["phone_number"] for i in o["phone_numbers"]))
        for key in ("customer_reference", "customer_group_reference"):
            wanted = params.get(f"filter[{key}]")
            if wanted is not None:
                keep.append(_field_is(key, wanted))
        orders = [o for o in orders if all(k(o) for k in keep)]
        include = params.get("include_phone_numbers", "true").lower() != "false"
        total = len(orders)
        data = [self._view(o, include_numbers=include) for o in orders[(page - 1) * size : page * size]]
        meta = {
            "page_number": page,
            "page_size": size,
            "total_pages": (total + size - 1) // size,
            "total_results": total,
        }
        return json_response(200, {"data": data, "meta": meta})

    def _retrieve(self, request: httpx.Request, oid: str) -> httpx.Response:
        order = self._order(oid)
        self._settle(order, self._now())
        return self._answer(order)

    def _update(self, request: httpx.Request, oid: str) -> httpx.Response:
        order = self._order(oid)
        body = self.emulator._body(request)
        if order["status"]["value"] not in _EDITABLE:
            raise self._invalid(
                f"A porting order in {order['status']['value']} status cannot be edited.", pointer="/"
            )
        updated = copy.deepcopy(order)
        for key, value in body.items():
            if key == "end_user":
                self._merge_end_user(updated["end_user"], value)
            elif key == "documents":
                self._merge_documents(updated["documents"], value)
            elif key == "activation_settings":
                self._merge_activation(updated["activation_settings"], value)
            elif key in ("customer_reference", "customer_group_reference", "webhook_url"):
                if value is not None and not isinstance(value, str):
                    raise self._invalid("The field is invalid.", pointer=f"/{key}")
                updated[key] = value
            elif key in ("misc", "phone_number_configuration", "user_feedback"):
                if value is not None and not isinstance(value, dict):
                    raise self._invalid("The field is invalid.", pointer=f"/{key}")
                updated[key] = value if value is None else {**(updated.get(key) or {}), **value}
            elif key == "messaging":
                enable = value.get("enable_messaging") if isinstance(value, dict) else None
                if not isinstance(enable, bool):
                    raise self._invalid("The field is invalid.", pointer="/messaging/enable_messaging")
                updated["messaging"]["enable_messaging"] = enable
            # read-only or unknown fields are ignored
        documents = updated["documents"]
        updated["requirements_met"] = bool(documents["loa"] and documents["invoice"])
        updated["updated_at"] = _iso(self._now())
        order.clear()
        order.update(updated)
        return self._answer(order)

    def _merge_end_user(self, end_user: dict[str, Any], value: object) -> None:
        if not isinstance(value, dict):
            raise self._invalid("end_user must be an object.", pointer="/end_user")
        for part, fields in (("admin", _ADMIN), ("location", _LOCATION)):
            given = value.get(part)
            if given is None:
                continue
            if not isinstance(given, dict):
                raise self._invalid(f"end_user.{part} must be an object.", pointer=f"/end_user/{part}")
            for key, item in given.items():
                if key not in fields:
                    continue
                if item is not None and not isinstance(item, str):
                    raise self._invalid("The field is invalid.", pointer=f"/end_user/{part}/{key}")
                end_user[part][key] = item

    def _merge_documents(self, documents: dict[str, Any], value: object) -> None:
        if not isinstance(value, dict):
            raise self._invalid("documents must be an object.", pointer="/documents")
        for key in ("loa", "invoice"):
            if key not in value:
                continue
            ident = value[key]
            if ident is not None and ident not in self.documents:
                raise self._invalid(f"Document {ident!s:.60} was not found.", pointer=f"/documents/{key}")
            documents[key] = ident

    def _merge_activation(self, settings: dict[str, Any], value: object) -> None:
        requested = value.get("foc_datetime_requested") if isinstance(value, dict) else None
        pointer = "/activation_settings/foc_datetime_requested"
        if requested is None:
            return
        try:
            moment = parse_datetime(requested)
        except Exception:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise self._invalid("foc_datetime_requested must be an ISO 8601 date-time.", pointer=pointer)
        settings["foc_datetime_requested"] = _iso(moment)

    def _delete(self, request: httpx.Request, oid: str) -> httpx.Response:
        order = self._order(oid)
        if order["status"]["value"] != "draft":
            raise self._invalid("Only a porting order in draft status can be deleted.", pointer="/")
        del self.orders[oid]
        return httpx.Response(204)

    def _confirm(self, request: httpx.Request, oid: str) -> httpx.Response:
        order = self._order(oid)
        value = order["status"]["value"]
        if value not in _EDITABLE:
            raise self._invalid(f"A porting order in {value} status cannot be confirmed.", pointer="/")
        for key in ("loa", "invoice"):
            if not order["documents"][key]:
                raise self._invalid(
                    f"The porting order needs a {key.upper() if key == 'loa' else key} document.",
                    pointer=f"/documents/{key}",
                )
        for part, key in _NEEDED:
            if not order["end_user"][part][key]:
                raise self._invalid(f"{part}.{key} is required.", pointer=f"/end_user/{part}/{key}")
        now = self._now()
        order["_submitted_at"] = _iso(now)
        order["status"]["details"] = []
        order["support_key"] = order["support_key"] or f"sr_{oid[:6]}"
        order["parent_support_key"] = order["parent_support_key"] or f"pr_{oid[-6:]}"
        for item in order["phone_numbers"]:
            item["support_key"] = order["support_key"]
            item["requirements_status"] = "approved"
        self._set_status(order, "in-process", now)
        return self._answer(order)

    def _cancel(self, request: httpx.Request, oid: str) -> httpx.Response:
        order = self._order(oid)
        self._settle(order, self._now())
        value = order["status"]["value"]
        if value not in _CANCELLABLE:
            raise self._invalid(f"A porting order in {value} status cannot be cancelled.", pointer="/")
        self._set_status(order, "cancel-pending", self._now())
        return self._answer(order)

    def _requirements(self, request: httpx.Request, oid: str) -> httpx.Response:
        order = self._order(oid)
        page, size = self.emulator._page(request)
        records: list[dict[str, Any]] = []
        for type_id, name, description, key in _REQUIREMENTS:
            document = order["documents"][key]
            records.append(
                {
                    "record_type": "porting_requirement",
                    "field_type": "document",
                    "field_value": document or "",
                    "requirement_status": "approved" if document else "requirement-info-pending",
                    "requirement_type": {
                        "id": type_id,
                        "name": name,
                        "description": description,
                        "example": "Most recent phone bill" if key == "invoice" else "A signed LOA",
                        "type": "document",
                        "acceptance_criteria": {"acceptable_values": []},
                    },
                }
            )
        total = len(records)
        meta = {
            "page_number": page,
            "page_size": size,
            "total_pages": (total + size - 1) // size,
            "total_results": total,
        }
        return json_response(200, {"data": records[(page - 1) * size : page * size], "meta": meta})

    # -- handlers: documents -----------------------------------------------------------------------
    def _upload(self, request: httpx.Request) -> httpx.Response:
        """`POST /documents`: multipart (`file`, `customer_reference`), or JSON (`file` base64, or `url`)."""
        content_type = request.headers.get("Content-Type", "")
        filename: str | None = None
        reference: str | None = None
        if content_type.startswith("multipart/form-data"):
            data, filename, file_type, reference = self._multipart(request, content_type)
        else:
            body = self.emulator._body(request)
            reference = body.get("customer_reference")
            filename = body.get("filename") if isinstance(body.get("filename"), str) else None
            file_type = None
            given = body.get("file")
            if isinstance(given, str) and given:
                try:
                    data = base64.b64decode(given, validate=True)
                except (binascii.Error, ValueError):
                    raise self._invalid("file must be base64-encoded.", pointer="/file") from None
            elif isinstance(body.get("url"), str) and body["url"]:
                data = body["url"].encode()  # the service would fetch it; its address stands in
            else:
                raise self._invalid("Either file or url is required.", pointer="/file")
        if not data:
            raise self._invalid("The file is empty.", pointer="/file")
        if reference is not None and not isinstance(reference, str):
            raise self._invalid("The field is invalid.", pointer="/customer_reference")
        self._serial += 1
        now = _iso(self._now())
        ident = _uuid(self.key, "document", self._serial)
        record = {
            "id": ident,
            "record_type": "document",
            "created_at": now,
            "updated_at": now,
            "av_scan_status": "scanned",
            "content_type": file_type
            or ("application/pdf" if data.startswith(b"%PDF") else "application/octet-stream"),
            "customer_reference": reference,
            "filename": filename or "document",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": {"amount": len(data), "unit": "bytes"},
            "status": "pending",
        }
        self.documents[ident] = record
        return json_response(200, {"data": record})

    def _multipart(
        self, request: httpx.Request, content_type: str
    ) -> tuple[bytes, str | None, str | None, Any]:
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(head + request.content)
        data: bytes = b""
        filename: str | None = None
        file_type: str | None = None
        reference: str | None = None
        found = False
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            if name == "file":
                found = True
                data = payload
                filename = part.get_filename()
                file_type = part.get_content_type()
            elif name == "customer_reference":
                reference = payload.decode("utf-8", "replace")
        if not found:
            raise self._invalid("file is required.", pointer="/file")
        return data, filename, file_type, reference

    def _document(self, request: httpx.Request, did: str) -> httpx.Response:
        record = self.documents.get(did)
        if record is None:
            raise self._refuse(
                404, "10005", "Resource not found", "The requested resource or URL could not be found."
            )
        return json_response(200, {"data": record})
