"""Import paths that moved when the packages were grouped into floors, kept for one release.

profilefit 0.1 had every package at the top (``profilefit.fit``, ``profilefit.batch``, ...).
They now live in their floor's folder (``profilefit.core.fit``, ``profilefit.data.batch``; see
docs/architecture.md). An import by an old path still works until profilefit 0.3: it gives the
module at its new home (the same object, so ``isinstance`` and pickles agree) and warns once
with a :class:`FutureWarning` naming the new path.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from types import ModuleType
from typing import Any

#: Old dotted path -> new one (a module under an old package path moves with it).
MOVED: dict[str, str] = {
    "profilefit.instrument": "profilefit.core.instrument",
    "profilefit.profiles": "profilefit.core.profiles",
    "profilefit.schema": "profilefit.core.schema",
    "profilefit.scoring": "profilefit.core.scoring",
    "profilefit.validity": "profilefit.core.validity",
    "profilefit.fit": "profilefit.core.fit",
    "profilefit.classifier": "profilefit.core.classifier",
    "profilefit.artifact": "profilefit.core.artifact",
    "profilefit.decisions": "profilefit.core.decisions",
    "profilefit.screening": "profilefit.core.screening",
    "profilefit._identity_cache": "profilefit.core.identity_cache",
    "profilefit.io": "profilefit.data.io",
    "profilefit.batch": "profilefit.data.batch",
    "profilefit.simulate": "profilefit.data.simulate",
    "profilefit.training": "profilefit.data.training",
    "profilefit.datasets": "profilefit.data.datasets",
    "profilefit.reports": "profilefit.pages.reports",
    "profilefit.audit": "profilefit.evidence.audit",
    "profilefit.dif": "profilefit.evidence.dif",
    "profilefit.forecast": "profilefit.evidence.forecast",
    "profilefit.validation": "profilefit.evidence.validation",
    "profilefit.cli": "profilefit.apps.cli",
    "profilefit.service": "profilefit.apps.service",
}


#: Names that left a package for another one: (package, name) -> the package that holds the name now.
MOVED_NAMES: dict[tuple[str, str], str] = {
    ("profilefit.data.io", name): "profilefit.data.results"
    for name in ("ROLE_COLUMN", "StoredRole", "role_cell", "stored_role", "unrecorded_role_note")
}


def moved_attribute(package: str, name: str) -> Any:
    """A package's old name that moved elsewhere, with a :class:`FutureWarning`; for a module ``__getattr__``.

    Raises
    ------
    AttributeError
        For a name that never was in ``package``.
    """
    home = MOVED_NAMES.get((package, name))
    if home is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    warnings.warn(
        f"{package}.{name} has moved to {home}.{name}; the old name works until profilefit 0.3",
        FutureWarning,
        stacklevel=3,
    )
    return getattr(importlib.import_module(home), name)


def new_name(old: str) -> str | None:
    """The new dotted path of a module imported by its old one, or None if it did not move."""
    parts = old.split(".")
    for end in range(len(parts), 1, -1):
        head = ".".join(parts[:end])
        if head in MOVED:
            return ".".join([MOVED[head], *parts[end:]])
    return None


class _Alias(importlib.abc.Loader):
    """Loads an old path as the module at its new home."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} has moved to {self.target}; the old import path works until profilefit 0.3",
            FutureWarning,
            stacklevel=2,
        )
        module = importlib.import_module(self.target)
        self._spec = module.__spec__
        return module

    def get_code(self, fullname: str) -> None:
        """No code of its own (``python -m`` on an old path then says so instead of failing inside runpy)."""
        return None

    def exec_module(self, module: ModuleType) -> None:
        # The import system has just set the module's __spec__ to the old path's; give it back its own.
        module.__spec__ = self._spec


class MovedFinder(importlib.abc.MetaPathFinder):
    """Finds the old import paths of :data:`MOVED`, before any other finder."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec whose loader gives the module at its new home, for an old path only."""
        if not fullname.startswith("profilefit."):
            return None
        target_name = new_name(fullname)
        if target_name is None:
            return None
        return importlib.util.spec_from_loader(fullname, _Alias(target_name))


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, MovedFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, MovedFinder())
