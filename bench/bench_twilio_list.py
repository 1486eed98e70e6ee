"""Listing 10,000 Twilio numbers (pages of 1,000): phonefleet vs raw httpx +
json.loads vs twilio-python.

All three follow `next_page_uri` over the same transport in the same process:
the emulator's pages, rendered once and then replayed byte for byte, so the
figures measure the clients and not the emulator. Each figure is the median
of interleaved repeats.

    python bench/bench_twilio_list.py [--quick]

twilio-python (`incoming_phone_numbers.stream(page_size=1000)`) is measured
for reference only; without it installed that row says so.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
from _harness import median_seconds, print_rows

import phonefleet
from phonefleet.testing import emulate

COUNT = 10_000
PAGE = 1000
MAX_RATIO_TO_RAW = 1.3


class Replay(httpx.BaseTransport):
    """Answers each URL with the bytes the emulator gave it the first time."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.pages: dict[str, tuple[int, bytes, list[tuple[str, str]]]] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = str(request.url)
        if key not in self.pages:
            answer = self.inner.handle_request(request)
            self.pages[key] = (answer.status_code, answer.read(), list(answer.headers.items()))
        status, body, headers = self.pages[key]
        return httpx.Response(status, content=body, headers=headers)


def run(quick: bool = False) -> list[dict[str, Any]]:
    repeats = 5 if quick else 15
    emu = emulate("twilio", numbers=COUNT, seed=7)
    settings = emu.settings
    transport = Replay(emu.transport)
    account = settings["account_sid"]
    first = f"{settings['base_url']}/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json"

    raw_client = httpx.Client(transport=transport, auth=(account, settings["auth_token"]))

    def raw() -> int:
        seen = 0
        url: httpx.URL | None = httpx.URL(first, params={"PageSize": PAGE})
        while url is not None:
            body = json.loads(raw_client.get(url).content)
            for item in body["incoming_phone_numbers"]:
                if item["phone_number"]:
                    seen += 1
            following = body["next_page_uri"]
            url = url.join(following) if following else None
        return seen

    store = phonefleet.connect("twilio", transport=transport, page_size=PAGE, **settings)

    def fleet() -> int:
        return sum(1 for number in store.list() if number.number)

    fns: dict[str, Callable[[], Any]] = {"raw": raw, "fleet": fleet}
    sdk, sdk_close = _sdk(transport, settings)
    if sdk is not None:
        fns["sdk"] = sdk
    for fn in fns.values():
        assert fn() == COUNT
    medians = median_seconds(fns, repeats, clock=time.process_time)
    raw_s, fleet_s = medians["raw"], medians["fleet"]
    ratio = fleet_s / raw_s
    per = 1e6 / COUNT
    results: list[dict[str, Any]] = [
        {
            "name": "twilio list 10k: raw httpx + json.loads",
            "value": raw_s * 1000,
            "unit": "ms",
            "goal": "baseline",
            "met": True,
            "detail": f"pages of {PAGE}, replayed; median of {repeats}, interleaved "
            f"({raw_s * per:.1f} us/number)",
        },
        {
            "name": "twilio list 10k: phonefleet / raw",
            "value": ratio,
            "unit": "x",
            "goal": f"<= {MAX_RATIO_TO_RAW}x",
            "met": ratio <= MAX_RATIO_TO_RAW,
            "detail": f"{fleet_s * 1000:.1f} ms vs {raw_s * 1000:.1f} ms "
            "(PhoneNumbers with routing and forwarding)",
        },
    ]
    name = "twilio list 10k: twilio-python stream / raw"
    if sdk is None:
        results.append(
            {
                "name": name,
                "value": float("nan"),
                "unit": "x",
                "goal": "reference",
                "met": True,
                "detail": "twilio is not installed (pip install twilio to compare)",
            }
        )
    else:
        sdk_s = medians["sdk"]
        results.append(
            {
                "name": name,
                "value": sdk_s / raw_s,
                "unit": "x",
                "goal": "reference",
                "met": True,
                "detail": f"incoming_phone_numbers.stream(page_size={PAGE}): {sdk_s * 1000:.1f} ms "
                f"({sdk_s / fleet_s:.1f}x phonefleet)",
            }
        )
    sdk_close()
    store.close()
    raw_client.close()
    return results


def _sdk(
    transport: httpx.BaseTransport, settings: dict[str, Any]
) -> tuple[Callable[[], int] | None, Callable[[], None]]:
    """twilio-python's `stream(page_size=1000)` over the same transport, if installed."""
    try:
        from twilio.http import HttpClient
        from twilio.http.response import Response
        from twilio.rest import Client
    except ImportError:
        return None, lambda: None
    base = settings["base_url"]
    client = httpx.Client(transport=transport)

    class Forward(HttpClient):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(logging.getLogger("bench"), is_async=False)

        def request(
            self,
            method: str,
            uri: str,
            params: Any = None,
            data: Any = None,
            headers: Any = None,
            auth: Any = None,
            timeout: Any = None,
            allow_redirects: bool = False,
        ) -> Response:
            url = base + uri.removeprefix("https://api.twilio.com")
            answer = client.request(method, url, params=params, data=data, headers=headers, auth=auth)
            return Response(answer.status_code, answer.text, answer.headers)

    account = Client(
        settings["account_sid"], settings["auth_token"], http_client=Forward()
    ).api.v2010.accounts(settings["account_sid"])

    def sdk() -> int:
        return sum(
            1 for number in account.incoming_phone_numbers.stream(page_size=PAGE) if number.phone_number
        )

    return sdk, client.close


if __name__ == "__main__":
    print_rows(run(quick="--quick" in sys.argv))
