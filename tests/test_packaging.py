"""The distribution as a user installs it: typed packages, the license, a buildable sdist."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _adapter_packages() -> list[str]:
    return sorted(p.name for p in (ROOT / "adapters").iterdir() if (p / "__init__.py").is_file())


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and the sdist, built offline with the installed backend."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def test_every_adapter_package_is_typed_in_the_wheel(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = ["phonefleet", *_adapter_packages()]
    assert len(packages) >= 4
    missing = [p for p in packages if f"{p}/py.typed" not in names]
    assert missing == []
    # and in the source tree, for editable installs and type checkers on a checkout
    assert [p for p in _adapter_packages() if not (ROOT / "adapters" / p / "py.typed").is_file()] == []


def test_the_wheel_carries_the_mit_license(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    archive = zipfile.ZipFile(wheel)
    (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    text = archive.read(metadata).decode()
    assert "License-Expression: MIT" in text
    assert "License-File: LICENSE" in text
    (license_file,) = [n for n in archive.namelist() if n.endswith("/licenses/LICENSE")]
    assert archive.read(license_file).decode().startswith("MIT License")


def test_the_sdist_carries_the_license_and_the_docs_config(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "mkdocs.yml", "docs/index.md", "pyproject.toml"} <= names
    assert {f"adapters/{p}/py.typed" for p in _adapter_packages()} <= names


def test_the_version_comes_from_the_installed_metadata() -> None:
    import importlib.metadata

    import phonefleet

    assert phonefleet.__version__ == importlib.metadata.version("phonefleet")
    code = "import phonefleet; print('__version__' in vars(phonefleet)); print(phonefleet.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", phonefleet.__version__]  # read on first use, not at import
    from click.testing import CliRunner

    from phonefleet.cli import app

    shown = CliRunner().invoke(app, ["--version"])
    assert (shown.exit_code, shown.stdout) == (0, f"phonefleet {phonefleet.__version__}\n")
