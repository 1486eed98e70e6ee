"""`phonefleet`, `phonefleet.migrate` and `phonefleet.testing` load each name on first use:
every public name has its module in the package's table, resolves to that module's object,
and importing the package alone loads none of its modules."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ("phonefleet", "phonefleet.migrate", "phonefleet.testing")


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_is_in_the_table_and_resolves(name: str) -> None:
    package = importlib.import_module(name)
    assert set(package.__all__) == set(package._LAZY)
    for exported in package.__all__:
        module = importlib.import_module(package._LAZY[exported], name)
        assert getattr(package, exported) is getattr(module, exported)
    assert sorted(dir(package)) == sorted(package.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        package.nothing_here  # noqa: B018 - the attribute access is the test


@pytest.mark.parametrize("name", PACKAGES)
def test_importing_the_package_loads_none_of_its_modules(name: str) -> None:
    code = (
        f"import sys, {name}\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('phonefleet.') "
        "and m != 'phonefleet._lazy')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(loaded.stdout.split()) <= {name}
