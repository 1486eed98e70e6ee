"""The Gravity Rail adapter: workspace phone numbers, written once as flows.

Base `{base_url}/api/v2/w/{workspace}/phone-numbers`, Bearer auth. Every
operation is a generator (sans-I/O); `Store` and `AsyncStore` drive the same
flows. Destructive POSTs (create, archive) are never repeated blindly: after
an ambiguous failure the flow looks at the workspace first.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, Final

import attrs
import httpx

from phonefleet import (
    ArchiveBlockedError,
    ArchiveBlocker,
    Feature,
    NumberChanges,
    PhoneFleetError,
    PhoneNumber,
    ProviderError,
    ProviderPhone,
    ResponseFormatError,
    StoreIdentity,
    TransportError,
    Unset,
)
from phonefleet.adapter import (
    Adapter,
    AsyncStore,
    BearerAuth,
    Flow,
    MissingSettingError,
    Page,
    Ref,
    RequestBuilder,
    RetryMode,
    Secret,
    Store,
    as_ref,
    check_base_url,
    env_setting,
    loads,
    shorten,
)

from ._errors import error_from_response
from ._mapping import (
    FORWARDING_MODES,
    archive_state_known,
    blockers_block,
    to_archive_blockers,
    to_phone_number,
    to_provider_phone,
    voice_work_mode,
)
from ._wire import (
    PROVIDER,
    WireBlockers,
    structure_blockers,
    structure_list,
    structure_phone_number,
    structure_provider_phones,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "FORWARDING_MODE",
    "AsyncGravityRailStore",
    "GravityRailAdapter",
    "GravityRailStore",
    "MAX_POST_ATTEMPTS",
]

DEFAULT_BASE_URL: Final = "https://api.gravityrail.com"
_NUMERIC: Final = re.compile(r"[0-9]{1,19}")
#: the voice work mode that makes `voiceForwardNumber` take effect on every call
FORWARDING_MODE: Final = "always_forward"
#: how many times one create or archive POST may be sent in all, each repeat
#: only after the flow saw that the previous one did not take effect
MAX_POST_ATTEMPTS: Final = 3

ALL_FEATURES: Final = frozenset(
    {
        Feature.LIST,
        Feature.GET,
        Feature.SET_FORWARDING,
        Feature.UPDATE_NAME,
        Feature.CREATE,
        Feature.ARCHIVE,
        Feature.ARCHIVE_BLOCKERS,
        Feature.LINK,
    }
)


def _workspace(value: object) -> str:
    if value is None or value == "":
        raise MissingSettingError(PROVIDER, "workspace", ("GRAVITY_RAIL_WORKSPACE",))
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        msg = f"gravityrail workspace must be a uuid, got {shorten(str(value), 60, quote=True)}"
        raise ValueError(msg) from None


def _api_root(value: str | httpx.URL) -> httpx.URL:
    root = check_base_url(value)
    path = root.raw_path.rstrip(b"/")
    if path.endswith(b"/api/v2"):  # tolerate the API prefix given with the host
        path = path[: -len(b"/api/v2")]
    return root.copy_with(raw_path=path or b"/")


class _Ambiguous(Exception):  # noqa: N818 - internal signal, never escapes a flow
    """A POST whose outcome is unknown: the network failed or a 5xx came back."""

    def __init__(self, error: PhoneFleetError) -> None:
        self.error = error


class GravityRailAdapter(Adapter):
    """Wire knowledge of Gravity Rail's workspace phone-number endpoints; no I/O."""

    provider = PROVIDER
    features = ALL_FEATURES

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        workspace: str | None = None,
        base_url: str | httpx.URL | None = None,
    ) -> None:
        key = env_setting(api_key, "GRAVITY_RAIL_API_KEY")
        if isinstance(key, Secret):
            secret = key
        elif isinstance(key, str) and key.strip():
            secret = Secret(key.strip())
        else:
            raise MissingSettingError(PROVIDER, "api_key", ("GRAVITY_RAIL_API_KEY",))
        if not secret:
            msg = "gravityrail api_key is empty"
            raise ValueError(msg)
        self.workspace = _workspace(env_setting(workspace, "GRAVITY_RAIL_WORKSPACE"))
        self.base_url = _api_root(env_setting(base_url, "GRAVITY_RAIL_API_URL") or DEFAULT_BASE_URL)
        self._secret = secret
        self.auth = BearerAuth(secret)
        self.credentials = (secret,)
        prefix = f"/api/v2/w/{self.workspace}/phone-numbers".encode("ascii")
        path = self.base_url.raw_path.rstrip(b"/") + prefix
        self.requests = RequestBuilder(self.base_url.copy_with(raw_path=path))

    # -- hooks ---------------------------------------------------------------
    def is_own_origin(self, url: httpx.URL) -> bool:
        return self.requests.is_same_origin(url)

    def describe(self) -> str:
        return f"{self.provider} {self.requests.base_url}"

    def identity(self) -> StoreIdentity:
        return StoreIdentity(self.provider, self.workspace, self.requests.base_url)

    def error_from_response(self, response: httpx.Response, operation: str) -> ProviderError:
        return error_from_response(response, operation, secret=self._secret.reveal())

    # -- parsing -------------------------------------------------------------
    def _number(self, response: httpx.Response) -> PhoneNumber:
        return to_phone_number(structure_phone_number(loads(response, provider=self.provider)))

    def _numbers(self, response: httpx.Response) -> list[PhoneNumber]:
        body = structure_list(loads(response, provider=self.provider), "phone numbers")
        return [to_phone_number(structure_phone_number(item)) for item in body]

    # -- building blocks -------------------------------------------------------
    def _at(
        self,
        method: str,
        ident: str,
        *rest: str,
        operation: str,
        json: Any = None,
        retry: RetryMode | None = None,
    ) -> httpx.Request:
        """A request to one number's path; only a numeric id or a uuid may go there.

        Gravity Rail addresses a number by nothing else, so any other text (a
        hostile `../admin` included) is a number that cannot exist: NotFoundError,
        before anything is sent.
        """
        if not _NUMERIC.fullmatch(ident):
            try:
                uuid.UUID(ident)
            except ValueError:
                raise self.not_found(Ref(id=ident), operation) from None
        return self.requests.request(method, ident, *rest, json=json, retry=retry)

    def _list(self, archived: bool, operation: str) -> Flow[list[PhoneNumber]]:
        flag = "true" if archived else "false"
        response = yield self.requests.request("GET", params={"is_archived": flag})
        self.raise_for_error(response, operation)
        found: list[PhoneNumber] = []
        for number in self._numbers(response):
            if not archive_state_known(number):
                # the payload is silent: the filter the server applied is the state
                found.append(attrs.evolve(number, archived=archived))
            elif number.archived == archived:  # a server ignoring the filter must not leak
                found.append(number)
        return found

    def _fetch(self, ident: str, operation: str) -> Flow[PhoneNumber]:
        response = yield self._at("GET", ident, operation=operation)
        self.raise_for_error(response, operation)
        return self._number(response)

    def _resolve(self, ref: Ref, operation: str) -> Flow[PhoneNumber]:
        """The number as the workspace has it now: by id (numeric or uuid), or by listing."""
        if ref.id is not None:
            return (yield from self._fetch(ref.id, operation))
        for archived in (False, True):
            for number in (yield from self._list(archived, operation)):
                if number.number == ref.number:
                    return number
        raise self.not_found(ref, operation)

    def _ident(self, ref: Ref, operation: str) -> Flow[str]:
        """The path id for `ref`: its id as given, else found by listing."""
        if ref.id is not None:
            return ref.id
        return (yield from self._resolve(ref, operation)).id

    def _blockers(self, ident: str, operation: str) -> Flow[WireBlockers]:
        response = yield self._at("GET", ident, "archive-blockers", operation=operation)
        self.raise_for_error(response, operation)
        return structure_blockers(loads(response, provider=self.provider))

    def _post(self, request: httpx.Request, operation: str) -> Flow[httpx.Response]:
        """Send a destructive POST once; an unknown outcome raises `_Ambiguous`."""
        try:
            response = yield request
        except TransportError as exc:
            raise _Ambiguous(exc) from exc
        if response.status_code >= 500:
            raise _Ambiguous(self.error_from_response(response, operation))
        return response

    # -- flows -----------------------------------------------------------------
    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        if archived is not None:
            return Page((yield from self._list(archived, "list")))
        active = yield from self._list(False, "list")
        archived_numbers = yield from self._list(True, "list")
        # a number archived between the two requests shows once, archived
        gone = {n.id for n in archived_numbers}
        return Page([n for n in active if n.id not in gone] + archived_numbers)

    def get(self, ref: Ref) -> Flow[PhoneNumber]:
        return (yield from self._resolve(ref, "get"))

    def update(self, ref: Ref, changes: NumberChanges) -> Flow[PhoneNumber]:
        return (yield from self._update(ref, changes, "update"))

    def set_forwarding(self, ref: Ref, forward_to: str | None) -> Flow[PhoneNumber]:
        return (yield from self._update(ref, NumberChanges(forwarding_number=forward_to), "set_forwarding"))

    def _update(self, ref: Ref, changes: NumberChanges, operation: str) -> Flow[PhoneNumber]:
        if not isinstance(changes.routing, Unset):
            raise self.unsupported(Feature.UPDATE_ROUTING)
        body: dict[str, Any] = {}
        ident: str | None = None
        if not isinstance(changes.name, Unset):
            body["name"] = changes.name
        forward = changes.forwarding_number
        if isinstance(forward, str):
            body["voiceForwardNumber"] = forward
            body["voiceWorkMode"] = FORWARDING_MODE
        elif forward is None:
            # clearing: the current mode decides whether the mode must change too
            current = yield from self._resolve(ref, operation)
            ident = current.id
            body["voiceForwardNumber"] = None
            replacement = FORWARDING_MODES.get(voice_work_mode(current) or "")
            if replacement is not None:
                body["voiceWorkMode"] = replacement
        if ident is None:
            ident = yield from self._ident(ref, operation)
        response = yield self._at("PUT", ident, json=body, operation=operation)
        self.raise_for_error(response, operation)
        return self._number(response)

    def ex_update(self, ref: Ref, fields: Mapping[str, Any]) -> Flow[PhoneNumber]:
        """PUT any UpdatePhoneNumberRequest fields as given (camelCase), e.g. smsWorkMode."""
        if not fields:
            msg = "ex_update needs at least one field"
            raise ValueError(msg)
        if not all(isinstance(key, str) and key for key in fields):
            msg = "ex_update field names must be non-empty strings"
            raise TypeError(msg)
        ident = yield from self._ident(ref, "update")
        response = yield self._at("PUT", ident, json=dict(fields), operation="update")
        self.raise_for_error(response, "update")
        return self._number(response)

    def create(self, number: str, *, name: str | None, link: str | None) -> Flow[PhoneNumber]:
        body: dict[str, Any] = {"phoneNumber": number}
        if name is not None:
            body["name"] = name
        if link is not None:
            body["providerPhoneUuid"] = link
        for attempt in range(1, MAX_POST_ATTEMPTS + 1):
            try:
                # a 429 created nothing: the driver may wait it out and send again
                request = self.requests.request("POST", json=body, retry="rate_limit")
                response = yield from self._post(request, "create")
                self.raise_for_error(response, "create")
                try:
                    return self._number(response)
                except ResponseFormatError as exc:  # a 2xx we cannot read proves nothing
                    raise _Ambiguous(exc) from exc
            except _Ambiguous as unknown:
                # did it take? a created number is in the active listing
                for existing in (yield from self._list(False, "create")):
                    if existing.number == number:
                        return existing
                if attempt == MAX_POST_ATTEMPTS:
                    raise unknown.error from None
        raise AssertionError("unreachable")  # pragma: no cover

    def archive(self, ref: Ref) -> Flow[PhoneNumber]:
        current = yield from self._resolve(ref, "archive")
        if current.archived:
            return current
        verdict = yield from self._blockers(current.id, "archive")
        if blockers_block(verdict):
            raise ArchiveBlockedError(
                f"{current.number} cannot be archived",
                blockers=to_archive_blockers(verdict),
                provider=self.provider,
                operation="archive",
            )
        for attempt in range(1, MAX_POST_ATTEMPTS + 1):
            # a 429 proves nothing was applied: the driver may wait it out
            request = self._at("POST", current.id, "archive", operation="archive", retry="rate_limit")
            try:
                response = yield from self._post(request, "archive")
                if response.status_code == 409:
                    refused = self.error_from_response(response, "archive")
                    blockers = yield from self._blockers_after_refusal(current.id)
                    raise ArchiveBlockedError(
                        refused.message,
                        blockers=blockers,
                        provider=self.provider,
                        status=409,
                        code=refused.code,
                        request_id=refused.request_id,
                        operation="archive",
                    )
                self.raise_for_error(response, "archive")
                archived = self._answer_archived(response)
            except _Ambiguous as unknown:
                # look before leaping: re-send only if it is still not archived
                now = yield from self._fetch(current.id, "archive")
                if now.archived:
                    return now
                if not archive_state_known(now):  # a silent answer proves nothing: no re-send
                    raise unknown.error from None
                if attempt == MAX_POST_ATTEMPTS:
                    raise unknown.error from None
                continue
            return archived
        raise AssertionError("unreachable")  # pragma: no cover

    def _answer_archived(self, response: httpx.Response) -> PhoneNumber:
        """The archived number from a 2xx; an answer that does not show it is no proof."""
        try:
            archived = self._number(response)
        except ResponseFormatError as exc:
            raise _Ambiguous(exc) from exc
        if not archive_state_known(archived):
            return attrs.evolve(archived, archived=True)  # a silent 2xx from the archive endpoint
        if not archived.archived:
            msg = "the archive answer shows the number not archived"
            raise _Ambiguous(ResponseFormatError(msg, provider=self.provider))
        return archived

    def _blockers_after_refusal(self, ident: str) -> Flow[list[ArchiveBlocker]]:
        """What stands in the way, for the error; the refusal stands even if this fails."""
        try:
            verdict = yield from self._blockers(ident, "archive")
        except PhoneFleetError:
            return []
        return to_archive_blockers(verdict)

    def archive_blockers(self, ref: Ref) -> Flow[list[ArchiveBlocker]]:
        ident = yield from self._ident(ref, "archive_blockers")
        return to_archive_blockers((yield from self._blockers(ident, "archive_blockers")))

    def link(self, ref: Ref, provider_phone: str | None) -> Flow[PhoneNumber]:
        ident = yield from self._ident(ref, "link")
        # setting the same link twice leaves the same state: safe to repeat
        request = self._at(
            "POST", ident, "link", json={"providerPhoneUuid": provider_phone}, retry="safe", operation="link"
        )
        response = yield request
        self.raise_for_error(response, "link")
        return self._number(response)

    def linkable(self) -> Flow[list[ProviderPhone]]:
        response = yield self.requests.request("GET", "linkable-phones")
        self.raise_for_error(response, "linkable")
        phones = structure_provider_phones(loads(response, provider=self.provider))
        return [to_provider_phone(p) for p in phones]


class GravityRailStore(Store[GravityRailAdapter]):
    """A PhoneNumberStore on one Gravity Rail workspace, with its `ex_` extras."""

    def ex_update(self, ref: PhoneNumber | str, fields: Mapping[str, Any]) -> PhoneNumber:
        """PUT raw UpdatePhoneNumberRequest fields (camelCase), e.g. `{"smsWorkMode": "voicemail"}`."""
        return self.run(self.adapter.ex_update(as_ref(ref, self.provider), fields))


class AsyncGravityRailStore(AsyncStore[GravityRailAdapter]):
    """The async twin of `GravityRailStore`."""

    async def ex_update(self, ref: PhoneNumber | str, fields: Mapping[str, Any]) -> PhoneNumber:
        return await self.run(self.adapter.ex_update(as_ref(ref, self.provider), fields))
