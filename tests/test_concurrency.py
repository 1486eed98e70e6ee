"""200 concurrent async operations sharing one store and one client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import phonefleet
from phonefleet import Feature, NumberChanges
from phonefleet.testing import emulate

PROVIDERS = phonefleet.providers()


def _connect(provider: str) -> tuple[Any, Any]:
    if provider == "memory":
        return None, phonefleet.AsyncMemoryStore([f"+1202555{n:04d}" for n in range(100, 120)])
    emulator = emulate(provider, numbers=20)
    return emulator, emulator.connect_async(provider)


def _operation(store: Any, number: Any, index: int) -> Any:
    if index % 4 == 0 and Feature.SET_FORWARDING in store.features:
        return store.set_forwarding(number.id, f"+1202555{index % 100 + 200:04d}")
    if index % 4 == 1 and Feature.UPDATE_NAME in store.features:
        return store.update(number.id, NumberChanges(name=f"line {index}"))
    return store.get(number.id)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_two_hundred_concurrent_operations(provider: str) -> None:
    emulator, store = _connect(provider)
    numbers = [n async for n in store.list()]
    assert len(numbers) == 20
    results = await asyncio.gather(
        *(_operation(store, numbers[i % len(numbers)], i) for i in range(200)), return_exceptions=True
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert {r.number for r in results} == {n.number for n in numbers}  # type: ignore[union-attr]
    client = store._driver._client
    await store.close()
    assert client is None or client.is_closed
    if emulator is not None:
        assert emulator.transport.count() >= 200
