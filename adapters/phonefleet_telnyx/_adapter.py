"""The Telnyx adapter: settings and flows over the v2 numbers API.

Base `https://api.telnyx.com/v2`, Bearer auth. Every operation is one flow
(a generator of requests); the core's drivers send them, retry what is safe,
and apply the key only to this adapter's own origin. A listing pages through
`/phone_numbers` and `/phone_numbers/voice` side by side and joins them by
id, so forwarding is resolved without a request per number.
"""

from __future__ import annotations

from typing import Any, Final

import attrs
import httpx

from phonefleet import (
    ArchiveBlockedError,
    ArchiveBlocker,
    Feature,
    NotFoundError,
    NumberChanges,
    PhoneNumber,
    ProviderError,
    ResponseFormatError,
    StoreIdentity,
)
from phonefleet.adapter import (
    AvailableNumber,
    BearerAuth,
    Flow,
    Page,
    RateSignal,
    Ref,
    RequestBuilder,
    account_setting,
    check_cursor,
    env_setting,
    gc_paused,
    loads,
    page_size_setting,
    secret_setting,
    shorten,
    write_once,
)

from ._errors import error_from_response, rate_signal, retry_after
from ._fast import fast_page
from ._mapping import (
    available_from_wire,
    changes_to_wire,
    data_of,
    number_from_wire,
    numbers_from_page,
    page_of,
    record_id,
    records_of,
    voices_by_id,
)
from ._porting import PortingFlows
from ._wire import DELETED, MAX_PAGE_SIZE, PROVIDER

__all__ = ["DEFAULT_BASE_URL", "FEATURES", "MAX_SENDS", "TelnyxAdapter"]

DEFAULT_BASE_URL: Final = "https://api.telnyx.com/v2"
#: where the `account` setting may come from instead (phonefleet's own name: Telnyx has none)
ACCOUNT_ENV: Final = "PHONEFLEET_TELNYX_ACCOUNT"
FEATURES: Final = frozenset(
    {
        Feature.LIST,
        Feature.GET,
        Feature.SET_FORWARDING,
        Feature.UPDATE_NAME,
        Feature.UPDATE_ROUTING,
        Feature.CREATE,
        Feature.ARCHIVE,
        Feature.ARCHIVE_BLOCKERS,
        Feature.PORT_IN,
    }
)
#: how often an order or a delete is sent in all, each repeat only after a
#: look proved the previous one did not take effect
MAX_SENDS: Final = 3
#: both listings in one stable order, so page N of each holds the same numbers
_SORT: Final = ("sort", "phone_number")


class TelnyxAdapter(PortingFlows):
    """Telnyx v2 phone numbers (and porting orders, from `PortingFlows`), as flows."""

    provider = PROVIDER
    features = FEATURES
    listing_order = "number"  # every listing asks for sort=phone_number

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        page_size: int | None = None,
        account: str | None = None,
    ) -> None:
        secret = secret_setting(api_key, "TELNYX_API_KEY", provider=PROVIDER, name="api_key")
        self.requests = RequestBuilder(env_setting(base_url, "TELNYX_BASE_URL") or DEFAULT_BASE_URL)
        self.page_size = page_size_setting(page_size, maximum=MAX_PAGE_SIZE)
        self.auth = BearerAuth(secret)
        self.credentials = (secret,)
        #: the user's label for the account (Telnyx's API names none a key belongs to), else None
        self.account = account_setting(account, ACCOUNT_ENV, provider=PROVIDER, credentials=self.credentials)

    def identity(self) -> StoreIdentity:
        """The base URL and the `account` the user named: the only key-free way to tell accounts apart."""
        return StoreIdentity(self.provider, self.account, self.requests.base_url)

    # -- hooks (is_own_origin and describe come from `requests`) -------------------------
    def error_from_response(self, response: httpx.Response, operation: str) -> ProviderError:
        return error_from_response(response, operation)

    def retry_after(self, response: httpx.Response) -> float | None:
        return retry_after(response)

    def rate_signal(self, response: httpx.Response) -> RateSignal:
        return rate_signal(response)

    # -- building blocks -------------------------------------------------------------------
    def _data(self, response: httpx.Response, operation: str) -> Any:
        self.raise_for_error(response, operation)
        return data_of(loads(response, provider=self.provider), operation)

    def _record(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        data = self._data(response, operation)
        if not isinstance(data, dict):
            msg = f"{operation}: expected data to be an object, got {type(data).__name__}"
            raise ResponseFormatError(msg, provider=self.provider)
        return data

    def _page(self, number: int, *extra: tuple[str, str]) -> list[tuple[str, str | int]]:
        return [("page[number]", number), ("page[size]", self.page_size), _SORT, *extra]

    def _fetch(self, ident: str, operation: str) -> Flow[dict[str, Any]]:
        response = yield self.requests.request("GET", "phone_numbers", ident)
        return self._record(response, operation)

    def _voice(self, ident: str, operation: str) -> Flow[dict[str, Any]]:
        response = yield self.requests.request("GET", "phone_numbers", ident, "voice")
        return self._record(response, operation)

    def _search(self, number: str, operation: str) -> Flow[dict[str, Any] | None]:
        """The record of `number`: `filter[phone_number]` takes digits and matches
        any part of a number, so every page is checked for the exact one."""
        page: str | None = "1"
        seen: set[str] = set()
        gone: dict[str, Any] | None = None
        while page is not None:
            asked = int(check_cursor(page, seen, self.provider))
            params = self._page(asked, ("filter[phone_number]", number[1:]))
            response = yield self.requests.request("GET", "phone_numbers", params=params)
            self.raise_for_error(response, operation)
            records, page = page_of(loads(response, provider=self.provider), "phone numbers", asked)
            for record in records:
                if isinstance(record, dict) and record.get("phone_number") == number:
                    if record.get("status") != DELETED:
                        return record
                    gone = gone or record
        return gone  # a number released and not bought again

    def _find(self, ref: Ref, operation: str) -> Flow[dict[str, Any]]:
        """The `PhoneNumberDetailed` record `ref` points at."""
        if ref.id is not None:
            return (yield from self._fetch(ref.id, operation))
        assert ref.number is not None
        record = yield from self._search(ref.number, operation)
        if record is None:
            raise self.not_found(ref, operation)
        return record

    def _ident(self, ref: Ref, operation: str) -> Flow[str]:
        if ref.id is not None:
            return ref.id
        return record_id((yield from self._find(ref, operation)))

    # -- list / get -------------------------------------------------------------------------
    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        page = int(cursor) if cursor else 1
        voice_response: httpx.Response | None = None
        if not archived:  # a released number forwards nothing: no voice settings to read
            voice_response = yield self.requests.request(
                "GET", "phone_numbers", "voice", params=self._page(page)
            )
            self.raise_for_error(voice_response, "list")
        extra = (("filter[status]", DELETED),) if archived else ()
        response = yield self.requests.request("GET", "phone_numbers", params=self._page(page, *extra))
        self.raise_for_error(response, "list")
        with gc_paused():
            fast = fast_page(
                response.content, voice_response.content if voice_response is not None else None, page
            )
        if fast is not None:
            numbers, following = fast
        else:
            numbers, following = yield from self._careful_page(response, voice_response, page)
        if archived is not None:  # a server ignoring the filter must not leak the other kind
            numbers = [n for n in numbers if n.archived == archived]
        return Page(numbers, following)

    def _careful_page(
        self, response: httpx.Response, voice_response: httpx.Response | None, asked: int
    ) -> Flow[tuple[list[PhoneNumber], str | None]]:
        """A page read field by field, saying what is wrong; a number the voice
        page lacks (the listings shifted between the two requests) is read alone."""
        records, following = page_of(loads(response, provider=self.provider), "phone numbers", asked)
        voices: dict[str, Any] | None = None
        if voice_response is not None:
            voices = voices_by_id(records_of(loads(voice_response, provider=self.provider), "voice settings"))
            listed = [  # a released number forwards nothing: it has no voice settings to read
                record_id(r) for r in records if isinstance(r, dict) and r.get("status") != DELETED
            ]
            for ident in [i for i in listed if i not in voices]:
                try:
                    voices[ident] = yield from self._voice(ident, "list")
                except NotFoundError:
                    continue  # released meanwhile
        return numbers_from_page(records, voices), following

    def get(self, ref: Ref) -> Flow[PhoneNumber]:
        record = yield from self._find(ref, "get")
        if record.get("status") == DELETED:
            return number_from_wire(record)
        voice = yield from self._voice(record_id(record), "get")
        return number_from_wire(record, voice)

    # -- update -------------------------------------------------------------------------------
    def update(self, ref: Ref, changes: NumberChanges) -> Flow[PhoneNumber]:
        return (yield from self._update(ref, changes, "update"))

    def set_forwarding(self, ref: Ref, forward_to: str | None) -> Flow[PhoneNumber]:
        return (yield from self._update(ref, NumberChanges(forwarding_number=forward_to), "set_forwarding"))

    def _update(self, ref: Ref, changes: NumberChanges, operation: str) -> Flow[PhoneNumber]:
        # a handler Telnyx cannot take is refused before anything is sent
        number_body, voice_body, messaging_body = changes_to_wire(changes)
        ident = yield from self._ident(ref, operation)
        voice: dict[str, Any] | None = None
        # each PATCH sets absolute values: repeating one is harmless
        if voice_body:
            request = self.requests.request(
                "PATCH", "phone_numbers", ident, "voice", json=voice_body, retry="safe"
            )
            voice = self._record((yield request), operation)
        if messaging_body:
            request = self.requests.request(
                "PATCH", "phone_numbers", ident, "messaging", json=messaging_body, retry="safe"
            )
            self._record((yield request), operation)
        if number_body:
            request = self.requests.request("PATCH", "phone_numbers", ident, json=number_body, retry="safe")
            record = self._record((yield request), operation)
        else:
            record = yield from self._fetch(ident, operation)
        if voice is None:
            voice = yield from self._voice(ident, operation)
        return number_from_wire(record, voice)

    # -- order ----------------------------------------------------------------------------------
    def create(self, number: str, *, name: str | None, link: str | None) -> Flow[PhoneNumber]:
        """Order the number; Telnyx fills the order asynchronously, so the number
        comes back as Telnyx lists it now (`raw["status"]` "purchase-pending")."""
        if link is not None:
            raise self.unsupported(Feature.LINK)
        body = {"phone_numbers": [{"phone_number": number}]}

        def took_effect() -> Flow[bool | None]:
            found = yield from self._search(number, "create")
            return True if found is not None and found.get("status") != DELETED else None

        yield from write_once(
            self,
            # a 429 ordered nothing: the driver may wait it out and send again
            lambda: self.requests.request("POST", "number_orders", json=body, retry="rate_limit"),
            operation="create",
            accept=self._ordered,
            took_effect=took_effect,
            max_sends=MAX_SENDS,
        )
        record = yield from self._search(number, "create")
        if record is None or record.get("status") == DELETED:
            msg = f"the order for {number} was accepted but the number is not listed yet; get it again later"
            raise ProviderError(msg, provider=self.provider, operation="create")
        ident = record_id(record)
        if name is not None and record.get("customer_reference") != name:
            request = self.requests.request(
                "PATCH", "phone_numbers", ident, json={"customer_reference": name}, retry="safe"
            )
            record = self._record((yield request), "create")
        voice = yield from self._voice(ident, "create")
        return number_from_wire(record, voice)

    def _ordered(self, response: httpx.Response) -> bool:
        """A number order's answer: `pending` or `success` is an order placed."""
        order = self._record(response, "create")
        status = order.get("status")
        if status == "failure":
            msg = "Telnyx refused the number order (status failure)"
            raise ProviderError(msg, provider=self.provider, status=response.status_code, operation="create")
        if status not in ("pending", "success"):
            msg = f"a number order came back with status {shorten(status, 40, quote=True)}"
            raise ResponseFormatError(msg, provider=self.provider)
        return True

    # -- delete ---------------------------------------------------------------------------------
    def archive_blockers(self, ref: Ref) -> Flow[list[ArchiveBlocker]]:
        record = yield from self._find(ref, "archive_blockers")
        return _blockers(record)

    def archive(self, ref: Ref) -> Flow[PhoneNumber]:
        """`DELETE /phone_numbers/{id}`; after an unknown outcome, a GET decides
        (404 or `deleted`: done) before it is ever sent again."""
        record = yield from self._find(ref, "archive")
        current = number_from_wire(record)
        if current.archived:
            return current
        blockers = _blockers(record)
        if blockers:
            raise ArchiveBlockedError(
                f"{current.number} has deletion lock enabled",
                blockers=blockers,
                provider=self.provider,
                operation="archive",
            )

        def deleted(response: httpx.Response) -> PhoneNumber:
            released = number_from_wire(self._record(response, "archive"))
            if not released.archived:
                shown = shorten(released.raw.get("status"), 40, quote=True)
                msg = f"the delete answer shows {current.number} as {shown}"
                raise ResponseFormatError(msg, provider=self.provider)
            return released

        def took_effect() -> Flow[PhoneNumber | None]:
            try:
                now = number_from_wire((yield from self._fetch(current.id, "archive")))
            except NotFoundError:
                return attrs.evolve(current, archived=True)  # gone: the delete took effect
            return now if now.archived else None

        return (
            yield from write_once(
                self,
                # a 429 deleted nothing: the driver may wait it out and send again
                lambda: self.requests.request("DELETE", "phone_numbers", current.id, retry="rate_limit"),
                operation="archive",
                accept=deleted,
                took_effect=took_effect,
                max_sends=MAX_SENDS,
            )
        )

    # -- vendor extra -----------------------------------------------------------------------------
    def ex_search_available_flow(self, params: list[tuple[str, str]]) -> Flow[list[AvailableNumber]]:
        """Numbers for sale; `params` come from `search_params` (already checked)."""
        response = yield self.requests.request("GET", "available_phone_numbers", params=params)
        self.raise_for_error(response, "search")
        return available_from_wire(loads(response, provider=self.provider))


def _blockers(record: dict[str, Any]) -> list[ArchiveBlocker]:
    """Deletion lock is what Telnyx documents as keeping a number from deletion."""
    if record.get("deletion_lock_enabled") is True:
        return [
            ArchiveBlocker(
                kind="deletion_lock",
                id=str(record.get("id")),
                detail="deletion_lock_enabled is set on the number; turn it off to delete it",
            )
        ]
    return []
