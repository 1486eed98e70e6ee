"""The click that typer runs on: recent typer releases vendor their own copy.

The CLI catches click's usage errors; they must be the classes typer raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typer._click.core import Context
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
else:
    try:
        from typer._click.core import Context
        from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
    except ImportError:  # typer on the click package
        from click import ClickException, Context, UsageError
        from click.exceptions import NoArgsIsHelpError

__all__ = ["ClickException", "Context", "NoArgsIsHelpError", "UsageError"]
