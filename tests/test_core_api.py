"""The public surface: exports, registry, model rules, wire helpers, import cost."""

from __future__ import annotations

import ast
import asyncio
import pathlib
import subprocess
import sys

import attrs
import httpx
import pytest

import phonefleet
from phonefleet import (
    UNSET,
    Handler,
    InvalidNumberError,
    MemoryStore,
    NumberChanges,
    PhoneFleetError,
    PhoneNumber,
    Routing,
    UnknownProviderError,
)
from phonefleet.adapter import RequestBuilder, Secret, check_base_url, quote_segment, redact_url

ROOT = pathlib.Path(__file__).resolve().parents[1]

EXPORTED = [
    "PhoneNumber",
    "Capability",
    "NumberType",
    "Reputation",
    "ReputationStatus",
    "Routing",
    "Handler",
    "NumberChanges",
    "UNSET",
    "ArchiveBlocker",
    "ProviderPhone",
    "Feature",
    "PhoneNumberStore",
    "AsyncPhoneNumberStore",
    "PhoneFleetError",
    "InvalidNumberError",
    "UnsupportedOperationError",
    "ProviderError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "ArchiveBlockedError",
    "RateLimitError",
    "ServerError",
    "ResponseFormatError",
    "TransportError",
    "MemoryStore",
    "AsyncMemoryStore",
    "RetryPolicy",
    "to_e164",
    "connect",
    "connect_async",
    "providers",
]


def test_every_public_name_is_exported() -> None:
    missing = [name for name in EXPORTED if name not in phonefleet.__all__ or not hasattr(phonefleet, name)]
    assert missing == []


def test_error_hierarchy() -> None:
    assert issubclass(phonefleet.InvalidNumberError, ValueError)
    assert issubclass(phonefleet.UnsupportedOperationError, NotImplementedError)
    assert issubclass(phonefleet.ArchiveBlockedError, phonefleet.ConflictError)
    for name in (
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "RateLimitError",
        "ServerError",
    ):
        assert issubclass(getattr(phonefleet, name), phonefleet.ProviderError)
    for name in ("ProviderError", "ResponseFormatError", "TransportError", "InvalidNumberError"):
        assert issubclass(getattr(phonefleet, name), PhoneFleetError)


def test_provider_error_message_is_useful() -> None:
    error = phonefleet.RateLimitError(
        "Too many requests",
        provider="linq",
        status=429,
        code=1007,
        doc_url="https://docs.example/1007",
        request_id="tr-1",
        operation="list",
        retry_after=3,
    )
    text = str(error)
    for part in (
        "linq list",
        "HTTP 429",
        "code 1007",
        "Too many requests",
        "https://docs.example/1007",
        "tr-1",
    ):
        assert part in text
    assert error.retry_after == 3


def test_providers_lists_installed_adapters() -> None:
    assert "memory" in phonefleet.providers()


def test_unknown_provider_is_a_clear_error() -> None:
    with pytest.raises(UnknownProviderError, match=r"installed: .*memory") as caught:
        phonefleet.connect("nope")
    assert isinstance(caught.value, PhoneFleetError)


def test_connect_memory() -> None:
    with phonefleet.connect("memory", numbers=["+12025550100"]) as store:
        assert [n.number for n in store.list()] == ["+12025550100"]


async def test_connect_async_memory() -> None:
    async with phonefleet.connect_async("memory", numbers=["+12025550100"]) as store:
        assert [n.number async for n in store.list()] == ["+12025550100"]


def test_phone_number_raw_is_not_compared_or_shown() -> None:
    a = PhoneNumber(provider="p", id="1", number="+12025550100", raw={"secret_field": 1})
    b = attrs.evolve(a, raw={"other": 2})
    assert a == b
    assert hash(a) == hash(b)
    assert "secret_field" not in repr(a)
    with pytest.raises(TypeError):
        a.raw["x"] = 1  # type: ignore[index]


def test_handler_extra_takes_part_in_equality_and_is_frozen() -> None:
    a = Handler(kind="laml_webhooks", url="https://x.test", extra={"call_receive_mode": "voice"})
    assert a == Handler(kind="laml_webhooks", url="https://x.test", extra={"call_receive_mode": "voice"})
    assert a != Handler(kind="laml_webhooks", url="https://x.test", extra={"call_receive_mode": "fax"})
    assert len({a, attrs.evolve(a)}) == 1


def test_number_changes_rules() -> None:
    with pytest.raises(ValueError, match="at least one"):
        NumberChanges()
    changes = NumberChanges(forwarding_number=None)
    assert changes.given() == {"forwarding_number": None}
    assert changes.name is UNSET
    assert not UNSET
    with pytest.raises(TypeError):
        NumberChanges(routing="voice")  # type: ignore[arg-type]


def test_routing_change_replaces_only_the_sides_given() -> None:
    voice = Handler(kind="a", url="https://v.test")
    messaging = Handler(kind="b", url="https://m.test")
    store = MemoryStore([PhoneNumber(provider="memory", id="x", number="+12025550100")])
    store.update("x", NumberChanges(routing=Routing(voice=voice, messaging=messaging)))
    new_voice = Handler(kind="c")
    changed = store.update("x", NumberChanges(routing=Routing(voice=new_voice)))
    assert changed.routing == Routing(voice=new_voice, messaging=messaging)
    assert store.update("x", NumberChanges(routing=None)).routing is None
    with pytest.raises(ValueError, match="changes nothing"):
        store.update("x", NumberChanges(routing=Routing()))


def test_refs_are_validated_before_use() -> None:
    store = MemoryStore(["+12025550100"])
    with pytest.raises(InvalidNumberError):
        store.get("+1 202")
    with pytest.raises(ValueError, match="empty"):
        store.get("  ")
    with pytest.raises(TypeError):
        store.get(12025550100)  # type: ignore[arg-type]
    with pytest.raises(phonefleet.NotFoundError):
        store.get("no-such-id")


@pytest.mark.parametrize(
    "url",
    ["http://api.example.com", "ftp://api.example.com", "api.example.com", "https://user:pw@api.example.com"],
)
def test_base_url_must_be_https(url: str) -> None:
    with pytest.raises(ValueError, match=r"https|http://|credentials"):
        check_base_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/api", "http://localhost/api", "http://[::1]:9/x"])
def test_plain_http_is_allowed_to_loopback(url: str) -> None:
    assert check_base_url(url).scheme == "http"


@pytest.mark.parametrize("segment", ["../admin", "a/b", "a?x=1", "a#frag", "%2F", "a b", "ü", ".."])
def test_ids_never_escape_their_endpoint(segment: str) -> None:
    builder = RequestBuilder("https://api.example.com/v3")
    try:
        request = builder.request("GET", "phone_numbers", segment)
    except ValueError:
        return  # refused outright ('..' and '.')
    raw = request.url.raw_path.decode()
    assert raw.startswith("/v3/phone_numbers/")
    assert raw.count("/") == 3
    assert request.url.query == b""
    assert request.url.fragment == ""
    assert quote_segment(segment) in raw


def test_secrets_do_not_show() -> None:
    secret = Secret("tok_123456789")
    assert "tok_" not in repr(secret)
    assert "tok_" not in str(secret)
    assert "tok_" not in repr([secret])
    assert secret.reveal() == "tok_123456789"


def test_redact_url() -> None:
    url = httpx.URL("https://user:pw@api.example.com/x?token=abc&page=2")
    text = redact_url(url)
    assert "pw" not in text
    assert "abc" not in text
    assert "page=2" in text


def test_import_phonefleet_stays_light() -> None:
    """Only what phonefleet adds beyond httpx counts: httpx itself imports rich
    and click when they happen to be installed (for its own CLI)."""
    code = (
        "import sys, httpx; before = set(sys.modules); import phonefleet; "
        "added = set(sys.modules) - before; "
        "print(' '.join(sorted(m for m in added if m.split('.')[0] in "
        "{'phonenumbers', 'rich', 'typer', 'click', 'cattrs', 'stamina', 'sqlite3'} "
        "or m.startswith(('phonefleet_', 'phonefleet.cli', 'phonefleet.migrate', 'phonefleet.testing')))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def _imports(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_adapters_import_only_the_public_api() -> None:
    allowed = {"phonefleet", "phonefleet.adapter", "phonefleet.testing", "phonefleet.testing.contract"}
    offenders = []
    for path in sorted((ROOT / "adapters").rglob("*.py")):
        package = path.relative_to(ROOT / "adapters").parts[0]
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "phonefleet":
                module = name if name in allowed else name.rsplit(".", 1)[0]
                if module not in allowed:
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
            elif top.startswith("phonefleet_") and top != package:
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def _type_only_imports(path: pathlib.Path) -> set[str]:
    """The imports inside `if TYPE_CHECKING:` blocks: never run."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for inner in node.body:
                for sub in ast.walk(inner):
                    if isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
                        names.add(sub.module)
                    elif isinstance(sub, ast.Import):
                        names.update(alias.name for alias in sub.names)
    return names


def test_core_never_imports_an_adapter() -> None:
    """At run time, never; for the type checker, only phonefleet._typed names the built-in stores."""
    offenders = []
    for path in sorted((ROOT / "src").rglob("*.py")):
        adapters = {name for name in _imports(path) if name.split(".")[0].startswith("phonefleet_")}
        type_only = {name for name in _type_only_imports(path) if name.startswith("phonefleet_")}
        if path.name == "_typed.py" and path.parent.name == "phonefleet":
            assert type_only, "phonefleet._typed names the built-in stores"
            adapters = {name for name in adapters if name.split(".")[0] not in type_only}
        offenders.extend(f"{path.relative_to(ROOT)}: {name}" for name in sorted(adapters))
    assert offenders == []


def test_phone_numbers_pickle_and_copy() -> None:
    import copy
    import pickle

    number = PhoneNumber(provider="p", id="1", number="+12025550100", raw={"vendor": {"nested": [1]}})
    for clone in (pickle.loads(pickle.dumps(number)), copy.deepcopy(number), copy.copy(number)):
        assert clone == number
        assert clone.raw == {"vendor": {"nested": [1]}}


def test_build_numbers_matches_the_constructor() -> None:
    from types import MappingProxyType

    from phonefleet.adapter import build_numbers

    built = build_numbers(
        2,
        {
            "id": ["a", "b"],
            "number": ["+12025550100", "+12025550101"],
            "forwarding_number": [None, "+12025550199"],
            "raw": [MappingProxyType({"k": 1}), MappingProxyType({})],
        },
        {"provider": "p"},
    )
    expected = [
        PhoneNumber(provider="p", id="a", number="+12025550100", raw={"k": 1}),
        PhoneNumber(provider="p", id="b", number="+12025550101", forwarding_number="+12025550199"),
    ]
    assert built == expected
    assert [repr(b) for b in built] == [repr(e) for e in expected]
    assert [hash(b) for b in built] == [hash(e) for e in expected]
    assert built[0].raw == {"k": 1}
    assert attrs.evolve(built[1], name="x").name == "x"
    with pytest.raises(AttributeError):
        built[0].no_such_field  # noqa: B018
    with pytest.raises(ValueError, match="no field"):
        build_numbers(1, {"id": ["a"], "number": ["+1"], "bogus": [1]}, {"provider": "p"})
    with pytest.raises(ValueError, match="needs"):
        build_numbers(1, {"id": ["a"]}, {"provider": "p"})


def test_handlers_pickle_and_compare_canonically() -> None:
    import copy
    import pickle

    from phonefleet import Routing

    handler = Handler(kind="laml_webhooks", extra={"nested": {"a": 1, "b": 2}, "flag": 1})
    number = PhoneNumber(provider="p", id="1", number="+12025550100", routing=Routing(voice=handler))
    assert pickle.loads(pickle.dumps(number)) == number
    assert copy.deepcopy(number).routing == number.routing
    assert handler == Handler(kind="laml_webhooks", extra={"flag": 1, "nested": {"b": 2, "a": 1}})
    assert handler != Handler(kind="laml_webhooks", extra={"nested": {"a": 1, "b": 2}, "flag": True})


def test_a_number_from_another_store_never_addresses_a_different_number() -> None:
    a = MemoryStore(["+12025550100"])
    b = MemoryStore(["+12025550199"])
    with pytest.raises(phonefleet.NotFoundError):
        b.archive(a.get("+12025550100"))
    assert not b.get("+12025550199").archived


def test_unlink_is_link_to_none_sync_and_async() -> None:
    phones = [phonefleet.ProviderPhone("pp-1", "+12025550199")]
    with phonefleet.MemoryStore(["+12025550100"], linkable=phones) as store:
        assert store.link("+12025550100", "pp-1").link == "pp-1"
        assert store.unlink("+12025550100").link is None
        assert store.get("+12025550100").link is None

    async def run() -> str | None:
        async with phonefleet.AsyncMemoryStore(["+12025550100"], linkable=phones) as astore:
            await astore.link("+12025550100", "pp-1")
            return (await astore.unlink("+12025550100")).link

    assert asyncio.run(run()) is None


def test_unlink_is_refused_before_any_request_where_linking_is_not_supported() -> None:
    with (
        phonefleet.MemoryStore(["+12025550100"], features={phonefleet.Feature.LIST}) as store,
        pytest.raises(phonefleet.UnsupportedOperationError, match="link"),
    ):
        store.unlink("+12025550100")


def test_shared_routing_is_one_object_per_handler_pair() -> None:
    from phonefleet.adapter import shared_routing

    voice = phonefleet.Handler(kind="laml_webhooks", url="https://hooks.example.com/voice")
    other = phonefleet.Handler(kind="laml_webhooks", url="https://hooks.example.com/voice")
    first = shared_routing(voice, None)
    assert first == phonefleet.Routing(voice=voice)
    assert shared_routing(voice, None) is first
    assert shared_routing(other, None) is not first  # by identity: an equal handler is another pair
    assert shared_routing(None, None) is None
