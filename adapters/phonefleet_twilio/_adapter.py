"""The Twilio adapter: settings and flows over the 2010-04-01 REST API.

Base `https://api.twilio.com`, paths `/2010-04-01/Accounts/{AccountSid}/...`,
HTTP Basic with the account sid and auth token (or an API key and secret),
form-encoded writes, JSON answers. SignalWire's Compatibility API is the
same API under `https://{space}.signalwire.com/api/laml`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import httpx

from phonefleet import (
    Feature,
    NumberChanges,
    NumberType,
    PhoneNumber,
    ProviderError,
    ResponseFormatError,
    Routing,
    StoreIdentity,
    Unset,
)
from phonefleet.adapter import (
    BasicAuth,
    Flow,
    ListFilter,
    MissingSettingError,
    Page,
    RateLimit,
    RateSignal,
    Ref,
    RequestBuilder,
    Secret,
    VendorLimits,
    buy_once,
    check_cursor,
    env_setting,
    loads,
    release_once,
    shorten,
)

from ._errors import error_from_response
from ._mapping import (
    available_from_wire,
    check_handler,
    forwarding_fields,
    forwarding_from_url,
    messaging_fields,
    number_from_wire,
    page_from_wire,
    voice_fields,
)
from ._porting import NUMBERS_BASE_URL, UPLOAD_BASE_URL, PortingFlows
from ._wire import API_VERSION, FORM_NAMES, PROVIDER, AvailableNumber

__all__ = ["DEFAULT_BASE_URL", "FEATURES", "TwilioAdapter", "search_params"]

FEATURES: Final = frozenset(
    {
        Feature.LIST,
        Feature.GET,
        Feature.UPDATE_NAME,
        Feature.UPDATE_ROUTING,
        Feature.SET_FORWARDING,
        Feature.CREATE,
        Feature.ARCHIVE,
        Feature.PORT_IN,
    }
)
DEFAULT_BASE_URL: Final = "https://api.twilio.com"
DEFAULT_PAGE_SIZE: Final = 1000
MAX_PAGE_SIZE: Final = 1000
#: Twilio's limit on a friendly name (SignalWire's Compatibility API takes 255)
MAX_NAME: Final = 64
MAX_SIGNALWIRE_NAME: Final = 255
_SEARCH_KINDS: Final = {
    NumberType.LOCAL: "Local",
    NumberType.TOLL_FREE: "TollFree",
    NumberType.MOBILE: "Mobile",
    "local": "Local",
    "toll_free": "TollFree",
    "toll-free": "TollFree",
    "tollfree": "TollFree",
    "mobile": "Mobile",
}
_COUNTRY: Final = re.compile(r"[A-Z]{2}")
_AREA_CODE: Final = re.compile(r"[0-9]{3}")
#: Twilio's pattern: digits and letters, `*` (one character) and `%` (any run),
#: `+` first to anchor the start, `$` last to anchor the end; 2-16 characters
_CONTAINS: Final = re.compile(r"(?=.{2,16}\Z)(?=(?:[^0-9A-Za-z]*[0-9A-Za-z]){2})\+?[0-9A-Za-z*%]+\$?")


def _secret(value: object, what: str, env: str) -> Secret | None:
    if isinstance(value, Secret):
        return value or None
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        msg = f"{what} must be a string, got {type(value).__name__}"
        raise TypeError(msg)
    return Secret(value) or None


def _differs(current: object, wanted: str) -> bool:
    """Twilio reports a field that is not set as "" or null."""
    return (current or "") != wanted


#: Twilio limits requests in flight per account (429, code 20429) and publishes no rate:
#: phonefleet adapts its concurrency. SignalWire's copy of the API documents a rate instead:
#: writes (POST, PUT, PATCH) 13,800 per 10 seconds per account, reads unlimited.
TWILIO_LIMITS: Final = VendorLimits(concurrency=True)
SIGNALWIRE_LIMITS: Final = VendorLimits(
    rate=RateLimit(13800, 10), methods=frozenset({"POST", "PUT", "PATCH"})
)


class TwilioAdapter(PortingFlows):
    """Twilio IncomingPhoneNumbers (and SignalWire's copy of them), as flows."""

    provider = PROVIDER
    features = FEATURES
    forwarding_replaces_voice = True  # the Forward Twimlet is the voice URL

    def __init__(
        self,
        *,
        account_sid: str | None = None,
        auth_token: str | Secret | None = None,
        api_key: str | Secret | None = None,
        api_secret: str | Secret | None = None,
        base_url: str | None = None,
        page_size: int | str | None = None,
        numbers_base_url: str | None = None,
        upload_base_url: str | None = None,
    ) -> None:
        account = env_setting(account_sid, "TWILIO_ACCOUNT_SID")
        if not account:
            raise MissingSettingError("twilio", "account_sid", ("TWILIO_ACCOUNT_SID",))
        if not isinstance(account, str):
            msg = f"account_sid must be a string, got {type(account).__name__}"
            raise TypeError(msg)
        account = Secret(account).reveal()  # refuses control characters, strips
        if not account:  # blank is missing, as for the secrets
            raise MissingSettingError("twilio", "account_sid", ("TWILIO_ACCOUNT_SID",))
        key = _secret(env_setting(api_key, "TWILIO_API_KEY"), "api_key", "TWILIO_API_KEY")
        key_secret = _secret(env_setting(api_secret, "TWILIO_API_SECRET"), "api_secret", "TWILIO_API_SECRET")
        token = _secret(env_setting(auth_token, "TWILIO_AUTH_TOKEN"), "auth_token", "TWILIO_AUTH_TOKEN")
        if key is not None:
            if key_secret is None:
                raise MissingSettingError(
                    "twilio", "api_secret", ("TWILIO_API_SECRET",), also="which api_key needs"
                )
            self.auth = BasicAuth(key, key_secret)
        elif token is not None:
            self.auth = BasicAuth(account, token)
        else:
            raise MissingSettingError(
                "twilio",
                "auth_token",
                ("TWILIO_AUTH_TOKEN",),
                also="or api_key and api_secret (TWILIO_API_KEY and TWILIO_API_SECRET)",
            )
        self.credentials = tuple(s for s in (token, key, key_secret) if s is not None)
        if page_size is None:
            page_size = DEFAULT_PAGE_SIZE
        elif isinstance(page_size, str) and page_size.strip().isdigit():
            page_size = int(page_size)  # as text from the command line (-o page_size=500)
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= MAX_PAGE_SIZE
        ):
            msg = f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}, got {page_size!r}"
            raise ValueError(msg)
        self.page_size = page_size
        self.account_sid = account
        self.requests = RequestBuilder(base_url or DEFAULT_BASE_URL)
        signalwire = self.requests.base_url.path.rstrip("/").endswith("/api/laml")
        self.max_name = MAX_SIGNALWIRE_NAME if signalwire else MAX_NAME
        self.limits = SIGNALWIRE_LIMITS if signalwire else TWILIO_LIMITS
        # porting lives on two more hosts; SignalWire's dialect has neither
        self.numbers = None if signalwire else RequestBuilder(numbers_base_url or NUMBERS_BASE_URL)
        self.uploads = None if signalwire else RequestBuilder(upload_base_url or UPLOAD_BASE_URL)
        if signalwire:
            self.features = FEATURES - {Feature.PORT_IN}

    # -- hooks ------------------------------------------------------------------
    def is_own_origin(self, url: httpx.URL) -> bool:
        builders = (self.requests, self.numbers, self.uploads)
        return any(b is not None and b.is_same_origin(url) for b in builders)

    def describe(self) -> str:
        return f"twilio {self.requests.base_url}"

    def identity(self) -> StoreIdentity:
        return StoreIdentity(self.provider, self.account_sid, self.requests.base_url)

    def error_from_response(self, response: httpx.Response, operation: str) -> ProviderError:
        return error_from_response(response, operation)

    def rate_signal(self, response: httpx.Response) -> RateSignal:
        """Twilio's 429 (code 20429) means too many requests in flight on the account."""
        if response.status_code != 429:
            return super().rate_signal(response)
        concurrency = self.limits.concurrency
        return RateSignal(throttled=True, concurrency=concurrency, retry_after=self.retry_after(response))

    # -- requests -----------------------------------------------------------------
    def _request(
        self, method: str, *segments: str, params: Mapping[str, str | int] | None = None, **options: Any
    ) -> httpx.Request:
        """A request under `/2010-04-01/Accounts/{AccountSid}/`, with `.json` appended."""
        return self.requests.request(
            method,
            API_VERSION,
            "Accounts",
            self.account_sid,
            *segments,
            params=params,
            suffix=".json",
            **options,
        )

    def _json(self, response: httpx.Response, operation: str, ref_id: str | None = None) -> Any:
        if response.is_error:
            raise error_from_response(response, operation, ref_id=ref_id)
        if response.status_code not in {200, 201}:
            msg = f"{operation}: expected HTTP 200, got {response.status_code}"
            raise ResponseFormatError(msg, provider=self.provider)
        return loads(response, provider=self.provider)

    def _next(self, current: httpx.URL, following: object) -> str | None:
        return self.requests.next_link(current, following, provider=self.provider, field="next_page_uri")

    # -- list / get -------------------------------------------------------------------
    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        return (yield from self._list_page(archived, cursor, {}))

    def list_page_filtered(self, archived: bool | None, cursor: str | None, only: ListFilter) -> Flow[Page]:
        """One number asked for is Twilio's own `PhoneNumber` filter (the store matches it exactly)."""
        one = sorted(only.numbers) if only.numbers is not None and len(only.numbers) == 1 else []
        return (yield from self._list_page(archived, cursor, {"PhoneNumber": one[0]} if one else {}))

    def _list_page(self, archived: bool | None, cursor: str | None, narrow: dict[str, str]) -> Flow[Page]:
        if archived:
            return Page(items=())  # a released number is gone: nothing is archived
        if cursor is None:
            params: dict[str, str | int] = {**narrow, "PageSize": self.page_size}
            request = self._request("GET", "IncomingPhoneNumbers", params=params)
        else:
            request = self.requests.request("GET", url=cursor)
        response = yield request
        if response.is_error:
            raise error_from_response(response, "list")
        if response.status_code != 200:
            msg = f"list: expected HTTP 200, got {response.status_code}"
            raise ResponseFormatError(msg, provider=self.provider)
        items, following = page_from_wire(response.content)
        return Page(items=items, next=self._next(request.url, following))

    def get(self, ref: Ref) -> Flow[PhoneNumber]:
        if ref.id is None:
            return (yield from self._find_number(ref, "get"))
        response = yield self._request("GET", "IncomingPhoneNumbers", ref.id)
        return number_from_wire(self._json(response, "get"))

    def _find_number(self, ref: Ref, operation: str) -> Flow[PhoneNumber]:
        """A number by E.164: the `PhoneNumber` filter (a pattern), then an exact match."""
        params: dict[str, str | int] = {"PhoneNumber": ref.number or "", "PageSize": self.page_size}
        request = self._request("GET", "IncomingPhoneNumbers", params=params)
        seen: set[str] = set()
        while True:
            response = yield request
            if response.is_error:
                raise error_from_response(response, operation)
            items, following = page_from_wire(response.content)
            for item in items:
                if item.number == ref.number:
                    return item
            cursor = self._next(request.url, following)
            if cursor is None:
                raise self.not_found(ref, operation)
            request = self.requests.request("GET", url=check_cursor(cursor, seen, self.provider))

    # -- update --------------------------------------------------------------------------
    def update(self, ref: Ref, changes: NumberChanges) -> Flow[PhoneNumber]:
        # Everything is checked before anything is sent.
        name, forwarding, routing = changes.name, changes.forwarding_number, changes.routing
        if isinstance(name, str) and len(name) > self.max_name:
            msg = f"a friendly name here has at most {self.max_name} characters, got {len(name)}"
            raise ValueError(msg)
        if isinstance(routing, Routing):
            if routing.voice is not None:
                check_handler("voice", routing.voice)
                if isinstance(forwarding, str):
                    msg = "give forwarding_number or a voice handler, not both: both set the voice URL"
                    raise ValueError(msg)
            if routing.messaging is not None:
                check_handler("messaging", routing.messaging)
        wanted: dict[str, str] = {}
        if not isinstance(name, Unset):
            wanted["friendly_name"] = name or ""
        current: PhoneNumber | None = None
        if not (isinstance(forwarding, Unset) and isinstance(routing, Unset)):
            # the current state decides what must be sent (and what may stay)
            current = yield from self.get(ref)
            raw = current.raw
            if routing is None:  # a forwarding Twimlet is not routing: it stays
                keep = forwarding_from_url(raw.get("voice_url")) is not None
                wanted.update(voice_fields(None, keep_url=keep))
                wanted.update(messaging_fields(None))
            elif isinstance(routing, Routing):
                if routing.voice is not None:
                    wanted.update(voice_fields(routing.voice))
                if routing.messaging is not None:
                    wanted.update(messaging_fields(routing.messaging))
            if not isinstance(forwarding, Unset):
                wanted.update(forwarding_fields(forwarding, raw.get("voice_url")))
            wanted = {key: value for key, value in wanted.items() if _differs(raw.get(key), value)}
            if not wanted:
                return current
        ident = current.id if current is not None else ref.id
        if ident is None:
            ident = (yield from self._find_number(ref, "update")).id
        form = {FORM_NAMES[key]: value for key, value in wanted.items()}
        # the same values set twice are set once: safe to repeat after a lost answer
        response = yield self._request("POST", "IncomingPhoneNumbers", ident, form=form, retry="safe")
        return number_from_wire(self._json(response, "update", ident))

    # -- purchase ----------------------------------------------------------------------------
    def create(self, number: str, *, name: str | None, link: str | None) -> Flow[PhoneNumber]:
        if link is not None:
            raise self.unsupported(Feature.LINK)
        if name is not None and len(name) > self.max_name:
            msg = f"a friendly name here has at most {self.max_name} characters, got {len(name)}"
            raise ValueError(msg)
        form = {"PhoneNumber": number}
        if name:  # "" is Twilio's default name (the formatted number): nothing to send
            form["FriendlyName"] = name
        created = yield from buy_once(
            # a 429 bought nothing (Twilio says so): the driver may wait it out and send again
            lambda: self._request("POST", "IncomingPhoneNumbers", form=form, retry="rate_limit"),
            lambda response: number_from_wire(self._json(response, "create")),
            lambda: self._find_number(Ref(number=number), "create"),
            lambda response: error_from_response(response, "create"),
        )
        if name and created.name != name:  # found after a lost answer, say
            response = yield self._request(
                "POST", "IncomingPhoneNumbers", created.id, form={"FriendlyName": name}, retry="safe"
            )
            created = number_from_wire(self._json(response, "create", created.id))
        return created

    # -- release -------------------------------------------------------------------------------
    def archive(self, ref: Ref) -> Flow[PhoneNumber]:
        number = ref.known if ref.known is not None else (yield from self.get(ref))
        return (
            yield from release_once(
                number,
                # a 429 released nothing: the driver may wait it out and send again
                lambda: self._request("DELETE", "IncomingPhoneNumbers", number.id, retry="rate_limit"),
                lambda: self._exists(number.id),
                lambda response: error_from_response(response, "archive", ref_id=number.id),
            )
        )

    def _exists(self, ident: str) -> Flow[bool]:
        response = yield self._request("GET", "IncomingPhoneNumbers", ident)
        if response.status_code == 404:
            return False
        self._json(response, "archive", ident)
        return True

    # -- vendor extra ----------------------------------------------------------------------------
    def ex_search_available_flow(
        self, country: str, kind: str, params: Mapping[str, str | int]
    ) -> Flow[list[AvailableNumber]]:
        """Numbers for sale (one page: Twilio caps the results); arguments from `search_params`."""
        response = yield self._request("GET", "AvailablePhoneNumbers", country, kind, params=params)
        found = available_from_wire(self._json(response, "search"))
        limit = params.get("PageSize")
        # SignalWire's search takes no PageSize: the limit holds all the same
        return found[:limit] if isinstance(limit, int) else found


def _flag(value: object, what: str) -> str:
    if not isinstance(value, bool):
        msg = f"{what} must be True or False, got {shorten(value, 40, quote=True)}"
        raise ValueError(msg)
    return "true" if value else "false"


def search_params(
    country: str = "US",
    kind: str | NumberType = "local",
    *,
    area_code: str | int | None = None,
    contains: str | None = None,
    sms: bool | None = None,
    mms: bool | None = None,
    voice: bool | None = None,
    fax: bool | None = None,
    region: str | None = None,
    locality: str | None = None,
    postal_code: str | None = None,
    limit: int | None = None,
) -> tuple[str, str, dict[str, str | int]]:
    """Check a search as Twilio documents it, before sending: (country, kind path, query).

    `country` ISO 3166-1 alpha-2; `kind` local, toll_free or mobile;
    `area_code` 3 digits; `contains` 2-16 digits or letters, with Twilio's
    `*`/`%` wildcards and `+`/`$` anchors;
    `sms`/`mms`/`voice`/`fax` filter on capabilities; `limit` 1-1000.
    """
    code = country.strip().upper() if isinstance(country, str) else ""
    if not _COUNTRY.fullmatch(code):
        msg = (
            f"country must be an ISO 3166-1 alpha-2 code such as 'US', got {shorten(country, 40, quote=True)}"
        )
        raise ValueError(msg)
    path = _SEARCH_KINDS.get(kind if isinstance(kind, NumberType) else str(kind).strip().lower())
    if path is None:
        msg = f"kind must be 'local', 'toll_free' or 'mobile', got {shorten(kind, 40, quote=True)}"
        raise ValueError(msg)
    params: dict[str, str | int] = {}
    if area_code is not None:
        text = (
            str(area_code).strip()
            if isinstance(area_code, str | int) and not isinstance(area_code, bool)
            else ""
        )
        if not _AREA_CODE.fullmatch(text):
            msg = f"area_code must be 3 digits, got {shorten(area_code, 40, quote=True)}"
            raise ValueError(msg)
        params["AreaCode"] = text
    if contains is not None:
        if not isinstance(contains, str) or not _CONTAINS.fullmatch(contains.strip()):
            msg = (
                "contains must be 2-16 characters: digits or letters (at least two), '*' or '%' "
                f"wildcards, '+' first or '$' last, got {shorten(contains, 40, quote=True)}"
            )
            raise ValueError(msg)
        params["Contains"] = contains.strip()
    for key, what, value in (
        ("SmsEnabled", "sms", sms),
        ("MmsEnabled", "mms", mms),
        ("VoiceEnabled", "voice", voice),
        ("FaxEnabled", "fax", fax),
    ):
        if value is not None:
            params[key] = _flag(value, f"{what} ({key})")
    for key, what, place in (
        ("InRegion", "region", region),
        ("InLocality", "locality", locality),
        ("InPostalCode", "postal_code", postal_code),
    ):
        if place is not None:
            if not isinstance(place, str) or not place.strip() or len(place) > 64:
                msg = f"{what} ({key}) must be a non-empty string, got {shorten(place, 40, quote=True)}"
                raise ValueError(msg)
            params[key] = place.strip()
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
            msg = f"limit must be an integer from 1 to {MAX_PAGE_SIZE}, got {limit!r}"
            raise ValueError(msg)
        params["PageSize"] = limit
    return code, path, params
