"""Cut the slices of the vendors' OpenAPI specs the emulators follow, into each
adapter's `_spec/` folder (a maintainer's script, not a test).

    python tests/specs/extract.py /work/.mirror

reads each spec at its pinned commit from a local clone of its repository
(`<mirror>/<owner>+<name>/repo`, a bare git directory), keeps the listed
operations and every component they reference, drops prose and examples, and
writes compact JSON with the source (repository, path, commit) on top.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
_DROP = frozenset({"description", "example", "examples", "summary", "x-twilio", "x-codeSamples", "tags"})

#: (adapter, file, repository, path in it, commit or "HEAD", the paths kept)
SLICES: list[tuple[str, str, str, str, str, list[str]]] = [
    (
        "phonefleet_twilio",
        "twilio_api_v2010.json",
        "twilio/twilio-oai",
        "spec/json/twilio_api_v2010.json",
        "HEAD",
        [
            "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json",
            "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json",
            "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/Local.json",
            "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/Mobile.json",
            "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/TollFree.json",
            "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers.json",
            "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}.json",
            "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json",
            "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Mobile.json",
            "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/TollFree.json",
        ],
    ),
    (
        "phonefleet_twilio",
        "signalwire_compatibility.json",
        "signalwire/docs",
        "fern/apis/compatibility/openapi.yaml",
        "HEAD",
        [
            "/Accounts/{AccountSid}/AvailablePhoneNumbers",
            "/Accounts/{AccountSid}/AvailablePhoneNumbers/{IsoCountry}",
            "/Accounts/{AccountSid}/AvailablePhoneNumbers/{IsoCountry}/Local",
            "/Accounts/{AccountSid}/AvailablePhoneNumbers/{IsoCountry}/TollFree",
            "/Accounts/{AccountSid}/IncomingPhoneNumbers",
            "/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}",
        ],
    ),
    (
        "phonefleet_signalwire",
        "signalwire_rest.json",
        "signalwire/docs",
        "fern/apis/signalwire-rest/openapi.yaml",
        "HEAD",
        [
            "/api/relay/rest/phone_numbers",
            "/api/relay/rest/phone_numbers/search",
            "/api/relay/rest/phone_numbers/{id}",
            "/api/fabric/resources/swml_scripts",
            "/api/fabric/resources/swml_scripts/{id}",
            "/api/fabric/resources/swml_scripts/{id}/addresses",
        ],
    ),
    (
        "phonefleet_telnyx",
        "telnyx_spec3.json",
        "team-telnyx/openapi",
        "openapi/spec3.yml",
        "12de4dd039fd867f7a81c8ec415e6fb6477d5687",
        [
            "/available_phone_numbers",
            "/number_orders",
            "/number_orders/{number_order_id}",
            "/phone_numbers",
            "/phone_numbers/messaging",
            "/phone_numbers/voice",
            "/phone_numbers/{id}",
            "/phone_numbers/{id}/messaging",
            "/phone_numbers/{id}/voice",
        ],
    ),
]


def _strip(node: Any, *, media: bool = False) -> Any:
    """`node` without prose and examples, except a response's examples (what the vendor answers)."""
    if isinstance(node, dict):
        kept = {}
        for key, value in node.items():
            if key == "examples" and media:
                kept[key] = value
                continue
            if (key in _DROP and not isinstance(value, dict | list)) or key in {"examples", "x-codeSamples"}:
                continue
            if key == "example":
                continue
            kept[key] = _strip(value, media=key in {"application/json"})
        return kept
    if isinstance(node, list):
        return [_strip(item) for item in node]  # examples only directly under a media type
    return node


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value)
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def _lookup(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _slice(spec: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    kept_paths = {path: _strip(spec["paths"][path]) for path in paths}
    components: dict[str, dict[str, Any]] = {}
    todo = sorted(_refs(kept_paths))
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        node = _strip(_lookup(spec, ref))
        components.setdefault(kind, {})[name] = node
        todo.extend(sorted(_refs(node) - seen))
    out: dict[str, Any] = {"openapi": spec.get("openapi"), "servers": spec.get("servers", [])}
    out["paths"] = kept_paths
    out["components"] = {kind: dict(sorted(items.items())) for kind, items in sorted(components.items())}
    return out


def main(mirror: str) -> None:
    for adapter, name, repo, path, commit, paths in SLICES:
        git = Path(mirror) / repo.replace("/", "+") / "repo"
        sha = subprocess.run(
            ["git", "-C", str(git), "rev-parse", commit],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        text = subprocess.run(
            ["git", "-C", str(git), "show", f"{sha}:{path}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        spec = json.loads(text) if path.endswith(".json") else yaml.load(text, Loader=yaml.CSafeLoader)
        sliced = {"x-source": {"repository": f"https://github.com/{repo}", "path": path, "commit": sha}}
        sliced.update(_slice(spec, paths))
        target = ROOT / "adapters" / adapter / "_spec" / name
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(sliced, indent=1, sort_keys=False) + "\n")
        size = target.stat().st_size
        print(f"{target.relative_to(ROOT)}: {size} bytes from {repo}@{sha[:7]}:{path}")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
