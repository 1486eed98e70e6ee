"""`phonefleet emulate PROVIDER`: a vendor's emulator served over HTTP on loopback.

The first line on stdout says where it listens and the settings to connect
with (`--json`: one JSON object with `provider` and the settings
`phonefleet.connect` takes), so a script or another process can read it and
connect. `--env` prints shell `export` lines instead (the vendor's variables
and phonefleet's `PHONEFLEET_<PROVIDER>_BASE_URL`), for `eval` in a second
shell. Ctrl-C (or SIGTERM) stops it: one line on stderr, exit 0.
"""

from __future__ import annotations

import json
import shlex
import sys
from typing import Any, NoReturn

import click

from ._group import argument, command, exit_with

__all__ = ["emulate_command"]


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    exit_with(code)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@command("emulate")
@argument("provider", help="adapter name (see `phonefleet providers`)")
@click.option("--host", default="127.0.0.1", help="address to listen on (loopback unless --allow-remote)")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="port; 0 picks a free one")
@click.option("--numbers", type=click.IntRange(min=0), metavar="N", help="numbers to seed the emulator with")
@click.option(
    "--offset",
    type=click.IntRange(min=0),
    metavar="K",
    help="start the seeded numbers K further (two emulators, other lines)",
)
@click.option("--dialect", metavar="NAME", help="twilio: 'twilio' or 'signalwire' (its Compatibility API)")
@click.option(
    "--blocked", type=click.IntRange(min=0), metavar="N", help="gravityrail: N numbers held by workflows"
)
@click.option("--seed", type=int, metavar="S", help="seed of the emulator's data and faults")
@click.option(
    "--latency", type=click.FloatRange(min=0), metavar="MS", help="milliseconds added to every answer"
)
@click.option(
    "--faults", type=click.FloatRange(0, 1), metavar="RATE", help="share of requests given an injected fault"
)
@click.option(
    "--rate-limit",
    metavar="RATE",
    help="refuse requests beyond RATE (e.g. 100/s) as the vendor does (429, its headers)",
)
@click.option(
    "--concurrency-limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="refuse requests beyond N in flight as the vendor does (Twilio: 429, code 20429)",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="allow a non-loopback --host (the emulator accepts its documented fake credentials)",
)
@click.option("--json", "as_json", is_flag=True, help="print the first line as one JSON object")
@click.option(
    "--env", "as_env", is_flag=True, help="print shell export lines first, to eval in another shell"
)
def emulate_command(
    provider: str,
    *,
    host: str,
    port: int,
    numbers: int | None,
    offset: int | None,
    dialect: str | None,
    blocked: int | None,
    seed: int | None,
    latency: float | None,
    faults: float | None,
    rate_limit: str | None,
    concurrency_limit: int | None,
    allow_remote: bool,
    as_json: bool,
    as_env: bool,
) -> None:
    """Serve PROVIDER's emulator over HTTP until Ctrl-C, for SDKs and apps in any language."""
    import phonefleet
    from phonefleet.testing import AddressInUseError, EmulatorServer, emulate

    options = emulator_options(numbers=numbers, seed=seed, latency=latency, faults=faults)
    if rate_limit is not None:
        options["rate_limit"] = rate_limit
    if concurrency_limit is not None:
        options["concurrency_limit"] = concurrency_limit
    options.update(vendor_options(offset=offset, dialect=dialect, blocked=blocked))
    if as_json and as_env:
        _fail("--json and --env each replace the first line: choose one", 2)
    try:
        emulator = emulate(provider, **options)
        server = EmulatorServer(
            emulator, provider=emulator.provider or provider, host=host, port=port, allow_remote=allow_remote
        )
    except AddressInUseError as exc:
        _fail(str(exc), 1)
    except ValueError as exc:  # a non-loopback host without --allow-remote
        text = str(exc).replace("allow_remote=True", "--allow-remote").replace("rate_limit", "--rate-limit")
        _fail(text, 2)
    except TypeError as exc:  # an option this emulator does not take
        _fail(_not_an_option(provider, exc, options), 2)
    except phonefleet.PhoneFleetError as exc:  # unknown provider, no emulator
        _fail(str(exc), 2)
    except OSError as exc:
        _fail(f"cannot listen on {host} port {port}: {exc.strerror or exc}", 1)
    if as_env:
        _export(server)
    else:
        _announce(server, as_json=as_json)
    import signal

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    click.echo(f"stopped the {server.provider} emulator on {server.listening}", err=True)


def emulator_options(
    *, numbers: int | None, seed: int | None, latency: float | None, faults: float | None
) -> dict[str, Any]:
    """The flags given, as the emulator options every emulator takes (left out: its defaults)."""
    from phonefleet.testing import FaultPlan

    options: dict[str, Any] = {}
    if numbers is not None:
        options["numbers"] = numbers
    if seed is not None:
        options["seed"] = seed
    if latency:
        options["latency"] = latency / 1000
    if faults:
        options["faults"] = FaultPlan(rate=faults, seed=seed or 0)
    return options


def vendor_options(*, offset: int | None, dialect: str | None, blocked: int | None) -> dict[str, Any]:
    """The flags only some emulators take (`emulate()`'s own options), as given."""
    given = {"offset": offset, "dialect": dialect, "blocked": blocked}
    return {name: value for name, value in given.items() if value is not None}


def _not_an_option(provider: str, exc: TypeError, options: dict[str, Any]) -> str:
    """'--blocked is not an option of the twilio emulator', not Python's keyword complaint."""
    for name in options:
        if f"'{name}'" in str(exc):
            return f"--{name} is not an option of the {provider} emulator"
    return f"{provider}: {exc}"


def export_lines(provider: str, settings: dict[str, Any]) -> list[str]:
    """`export NAME=value` for each setting's environment variables, phonefleet's own first.

    Afterwards `phonefleet list PROVIDER` (and the vendor's SDK, where it reads
    them) reaches the emulator with no `-o` at all.
    """
    import phonefleet

    lines: list[str] = []
    for setting in phonefleet.provider_settings(provider, common=False):
        value = settings.get(setting.name)
        if value is None:
            continue
        text = value.reveal() if hasattr(value, "reveal") else str(value)
        lines.extend(f"export {name}={shlex.quote(text)}" for name in setting.env)
    return lines


def _export(server: Any) -> None:
    """The first lines: shell exports, then a comment saying where it listens."""
    lines = export_lines(server.provider, dict(server.settings))
    lines.append(f"# {server.provider} emulator listening on {server.origin} (Ctrl-C stops)")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def _announce(server: Any, *, as_json: bool) -> None:
    """The first line: where it listens and how to connect."""
    if as_json:
        line = json.dumps({"provider": server.provider, **server.settings})
    else:
        settings = " ".join(f"{key}={shlex.quote(str(value))}" for key, value in server.settings.items())
        where = server.listening
        line = f"{server.provider} emulator listening on {where} with settings {settings} (Ctrl-C stops)"
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
