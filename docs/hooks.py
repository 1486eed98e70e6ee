"""MkDocs hooks: pages generated from the code, so they cannot drift from it.

`<!-- feature-matrix -->` becomes a table of every installed adapter's
`features`; `<!-- provider-settings -->` a table of each adapter's declared
settings; `<!-- cli-reference -->` the CLI's own help text.
"""

from __future__ import annotations

from typing import Any

import phonefleet
from phonefleet import Feature


def _features(provider: str) -> frozenset[Feature]:
    from phonefleet.adapter import registration

    if registration(provider).emulator is None:
        with phonefleet.connect(provider) as store:
            return store.features
    from phonefleet.testing import emulate

    with emulate(provider, numbers=1).connect(provider) as store:
        return store.features


def feature_matrix() -> str:
    """A Markdown table: one row per feature, one column per installed adapter."""
    names = phonefleet.providers()
    features = {name: _features(name) for name in names}
    lines = [
        "| feature | " + " | ".join(f"`{name}`" for name in names) + " |",
        "| --- |" + " :---: |" * len(names),
    ]
    for feature in Feature:
        cells = ("yes" if feature in features[name] else "-" for name in names)
        lines.append(f"| `{feature.name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def provider_settings() -> str:
    """A Markdown table per installed adapter: its settings as it declares them, then the common ones."""
    from phonefleet.adapter import COMMON_SETTINGS

    def table(settings: Any) -> list[str]:
        lines = [
            "| setting | type | required | environment | default | what it is |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for s in settings:
            env = ", ".join(f"`{name}`" for name in s.env) or "-"
            default = "-" if s.default is None else f"`{s.default}`"
            what = f"{s.help} (secret)" if s.secret else s.help
            required = "yes" if s.required else "no"
            lines.append(f"| `{s.name}` | {s.type_name} | {required} | {env} | {default} | {what} |")
        return lines

    sections: list[str] = []
    for name in phonefleet.providers():
        declared = phonefleet.provider_settings(name, common=False)
        if declared:
            sections.append("\n".join([f"### `{name}`", "", *table(declared)]))
    sections.append("\n".join(["### Every provider", "", *table(COMMON_SETTINGS)]))
    return "\n\n".join(sections)


def cli_reference() -> str:
    """Every CLI command's `--help`, as the CLI itself prints it."""
    import click

    from phonefleet.cli import app

    def commands(group: click.Command, ctx: click.Context) -> list[tuple[str, click.Command]]:
        if not isinstance(group, click.Group):
            return []
        found = ((name, group.get_command(ctx, name)) for name in group.list_commands(ctx))
        return [(name, command) for name, command in found if command is not None]

    sections = []
    with click.Context(app, info_name="phonefleet", terminal_width=100) as ctx:
        sections.append(f"## phonefleet\n\n```text\n{app.get_help(ctx)}\n```")
        for name, sub in sorted(commands(app, ctx), key=lambda pair: pair[0]):
            with click.Context(sub, info_name=name, parent=ctx, terminal_width=100) as sub_ctx:
                sections.append(f"## phonefleet {name}\n\n```text\n{sub.get_help(sub_ctx)}\n```")
                for inner, leaf in commands(sub, sub_ctx):  # a group's own commands (`port check`...)
                    with click.Context(leaf, info_name=inner, parent=sub_ctx, terminal_width=100) as leaf_ctx:
                        help_text = leaf.get_help(leaf_ctx)
                        sections.append(f"### phonefleet {name} {inner}\n\n```text\n{help_text}\n```")
    return "\n\n".join(sections)


def on_page_markdown(markdown: str, **_: Any) -> str:
    if "<!-- feature-matrix -->" in markdown:
        markdown = markdown.replace("<!-- feature-matrix -->", feature_matrix())
    if "<!-- provider-settings -->" in markdown:
        markdown = markdown.replace("<!-- provider-settings -->", provider_settings())
    if "<!-- cli-reference -->" in markdown:
        markdown = markdown.replace("<!-- cli-reference -->", cli_reference())
    return markdown
