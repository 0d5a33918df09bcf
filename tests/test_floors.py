"""Lower floors never import higher ones (docs/architecture.md).

Two checks: a static scan (ast) of every import statement in each package, including imports
inside functions and under ``TYPE_CHECKING``, which a run would not reach; and each package
imported alone in a fresh interpreter, which must load nothing from a higher floor.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import profilefit

PACKAGE_ROOT = Path(profilefit.__file__).parent

#: The floors, lowest first. A package may import packages on its own floor or below, never above.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("_identity_cache", "instrument", "profiles"),
    ("io", "schema", "scoring", "fit", "validity", "classifier", "simulate"),
    ("artifact", "decisions"),
    ("screening",),
    ("batch", "reports", "audit", "dif", "forecast"),
    ("training", "validation", "service"),  # training reads labelled exports through the batch reader;
    # validation studies results against outcomes, with the audit, the reports' isolation and the batch
    # scorer; the service exports through the batch writers and shows the candidate report
    ("cli",),
)
FLOOR_OF = {package: level for level, packages in enumerate(FLOORS) for package in packages}


def _packages() -> list[str]:
    return sorted(path.parent.name for path in PACKAGE_ROOT.glob("*/__init__.py"))


def _imports(package: str) -> set[tuple[str, str, int]]:
    """Every ``profilefit.X`` a package's modules import: (module file, X, line)."""
    found = set()
    for path in (PACKAGE_ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "profilefit" and len(parts) > 1 and parts[1] in FLOOR_OF and parts[1] != package:
                    found.add((path.name, parts[1], node.lineno))
    return found


def test_every_package_has_a_floor():
    """A new package must be placed on a floor here (and in docs/architecture.md) before it is checked."""
    assert [package for package in _packages() if package not in FLOOR_OF] == []


@pytest.mark.parametrize("package", sorted(FLOOR_OF))
def test_no_package_imports_a_higher_floor_static_scan(package):
    upward = sorted(
        f"{package}/{module}:{line} imports profilefit.{target} (floor {FLOOR_OF[target]} > {FLOOR_OF[package]})"
        for module, target, line in _imports(package)
        if FLOOR_OF[target] > FLOOR_OF[package]
    )
    assert upward == []


def test_screening_never_imports_batch_and_reports_never_imports_training():
    assert "batch" not in {target for _, target, _ in _imports("screening")}
    assert "training" not in {target for _, target, _ in _imports("reports")}


def test_the_scan_sees_imports_inside_functions(tmp_path, monkeypatch):
    """The scan would catch the lazy import that used to close the circle screening -> batch."""
    package = tmp_path / "profilefit" / "screening"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "_screener.py").write_text(
        "def score_batch(self, data):\n    from profilefit.batch import score_batch\n", encoding="utf-8"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE_ROOT", tmp_path / "profilefit")
    assert _imports("screening") == {("_screener.py", "batch", 2)}


_ISOLATED = """
import importlib, json, sys
importlib.import_module("profilefit." + sys.argv[1])
print(json.dumps(sorted({name.split(".")[1] for name in sys.modules if name.startswith("profilefit.")})))
"""


@pytest.mark.parametrize("package", sorted(FLOOR_OF))
def test_a_package_imported_alone_loads_nothing_above_it(package):
    import json

    done = subprocess.run(
        [sys.executable, "-c", _ISOLATED, package], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert package in loaded
    assert [name for name in loaded if FLOOR_OF.get(name, 0) > FLOOR_OF[package]] == []
