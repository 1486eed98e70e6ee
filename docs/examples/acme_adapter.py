"""A complete, tiny adapter for an imaginary vendor, "Acme Telecom".

It is the worked example of docs/writing-an-adapter.md and is tested by
tests/test_docs_example_adapter.py with the contract suite. Acme's API:

    GET  /v1/numbers?cursor=...   -> {"data": [...], "next_cursor": "..." | null}
    GET  /v1/numbers/{id}         -> {...}
    PATCH /v1/numbers/{id}        {"forward_to": "+1..." | null} -> {...}
    errors: {"error": {"code": "...", "message": "..."}}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from phonefleet import Feature, NumberChanges, PhoneNumber, ResponseFormatError, is_e164
from phonefleet.adapter import (
    Adapter,
    BearerAuth,
    Flow,
    Page,
    Ref,
    Registration,
    RequestBuilder,
    Secret,
    Setting,
    env_setting,
    error_for_status,
    loads,
)
from phonefleet.testing import Emulator, EmulatorTransport, FaultPlan, Router, json_response, seeded_numbers

PROVIDER = "acme"


# -- wire -> model -----------------------------------------------------------
def to_phone_number(item: object) -> PhoneNumber:
    """One mapper per wire type; a payload that is not Acme's shape is an error."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not is_e164(item.get("e164")):
        msg = f"not an Acme number: {str(item)[:80]}"
        raise ResponseFormatError(msg, provider=PROVIDER)
    forward_to = item.get("forward_to")
    return PhoneNumber(
        provider=PROVIDER,
        id=item["id"],
        number=item["e164"],
        name=item.get("label") if isinstance(item.get("label"), str) else None,
        forwarding_number=forward_to if is_e164(forward_to) else None,
        raw=item,
    )


# -- the adapter: flows only, no I/O -------------------------------------------
class AcmeAdapter(Adapter):
    provider = PROVIDER
    features = frozenset({Feature.LIST, Feature.GET, Feature.SET_FORWARDING})

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None) -> None:
        key = env_setting(api_key, "ACME_API_KEY")
        if not key:
            msg = "acme needs api_key (or ACME_API_KEY)"
            raise ValueError(msg)
        self.requests = RequestBuilder(
            env_setting(base_url, "ACME_BASE_URL") or "https://api.acme.example/v1"
        )
        self.auth = BearerAuth(Secret(key))

    def describe(self) -> str:
        return f"{PROVIDER} {self.requests.base_url}"

    def is_own_origin(self, url: httpx.URL) -> bool:
        return self.requests.is_same_origin(url)

    def error_from_response(self, response: httpx.Response, operation: str) -> Any:
        try:
            error = response.json()["error"]
            code, message = error["code"], error["message"]
        except (ValueError, KeyError, TypeError):
            code, message = None, response.reason_phrase
        return error_for_status(
            response.status_code,
            message,
            code=code,
            provider=PROVIDER,
            operation=operation,
            retry_after=self.retry_after(response),
        )

    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        if archived:  # Acme never archives: nothing to list
            return Page(items=[])
        params = {"cursor": cursor} if cursor else None
        response = yield self.requests.request("GET", "numbers", params=params)
        self.raise_for_error(response, "list")
        body = loads(response, provider=PROVIDER)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ResponseFormatError("expected {'data': [...]}", provider=PROVIDER)
        return Page([to_phone_number(item) for item in body["data"]], body.get("next_cursor"))

    def get(self, ref: Ref) -> Flow[PhoneNumber]:
        if ref.id is None:  # Acme has no get-by-number: find it by listing
            return (yield from self.find(ref))
        response = yield self.requests.request("GET", "numbers", ref.id)
        self.raise_for_error(response, "get")
        return to_phone_number(loads(response, provider=PROVIDER))

    def update(self, ref: Ref, changes: NumberChanges) -> Flow[PhoneNumber]:
        target = ref if ref.id is not None else Ref(id=(yield from self.find(ref)).id)
        body = {"forward_to": changes.forwarding_number}
        # setting a field to a value is idempotent, so the PATCH may be repeated
        response = yield self.requests.request("PATCH", "numbers", target.id, json=body, retry="safe")
        self.raise_for_error(response, "update")
        return to_phone_number(loads(response, provider=PROVIDER))


# -- the emulator -------------------------------------------------------------
class AcmeEmulator(EmulatorTransport):
    PAGE = 2

    def __init__(self, numbers: Iterable[str], *, token: str, **options: Any) -> None:
        super().__init__(**options)
        self.token = token
        self.numbers = {
            f"n{i}": {"id": f"n{i}", "e164": n, "forward_to": None} for i, n in enumerate(numbers)
        }
        self.router = Router()
        self.router.add("GET", "/v1/numbers", self.list_numbers)
        self.router.add("GET", "/v1/numbers/{id}", self.get_number)
        self.router.add("PATCH", "/v1/numbers/{id}", self.patch_number)

    def error_response(self, status: int, *, retry_after: float | None = None) -> httpx.Response:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        body = {"error": {"code": f"E{status}", "message": httpx.codes.get_reason_phrase(status)}}
        return json_response(status, body, headers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self.error_response(401)
        answer = self.router.dispatch(request, request.url.path)
        return answer if answer is not None else self.error_response(404)

    def list_numbers(self, request: httpx.Request) -> httpx.Response:
        ids = sorted(self.numbers)
        start = int(request.url.params.get("cursor", 0))
        following = start + self.PAGE
        return json_response(
            200,
            {
                "data": [self.numbers[i] for i in ids[start:following]],
                "next_cursor": str(following) if following < len(ids) else None,
            },
        )

    def get_number(self, request: httpx.Request, id: str) -> httpx.Response:
        found = self.numbers.get(id)
        return json_response(200, found) if found else self.error_response(404)

    def patch_number(self, request: httpx.Request, id: str) -> httpx.Response:
        found = self.numbers.get(id)
        if found is None:
            return self.error_response(404)
        found["forward_to"] = json.loads(request.content)["forward_to"]
        return json_response(200, found)


def emulator(
    numbers: int | Iterable[str] = 5,
    *,
    offset: int = 0,
    faults: FaultPlan | None = None,
    latency: float = 0.0,
    seed: int = 0,
) -> Emulator:
    del seed  # Acme's seed data has nothing random in it
    lines = seeded_numbers(numbers, offset=offset) if isinstance(numbers, int) else numbers
    token = "acme-emulator-token"  # noqa: S105 - the emulator's own fake token
    transport = AcmeEmulator(lines, token=token, faults=faults, latency=latency)
    return Emulator(transport, {"api_key": token, "base_url": "https://acme.emulator.invalid/v1"})


registration = Registration(
    name=PROVIDER,
    adapter=AcmeAdapter,
    description="Acme Telecom (an example adapter)",
    settings=(
        Setting("api_key", env=("ACME_API_KEY",), secret=True),
        Setting("base_url", env=("ACME_BASE_URL",), required=False),
    ),
    emulator=emulator,
)

__all__ = ["AcmeAdapter", "emulator", "registration"]
