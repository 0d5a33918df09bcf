"""Which role a results file's fit is for, and the one rule for naming it.

``profilefit score`` writes the id of the role in the ``fit_role`` column (``ScreeningResult``
holds it as ``fit.role``). A command that reads results names a role over the figures: its
name, its bands, its scales. Naming another role than the one the fit was computed for puts
one role's words over another role's numbers, in a hiring report or a Local Law 144 audit,
so every reader decides through :func:`stored_role`: the stored role is used; another one
asked for is refused, as is a file that mixes roles. A file written before the column
existed is read with the role asked for, and a note says that the file does not record its role.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from profilefit.data.results._columns import ROLE_COLUMN
from profilefit.exceptions import ResultsRoleError

if TYPE_CHECKING:
    from profilefit.core.fit import RoleProfile


def role_cell(row: Mapping[str, Any]) -> str | None:
    """The ``fit_role`` of one results row: the role id, ``""`` without a fit, ``None`` when the row has no such column.

    Examples
    --------
    >>> role_cell({"fit_role": " transactional "}), role_cell({"fit_role": None}), role_cell({"fit_band": "weak"})
    ('transactional', '', None)
    """
    if ROLE_COLUMN not in row:
        return None
    value = row[ROLE_COLUMN]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


@dataclass(frozen=True)
class StoredRole:
    """The role to name over a results file's fit, as :func:`stored_role` decided it.

    Attributes
    ----------
    role : RoleProfile, str, Path or None
        The role to name: the one asked for when it is the stored one (a role file keeps its
        bands), else the stored id; the one asked for when the file does not record its role;
        ``None`` when there is no role to name.
    stored : str or None
        The role id the file records (``""``: the file holds no fit); ``None`` when it records none.
    note : str or None
        What the user should be told (the file does not record its role; the role is not built in).
    """

    role: RoleProfile | str | Path | None
    stored: str | None
    note: str | None = None

    def profile(self) -> RoleProfile | None:
        """The role as a RoleProfile, for its name and bands; ``None`` when it is unknown here.

        A stored id that is neither built in nor given as a file has no name or bands to show.
        """
        from profilefit.core.fit import RoleProfile, builtin_roles, load_role

        if self.role is None or isinstance(self.role, RoleProfile):
            return self.role
        if isinstance(self.role, str) and self.role == self.stored and self.role not in builtin_roles():
            return None
        return load_role(self.role)


def _role_id(role: RoleProfile | str | Path) -> str:
    from profilefit.core.fit import load_role

    return load_role(role).id


def _described(role: str | None) -> str:
    if role is None:
        return "no recorded role"
    return f"role {role!r}" if role else "no role (scored with --role none)"


def stored_role(
    source: str | Path,
    roles: Mapping[str | None, int],
    requested: RoleProfile | str | Path | None = None,
) -> StoredRole:
    """Decide which role to name over the fit of a results file.

    Parameters
    ----------
    source : str or Path
        The results file, for messages.
    roles : mapping of str or None to int
        How many rows record each role (as :func:`role_cell` reads them): an id, ``""`` for
        a row without fit, ``None`` for a row that does not record its role.
    requested : RoleProfile, str or Path, optional
        The role asked for (``--role``): a built-in id, a role file or a RoleProfile.

    Returns
    -------
    StoredRole

    Raises
    ------
    ResultsRoleError
        If the rows record more than one role, or the role asked for is not the one recorded.
    FileNotFoundError, pydantic.ValidationError
        If ``requested`` is neither a built-in role nor a valid role file.

    Examples
    --------
    >>> stored_role("results.csv", {"transactional": 3}).role
    'transactional'
    >>> stored_role("results.csv", {"transactional": 3}, "complex-case")
    Traceback (most recent call last):
    ...
    profilefit.exceptions.ResultsRoleError: results.csv: the fit in this file was computed for role ...
    """
    present = [role for role, count in roles.items() if count]
    if len(present) > 1:
        counts = ", ".join(f"{_described(role)} in {roles[role]:,} row(s)" for role in present)
        raise ResultsRoleError(
            f"{source}: the fit in this file was computed for more than one role ({counts}); a file of results "
            "must hold one role's fit, or its figures would be named for the wrong role. Score each role into its "
            "own file: profilefit score EXPORT --role ROLE -o RESULTS"
        )
    stored = present[0] if present else None
    if stored is None:
        return StoredRole(requested, None, unrecorded_role_note(source, requested))
    if requested is None:
        note: str | None = None
        if stored and _not_builtin(stored):
            note = (
                f"{source}: the fit is for role {stored!r}, which is not built in; give its file with "
                f"--role FILE to show the role's name and bands"
            )
        return StoredRole(stored or None, stored, note)
    asked = _role_id(requested)
    if asked != stored:
        what = f"role {stored!r}" if stored else "no role (it was scored with --role none, so it holds no fit)"
        raise ResultsRoleError(
            f"{source}: the fit in this file was computed for {what}, not for role {asked!r} as asked (--role "
            f"{requested if isinstance(requested, str | Path) else asked}); naming {asked!r} would put its name, "
            f"bands and scales over another role's figures. Leave out --role to use the stored role, or score "
            f"the export again for {asked!r}: profilefit score EXPORT --role "
            f"{requested if isinstance(requested, str | Path) else asked} -o RESULTS"
        )
    return StoredRole(requested, stored)


def unrecorded_role_note(source: str | Path, requested: RoleProfile | str | Path | None) -> str:
    """The note for a results file that does not record its role (written before the ``fit_role`` column)."""
    named = f"naming it as role {_role_id(requested)!r}, as asked" if requested is not None else "no role is named"
    return (
        f"{source} does not record the role its fit was computed for (it was written before results had a "
        f"{ROLE_COLUMN} column); {named}. Score the export again to record it: "
        "profilefit score EXPORT --role ROLE -o RESULTS"
    )


def _not_builtin(role_id: str) -> bool:
    from profilefit.core.fit import builtin_roles

    return role_id not in builtin_roles()
