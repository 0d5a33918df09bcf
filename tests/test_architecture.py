"""The house keeps its floors (docs/architecture.md).

The contracts live in pyproject.toml under ``[tool.importlinter]``: the five floors import only
downward, each floor's packages keep their own order, no two siblings import each other at any
depth (no circles), and no module imports another package's private module. import-linter reads
every import statement, also those inside functions and under ``TYPE_CHECKING``. A run in a fresh
interpreter then checks what a static scan cannot see: what importing a floor actually loads.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pytest

import profilefit

ROOT = Path(__file__).resolve().parents[1]
FLOORS = ("core", "data", "pages", "evidence", "apps")


def test_every_import_contract_is_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_the_contracts_place_every_package_of_every_floor():
    """A new package or module must be placed in its floor's order (pyproject.toml) before it is checked."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    placed = {
        (container.rsplit(".", 1)[1], name.strip())
        for contract in config["contracts"]
        for container in contract.get("containers", [])
        for layer in contract["layers"]
        for name in layer.split("|")
    }
    package_root = Path(profilefit.__file__).parent
    present = {
        (floor, path.stem if path.is_file() else path.name)
        for floor in FLOORS
        for path in (package_root / floor).iterdir()
        if (path.is_dir() and (path / "__init__.py").exists()) or (path.suffix == ".py" and path.stem != "__init__")
    }
    alone = {floor for floor in FLOORS if sum(1 for f, _ in present if f == floor) == 1}  # nothing to order
    assert {(floor, name) for floor, name in present if floor not in alone} - placed == set()
    floors = next(c for c in config["contracts"] if "containers" not in c and c["type"] == "layers")["layers"]
    assert [layer.removeprefix("profilefit.") for layer in floors[:5]] == list(reversed(FLOORS))


_LOADED = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted({name.split(".")[1] for name in sys.modules if name.startswith("profilefit.")})))
"""


def _loaded_by(module: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, module], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout)
    return loaded


@pytest.mark.parametrize("floor", FLOORS)
def test_a_floor_imported_alone_loads_nothing_above_it(floor):
    loaded = _loaded_by(f"profilefit.{floor}")
    assert [name for name in loaded if name in FLOORS and FLOORS.index(name) > FLOORS.index(floor)] == []


def test_the_screener_alone_loads_only_the_core():
    loaded = _loaded_by("profilefit.core.screening")
    assert [name for name in loaded if name in FLOORS and name != "core"] == []


def test_importing_profilefit_loads_no_floor():
    """The front door is lazy: ``import profilefit`` loads nothing until a name is used."""
    assert [name for name in _loaded_by("profilefit") if name in FLOORS] == []


def test_the_front_door_names_are_the_objects_at_their_homes():
    from profilefit.core.screening import Screener
    from profilefit.data.batch import score_batch
    from profilefit.exceptions import ProfilefitError

    assert profilefit.Screener is Screener
    assert profilefit.score_batch is score_batch
    assert profilefit.ProfilefitError is ProfilefitError
    assert set(profilefit.__all__) <= set(dir(profilefit))
    for name in profilefit.__all__:
        assert getattr(profilefit, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        profilefit.nothing_here  # noqa: B018


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("profilefit.fit", "profilefit.core.fit"),
        ("profilefit.batch", "profilefit.data.batch"),
        ("profilefit.schema", "profilefit.core.schema"),
        ("profilefit.validity", "profilefit.core.validity"),
        ("profilefit.classifier._estimator", "profilefit.core.classifier._estimator"),
        ("profilefit.audit", "profilefit.evidence.audit"),
        ("profilefit.cli", "profilefit.apps.cli"),
    ],
)
def test_an_old_import_path_gives_the_module_at_its_new_home_with_a_warning(old, new):
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    sys.modules.pop(old, None)
    assert module is importlib.import_module(new)
    assert module.__spec__.name == new  # the module keeps its own identity
    assert any(issubclass(w.category, FutureWarning) and new in str(w.message) for w in caught)


def test_a_class_by_its_old_path_is_the_same_class():
    from profilefit.core.classifier import ProfileClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = importlib.import_module("profilefit.classifier").ProfileClassifier
    assert old is ProfileClassifier


def test_every_error_profilefit_raises_on_purpose_has_one_base():
    from profilefit import exceptions

    errors = [
        value
        for value in vars(exceptions).values()
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == exceptions.__name__
    ]
    assert len(errors) > 15
    for error in errors:
        assert issubclass(error, (exceptions.ProfilefitError, exceptions.ProfilefitWarning)), error


def test_tests_never_import_each_other():
    """Shared helpers live in support modules (tests/strategies.py, tests/service_support.py, tests/chromium.py)."""
    offenders = [
        f"{path.name}:{number}"
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.lstrip().startswith(
            ("from tests.test_", "import tests.test_", "from .test_", "from test_", "import test_")
        )
    ]
    assert offenders == []


def test_the_tests_mirror_the_floors():
    """tests/<floor>/ holds the tests of profilefit.<floor>; tests/ itself only what spans the house."""
    folders = {path.name for path in (ROOT / "tests").iterdir() if (path / "__init__.py").exists()}
    assert folders == set(FLOORS)
    spanning = sorted(path.name for path in (ROOT / "tests").glob("test_*.py"))
    assert len(spanning) <= 8, spanning  # architecture, conventions, examples, packaging, wheel, door-wide rules
