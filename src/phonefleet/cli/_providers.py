"""`phonefleet providers [PROVIDER]`: what each adapter is and which settings it takes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import phonefleet

from ._output import Column, Output

if TYPE_CHECKING:
    from phonefleet import Setting

__all__ = ["setting_row", "show_settings"]


def _default(setting: Setting) -> Any:
    default = setting.default
    return default if default is None or isinstance(default, str | int | float | bool) else str(default)


def setting_row(setting: Setting) -> dict[str, Any]:
    """One setting as JSON: what `phonefleet providers --json` lists."""
    return {
        "name": setting.name,
        "type": setting.type_name,
        "required": setting.required,
        "secret": setting.secret,
        "env": list(setting.env),
        "default": _default(setting),
        "help": setting.help,
        "cli": setting.text,
    }


def show_settings(out: Output, provider: str) -> None:
    """Every setting `provider` takes (its own, then the common ones), one row each."""
    settings = phonefleet.provider_settings(provider)
    if out.as_json:
        out.json([setting_row(s) for s in settings])
        return
    rows: list[list[str | None]] = [
        [
            s.name if s.text else f"{s.name} (Python only)",
            s.type_name,
            "yes" if s.required else "no",
            " ".join(s.env) or None,
            None if s.default is None else str(_default(s)),
            f"{s.help} (secret)" if s.secret else s.help,
        ]
        for s in settings
    ]
    columns = (  # on a narrow terminal, default, type and help give way before a variable name is cut
        Column("setting", whole=True),
        Column("type", drop=2),
        Column("required"),
        Column("env"),
        Column("default", drop=3),
        Column("help", drop=1),
    )
    out.table(columns, rows, title=f"Settings of {provider} (-o name=value)")
