"""The SignalWire adapter: settings and flows over the relay REST API.

Base `https://{space}.signalwire.com/api/relay/rest`, HTTP Basic
`project_id:api_token`; forwarding scripts live in the Fabric API of the
same space (`/api/fabric`), with the same credentials. Every operation is
one flow (a generator of requests); the core's drivers send them, retry what
is safe, and apply the credentials only to this adapter's own origin.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Final

import httpx

from phonefleet import (
    Feature,
    NotFoundError,
    NumberChanges,
    NumberType,
    PermissionDeniedError,
    PhoneNumber,
    ProviderError,
    ResponseFormatError,
    TransportError,
    Unset,
)
from phonefleet.adapter import (
    UNKNOWN_OUTCOME,
    Adapter,
    BasicAuth,
    Flow,
    MissingSettingError,
    Page,
    RateLimit,
    Ref,
    RequestBuilder,
    Secret,
    VendorLimits,
    buy_once,
    check_cursor,
    env_setting,
    loads,
    release_once,
)

from ._errors import error_from_response
from ._forwarding import (
    ForwardingScript,
    forwarding_contents,
    is_bound_to_script,
    pick_script,
    script_from_wire,
    script_name,
    scripts_page_from_wire,
    with_forwarding,
)
from ._mapping import (
    available_from_wire,
    number_from_wire,
    page_from_wire,
    routing_to_wire,
    runs_a_script,
)
from ._wire import VOICE_SIDE, AvailableNumber

__all__ = ["DEFAULT_PAGE_SIZE", "FEATURES", "SignalWireAdapter", "fabric_base", "search_params", "space_host"]

FEATURES: Final = frozenset(
    {
        Feature.LIST,
        Feature.GET,
        Feature.UPDATE_NAME,
        Feature.UPDATE_ROUTING,
        Feature.SET_FORWARDING,
        Feature.CREATE,
        Feature.ARCHIVE,
    }
)
DEFAULT_PAGE_SIZE: Final = 1000
MAX_PAGE_SIZE: Final = 1000
#: how often a purchase or a release is sent in all, each resend only after a
#: lookup proved the previous attempt did not take effect
MAX_SENDS: Final = 3
_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SUFFIX: Final = ".signalwire.com"
_DIGITS: Final = re.compile(r"[0-9]{3,7}")
_AREACODE: Final = re.compile(r"[0-9]{3}")
_REGION: Final = re.compile(r"(?:[A-Z]{2}-)?([A-Z0-9]{1,3})")
_SCRIPTS: Final = ("resources", "swml_scripts")
#: listings whose script index is kept between their pages (older ones are
#: dropped and, if they go on, read the scripts again)
_LISTINGS_KEPT: Final = 16

log: Final = logging.getLogger("phonefleet.signalwire")


def fabric_base(relay_base: httpx.URL | str) -> str:
    """The Fabric API base on the relay REST base's origin.

    `.../api/relay/rest` becomes `.../api/fabric` (a proxy's path prefix is
    kept); any other base gets `/api/fabric` on its origin.
    """
    url = httpx.URL(str(relay_base))
    path = url.path.rstrip("/")
    suffix = "/relay/rest"
    fabric = path[: -len(suffix)] + "/fabric" if path.endswith(suffix) else "/api/fabric"
    return str(url.copy_with(path=fabric, query=None, fragment=None))


def space_host(space: str) -> str:
    """`example` or `example.signalwire.com` -> `example.signalwire.com`.

    Anything else (a URL, a path, another domain, a bad label) is refused:
    the space decides where the credentials go.
    """
    if not isinstance(space, str):
        msg = f"space must be a string, got {type(space).__name__}"
        raise TypeError(msg)
    text = space.strip().lower()
    if text.endswith(_SUFFIX):
        text = text[: -len(_SUFFIX)]
    if not _LABEL.fullmatch(text):
        msg = (
            f"space must be your SignalWire space name (e.g. 'example' or "
            f"'example.signalwire.com'), got {space!r}"
        )
        raise ValueError(msg)
    return text + _SUFFIX


def _secret(value: object, what: str, env: str) -> Secret:
    if isinstance(value, Secret):
        if not value:
            value = None
        else:
            return value
    if not value:
        raise MissingSettingError("signalwire", what, (env,))
    if not isinstance(value, str):
        msg = f"{what} must be a string, got {type(value).__name__}"
        raise TypeError(msg)
    return Secret(value.strip())


#: SignalWire's documented API limit: POST, PUT and PATCH, 13,800 per 10 seconds per
#: account; GET and DELETE "effectively unlimited" (docs: platform/rate-limits)
LIMITS: Final = VendorLimits(rate=RateLimit(13800, 10), methods=frozenset({"POST", "PUT", "PATCH"}))


class SignalWireAdapter(Adapter):
    """SignalWire relay REST phone numbers, as flows."""

    provider = "signalwire"
    features = FEATURES
    limits = LIMITS
    forwarding_replaces_voice = True  # forwarding is the relay_script call handler

    def __init__(
        self,
        *,
        space: str | None = None,
        project_id: str | Secret | None = None,
        api_token: str | Secret | None = None,
        base_url: str | None = None,
        page_size: int | None = None,
    ) -> None:
        space = env_setting(space, "SIGNALWIRE_SPACE")
        host = space_host(space) if space else None
        if base_url is None:
            if host is None:
                raise MissingSettingError(
                    "signalwire", "space", ("SIGNALWIRE_SPACE",), also="or give base_url instead"
                )
            base_url = f"https://{host}/api/relay/rest"
        project = _secret(
            env_setting(project_id, "SIGNALWIRE_PROJECT_ID"), "project_id", "SIGNALWIRE_PROJECT_ID"
        )
        token = _secret(env_setting(api_token, "SIGNALWIRE_API_TOKEN"), "api_token", "SIGNALWIRE_API_TOKEN")
        if page_size is None:
            page_size = DEFAULT_PAGE_SIZE
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= MAX_PAGE_SIZE
        ):
            msg = f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}, got {page_size!r}"
            raise ValueError(msg)
        self.page_size = page_size
        self.requests = RequestBuilder(base_url)
        self.fabric = RequestBuilder(fabric_base(self.requests.base_url))
        self.auth = BasicAuth(project, token)
        self.credentials = (project, token)
        #: scripts seen forwarding, by target and by request_url: a hint that
        #: saves a full script read, always checked with one GET before use
        self._by_target: dict[str, ForwardingScript] = {}
        self._by_url: dict[str, ForwardingScript] = {}
        #: request_url -> target, per listing still under way (key in its cursor)
        self._listings: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._listing_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._warned = False

    # -- hooks ----------------------------------------------------------------
    def is_own_origin(self, url: httpx.URL) -> bool:
        return self.requests.is_same_origin(url)

    def describe(self) -> str:
        return f"signalwire {self.requests.base_url}"

    def error_from_response(self, response: httpx.Response, operation: str) -> ProviderError:
        return error_from_response(response, operation)

    def _json(self, response: httpx.Response, operation: str, ref_id: str | None = None) -> Any:
        if response.is_error:
            raise error_from_response(response, operation, ref_id=ref_id)
        if response.status_code not in {200, 201}:
            msg = f"{operation}: expected HTTP 200, got {response.status_code}"
            raise ResponseFormatError(msg, provider=self.provider)
        return loads(response, provider=self.provider)

    def _next_url(self, current: httpx.URL, following: str | None) -> str | None:
        """`links.next` (relative or absolute) as an absolute URL, the page cursor."""
        return self.requests.next_link(current, following, provider=self.provider, field="links.next")

    # -- list / get -------------------------------------------------------------
    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        """One page; its numbers bound to a script read forwarding from one
        script index per listing (read on the first page that needs it)."""
        if archived:
            # A released number is gone from SignalWire: nothing is archived.
            return Page(items=())
        listing: str | None = None
        if cursor is None:
            request = self.requests.request("GET", "phone_numbers", params={"page_size": self.page_size})
        else:
            # the cursor is "next-url" or "listing-key next-url" (a URL has no space)
            key, _, url = cursor.rpartition(" ")
            listing = key or None
            request = self.requests.request("GET", url=url)
        response = yield request
        body = self._json(response, "list")
        index: dict[str, str] | None = None
        if runs_a_script(body):
            index = self._listing_index(listing)
            if index is None:
                index = yield from self._forwarding_index("list")
                listing = self._keep_listing(listing, index)
        items, following = page_from_wire(body, index)
        after = self._next_url(request.url, following)
        if after is None:
            self._drop_listing(listing)
            return Page(items=items)
        return Page(items=items, next=after if listing is None else f"{listing} {after}")

    def _listing_index(self, listing: str | None) -> dict[str, str] | None:
        if listing is None:
            return None
        with self._lock:
            return self._listings.get(listing)

    def _keep_listing(self, listing: str | None, index: dict[str, str]) -> str:
        with self._lock:
            if listing is None:
                listing = f"L{next(self._listing_ids)}"
            self._listings[listing] = index
            while len(self._listings) > _LISTINGS_KEPT:
                self._listings.popitem(last=False)
        return listing

    def _drop_listing(self, listing: str | None) -> None:
        if listing is not None:
            with self._lock:
                self._listings.pop(listing, None)

    def get(self, ref: Ref) -> Flow[PhoneNumber]:
        if ref.id is None:
            number = yield from self._find_number(ref, "get")
        else:
            response = yield self.requests.request("GET", "phone_numbers", ref.id)
            number = number_from_wire(self._json(response, "get"))
        return (yield from self._resolved(number, "get"))

    def _find_number(self, ref: Ref, operation: str) -> Flow[PhoneNumber]:
        """A number by E.164: `filter_number` (a substring match), then an exact one."""
        params: dict[str, str | int] = {"filter_number": ref.number or "", "page_size": self.page_size}
        request = self.requests.request("GET", "phone_numbers", params=params)
        seen: set[str] = set()
        while True:
            response = yield request
            items, following = page_from_wire(self._json(response, operation))
            for item in items:
                if item.number == ref.number:
                    return item
            cursor = self._next_url(request.url, following)
            if cursor is None:
                raise self.not_found(ref, operation)
            request = self.requests.request("GET", url=check_cursor(cursor, seen, self.provider))

    def _exists(self, ident: str, operation: str) -> Flow[bool]:
        response = yield self.requests.request("GET", "phone_numbers", ident)
        if response.status_code == 404:
            return False
        self._json(response, operation)
        return True

    # -- update -----------------------------------------------------------------
    def update(self, ref: Ref, changes: NumberChanges) -> Flow[PhoneNumber]:
        forwarding = changes.forwarding_number
        # Built before anything is sent: a bad handler is refused up front.
        body: dict[str, Any] = {}
        if not isinstance(changes.name, Unset):
            body["name"] = changes.name
        if not isinstance(changes.routing, Unset):
            if not isinstance(forwarding, Unset) and (changes.routing is None or changes.routing.voice):
                msg = (
                    "forwarding and a voice handler both decide where SignalWire sends calls: "
                    "change one at a time"
                )
                raise ValueError(msg)
            body.update(routing_to_wire(changes.routing))
        ident = ref.id
        current: PhoneNumber | None = None
        if ident is None or forwarding is None:
            current = yield from self._current(ref, "update")
            ident = current.id
        if isinstance(forwarding, str):
            script = yield from self._forwarding_script(forwarding)
            assert script.request_url is not None
            body[VOICE_SIDE.handler_key] = "relay_script"
            body["call_relay_script_url"] = script.request_url
        elif forwarding is None and current is not None and current.forwarding_number is not None:
            # unbind: the voice handler goes back to none (the script stays for others)
            body[VOICE_SIDE.handler_key] = None
        if not body:
            assert current is not None
            return current  # nothing to change: already not forwarding
        response = yield self.requests.request("PUT", "phone_numbers", ident, json=body)
        number = number_from_wire(self._json(response, "update"))
        if isinstance(forwarding, str):
            return with_forwarding(number, {body["call_relay_script_url"]: forwarding})
        return (yield from self._resolved(number, "update"))

    def _current(self, ref: Ref, operation: str) -> Flow[PhoneNumber]:
        """The number as it is now (forwarding read), by id or by E.164."""
        if ref.id is None:
            number = yield from self._find_number(ref, operation)
        else:
            response = yield self.requests.request("GET", "phone_numbers", ref.id)
            number = number_from_wire(self._json(response, operation))
        return (yield from self._resolved(number, operation))

    # -- forwarding scripts (Fabric API) ------------------------------------------
    def _scripts(self, operation: str) -> Flow[list[ForwardingScript]]:
        """Every SWML script of the space (paged), remembered as hints."""
        request = self.fabric.request("GET", *_SCRIPTS)
        seen: set[str] = set()
        found: list[ForwardingScript] = []
        while True:
            response = yield request
            scripts, following = scripts_page_from_wire(self._json(response, operation))
            found.extend(scripts)
            cursor = self.fabric.next_link(request.url, following, provider=self.provider, field="links.next")
            if cursor is None:
                break
            request = self.fabric.request("GET", url=check_cursor(cursor, seen, self.provider))
        self._remember(found, complete=True)
        return found

    def _remember(self, scripts: Iterable[ForwardingScript], *, complete: bool = False) -> None:
        with self._lock:
            if complete:
                self._by_target.clear()
                self._by_url.clear()
            for script in scripts:
                if script.request_url:
                    self._by_url[script.request_url] = script
                if script.target and script.request_url:
                    best = pick_script([script, *self._by_target.values()], script.target)
                    if best is not None:
                        self._by_target[script.target] = best

    def _forget(self, script: ForwardingScript) -> None:
        with self._lock:
            if script.target and self._by_target.get(script.target) == script:
                del self._by_target[script.target]
            if script.request_url and self._by_url.get(script.request_url) == script:
                del self._by_url[script.request_url]

    def _forwarding_index(self, operation: str) -> Flow[dict[str, str]]:
        """request_url -> target for every forwarding script of the space.

        For reading only: a token that may not read the Fabric API (403), or
        a space without it (404), reads no forwarding rather than failing a
        listing that needs only the Numbers scope.
        """
        try:
            scripts = yield from self._scripts(operation)
        except (PermissionDeniedError, NotFoundError) as exc:
            self._cannot_read_scripts(exc)
            return {}
        return {s.request_url: s.target for s in scripts if s.request_url and s.target}

    def _cannot_read_scripts(self, exc: Exception) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "signalwire: cannot read the SWML scripts (%s); forwarding reads as None. "
                "Give the API token the Voice scope to read and set forwarding.",
                type(exc).__name__,
            )

    def _script(self, hint: ForwardingScript, operation: str) -> Flow[ForwardingScript | None]:
        """A remembered script as it is now, or None when it is gone."""
        response = yield self.fabric.request("GET", *_SCRIPTS, hint.id)
        if response.status_code == 404:
            self._forget(hint)
            return None
        script = script_from_wire(self._json(response, operation))
        self._remember([script])
        return script

    def _resolved(self, number: PhoneNumber, operation: str) -> Flow[PhoneNumber]:
        """`number` with its forwarding read from the script its calls run, if any."""
        if not is_bound_to_script(number):
            return number
        assert number.routing is not None
        assert number.routing.voice is not None
        url = number.routing.voice.url or ""
        with self._lock:
            hint = self._by_url.get(url)
        if hint is not None:
            try:
                script = yield from self._script(hint, operation)
            except PermissionDeniedError as exc:
                self._cannot_read_scripts(exc)
                return number
            if script is not None and script.request_url == url:
                return with_forwarding(number, {url: script.target} if script.target else {})
        index = yield from self._forwarding_index(operation)
        return with_forwarding(number, index)

    def _forwarding_script(self, target: str) -> Flow[ForwardingScript]:
        """The space's script forwarding to `target`: reused when one exists
        (any name), else created once; concurrent creators converge on one."""
        with self._lock:
            hint = self._by_target.get(target)
        if hint is not None:
            script = yield from self._script(hint, "set_forwarding")
            if script is not None and script.target == target and script.request_url:
                return script
        found = pick_script((yield from self._scripts("set_forwarding")), target)
        if found is not None:
            return found
        created: ForwardingScript | None = None
        body = {"name": script_name(target), "contents": forwarding_contents(target)}
        for attempt in range(1, MAX_SENDS + 1):
            failure: Exception
            try:
                # a 429 created nothing: the driver may wait it out and send again
                request = self.fabric.request("POST", *_SCRIPTS, json=body, retry="rate_limit")
                response = yield request
            except TransportError as exc:
                failure = exc
            else:
                if response.status_code in UNKNOWN_OUTCOME:
                    failure = error_from_response(response, "set_forwarding")
                else:
                    try:
                        created = script_from_wire(self._json(response, "set_forwarding"))
                        if created.target != target or not created.request_url:
                            msg = "the created SWML script came back without its request_url or connect"
                            raise ResponseFormatError(msg, provider=self.provider)
                        break
                    except ResponseFormatError as exc:  # a success we cannot read: did it take?
                        failure = exc
            # The outcome is unknown: look before creating again.
            found = pick_script((yield from self._scripts("set_forwarding")), target)
            if found is not None:
                return found
            if attempt == MAX_SENDS:
                raise failure from None
        assert created is not None
        # Another writer may have made one at the same time: all keep the oldest.
        scripts = yield from self._scripts("set_forwarding")
        if all(s.id != created.id for s in scripts):
            scripts.append(created)
        chosen = pick_script(scripts, target)
        assert chosen is not None
        if chosen.id != created.id:
            # failing that, a spare copy stays unused: `ex_prune_forwarding_scripts` removes it
            with contextlib.suppress(ProviderError, TransportError):
                yield from self._delete_script(created, "set_forwarding")
        return chosen

    def _delete_script(self, script: ForwardingScript, operation: str) -> Flow[None]:
        # a repeat is harmless: the script is gone either way (404)
        response = yield self.fabric.request("DELETE", *_SCRIPTS, script.id, retry="safe")
        self._forget(script)
        if response.status_code not in {200, 204, 404}:
            raise error_from_response(response, operation, ref_id=script.id)

    def ex_prune_forwarding_scripts_flow(self, *, dry_run: bool) -> Flow[list[ForwardingScript]]:
        """The forwarding scripts phonefleet made that no number's calls run
        (deleted unless `dry_run`). Scripts made by hand are never touched."""
        scripts = yield from self._scripts("prune")
        unused = {s.request_url: s for s in scripts if s.made_here and s.target and s.request_url}
        cursor: str | None = None
        seen: set[str] = set()
        while unused:
            request = (
                self.requests.request("GET", "phone_numbers", params={"page_size": self.page_size})
                if cursor is None
                else self.requests.request("GET", url=check_cursor(cursor, seen, self.provider))
            )
            response = yield request
            items, following = page_from_wire(self._json(response, "prune"))
            for item in items:
                if is_bound_to_script(item):
                    assert item.routing is not None
                    assert item.routing.voice is not None
                    unused.pop(item.routing.voice.url or "", None)
            cursor = self._next_url(request.url, following)
            if cursor is None:
                break
        pruned = sorted(unused.values(), key=lambda s: (s.name or "", s.id))
        if not dry_run:
            for script in pruned:
                yield from self._delete_script(script, "prune")
        return pruned

    # -- purchase -----------------------------------------------------------------
    def create(self, number: str, *, name: str | None, link: str | None) -> Flow[PhoneNumber]:
        if link is not None:
            raise self.unsupported(Feature.LINK)
        created = yield from buy_once(
            # a 429 bought nothing: the driver may wait it out and send again
            lambda: self.requests.request(
                "POST", "phone_numbers", json={"number": number}, retry="rate_limit"
            ),
            lambda response: number_from_wire(self._json(response, "create")),
            lambda: self._find_number(Ref(number=number), "create"),
            lambda response: error_from_response(response, "create"),
            sends=MAX_SENDS,
        )
        if name is not None and created.name != name:
            response = yield self.requests.request("PUT", "phone_numbers", created.id, json={"name": name})
            created = number_from_wire(self._json(response, "create"))
        return created

    # -- release ------------------------------------------------------------------
    def archive(self, ref: Ref) -> Flow[PhoneNumber]:
        if ref.known is not None:
            number = ref.known
        else:
            number = yield from self._current(ref, "archive")
        return (
            yield from release_once(
                number,
                # a 429 released nothing: the driver may wait it out and send again
                lambda: self.requests.request("DELETE", "phone_numbers", number.id, retry="rate_limit"),
                lambda: self._exists(number.id, "archive"),
                lambda response: error_from_response(response, "archive", ref_id=number.id),
                sends=MAX_SENDS,
            )
        )

    # -- vendor extra ---------------------------------------------------------------
    def ex_search_available_flow(self, params: dict[str, str | int]) -> Flow[list[AvailableNumber]]:
        """Numbers for sale; `params` come from `search_params` (already checked)."""
        response = yield self.requests.request("GET", "phone_numbers", "search", params=params)
        return available_from_wire(self._json(response, "search"))


def search_params(
    *,
    areacode: str | int | None = None,
    number_type: str | NumberType | None = None,
    starts_with: str | int | None = None,
    contains: str | int | None = None,
    ends_with: str | int | None = None,
    max_results: int | None = None,
    region: str | None = None,
    city: str | None = None,
) -> dict[str, str | int]:
    """Check a search's parameters as SignalWire documents them, before sending.

    `areacode` 3 digits; `number_type` local or toll-free; at most one of
    `starts_with` / `contains` / `ends_with`, each 3-7 digits; `max_results`
    1-100; `region` an ISO 3166-2 subdivision code (`TX` or `US-TX`), not
    with `areacode`; `city` only with `region`, and not with `areacode` or
    a digit pattern.
    """
    params: dict[str, str | int] = {}
    if areacode is not None:
        text = _digits_text(areacode, "areacode")
        if not _AREACODE.fullmatch(text):
            msg = f"areacode must be 3 digits, got {areacode!r}"
            raise ValueError(msg)
        params["areacode"] = text
    if number_type is not None:
        wire = {
            "local": "local",
            "toll-free": "toll-free",
            "toll_free": "toll-free",
            NumberType.LOCAL: "local",
            NumberType.TOLL_FREE: "toll-free",
        }.get(number_type if isinstance(number_type, NumberType) else str(number_type).lower())
        if wire is None:
            msg = f"number_type must be 'local' or 'toll-free', got {number_type!r}"
            raise ValueError(msg)
        params["number_type"] = wire
    patterns = {
        key: value
        for key, value in (("starts_with", starts_with), ("contains", contains), ("ends_with", ends_with))
        if value is not None
    }
    if len(patterns) > 1:
        msg = f"give only one of starts_with, contains, ends_with (got {', '.join(patterns)})"
        raise ValueError(msg)
    for key, value in patterns.items():
        text = _digits_text(value, key)
        if not _DIGITS.fullmatch(text):
            msg = f"{key} must be 3 to 7 digits, got {value!r}"
            raise ValueError(msg)
        params[key] = text
    if max_results is not None:
        if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= 100:
            msg = f"max_results must be an integer from 1 to 100, got {max_results!r}"
            raise ValueError(msg)
        params["max_results"] = max_results
    if region is not None:
        match = _REGION.fullmatch(region.strip().upper()) if isinstance(region, str) else None
        if match is None:
            msg = f"region must be an ISO 3166-2 subdivision code such as 'TX' or 'US-TX', got {region!r}"
            raise ValueError(msg)
        if areacode is not None:
            msg = "region cannot be combined with areacode"
            raise ValueError(msg)
        params["region"] = match.group(1)
    if city is not None:
        if not isinstance(city, str) or not city.strip():
            msg = f"city must be a non-empty string, got {city!r}"
            raise ValueError(msg)
        if region is None:
            msg = "city needs region (e.g. city='Austin', region='TX')"
            raise ValueError(msg)
        if areacode is not None or patterns:
            msg = "city cannot be combined with areacode, starts_with, contains or ends_with"
            raise ValueError(msg)
        params["city"] = city.strip()
    return params


def _digits_text(value: object, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        msg = f"{what} must be digits, got {value!r}"
        raise ValueError(msg)
    return str(value).strip()
