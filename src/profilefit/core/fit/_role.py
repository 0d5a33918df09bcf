"""RoleProfile: what a role needs, in scales and profiles, read from a data file.

A role file (TOML or JSON) names the scales the role needs with a weight and the
direction it prefers, how well each service-rep profile suits the role, optionally how
much it values each behaviour the situational scenarios' options are keyed to, how the
parts combine, and the cut-offs of the fit bands. The built-in roles live in
``profilefit/core/fit/data/*.toml``; an organisation adds its own with the same format.
docs/fit.md explains every field and where the built-in weights come from.
"""

from __future__ import annotations

import json
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from annotated_types import Ge, Gt, Le, MinLen
from pydantic import Field, model_validator

from profilefit._frozen import FrozenModel

#: The role a Screener uses unless told otherwise.
DEFAULT_ROLE = "complex-case"

RoleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
ScaleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
ProfileId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
Translations = Annotated[dict[LanguageCode, Annotated[str, MinLen(1)]], MinLen(1)]
Weight = Annotated[float, Gt(0), Le(10)]
#: How much a role values a scenario option keyed to a behaviour: negative for a behaviour it would rather
#: not see chosen, 0 (or absent) for one it is indifferent to.
SituationalWeight = Annotated[float, Ge(-10), Le(10)]
Suitability = Annotated[float, Ge(0), Le(1)]
FitPoints = Annotated[float, Gt(0), Le(100)]


class ScaleNeed(FrozenModel):
    """How much a role needs one scale, and which end of it the role prefers."""

    weight: Weight
    direction: Literal["higher", "lower"] = "higher"


class Combine(FrozenModel):
    """How the scale part, the situational part and the profile part of the fit combine."""

    scale_share: Annotated[float, Ge(0), Le(1)] = Field(
        0.6,
        description="Share of the fit from the weighted scales; what neither this nor situational_share "
        "takes is the suitability of the profiles the standings on those scales point to.",
    )
    situational_share: Annotated[float, Ge(0), Le(1)] = Field(
        0.0,
        description="Share of the fit from the situational scenarios: the options chosen, valued by the "
        "role's [situational] weights. 0 (the default) for a role that does not weigh them.",
    )

    @model_validator(mode="after")
    def _shares_within_one(self) -> Combine:
        if self.scale_share + self.situational_share > 1.0 + 1e-9:
            raise ValueError(
                f"combine.scale_share ({self.scale_share}) and combine.situational_share "
                f"({self.situational_share}) add up to more than 1"
            )
        return self


class Bands(FrozenModel):
    """Cut-offs of the fit bands: ``strong`` at or above ``strong``, ``possible`` at or above ``possible``."""

    strong: FitPoints
    possible: FitPoints

    @model_validator(mode="after")
    def _strong_above_possible(self) -> Bands:
        if self.possible >= self.strong:
            raise ValueError(f"bands.possible ({self.possible}) must be below bands.strong ({self.strong})")
        return self


class RoleProfile(FrozenModel):
    """What a role needs: weighted scales, profile suitability, how they combine, and the band cut-offs.

    Parameters
    ----------
    id : str
        Stable identifier, for example ``"complex-case"``.
    name, description : dict of language code to str
        Display texts; English (``"en"``) is required, other languages fall back to it.
    scales : dict of scale id to ScaleNeed
        The scales the role needs, each with a weight in (0, 10] and a preferred direction.
    profiles : dict of profile id to float
        How well each profile suits the role, from 0 (not at all) to 1 (best).
    situational : dict of behaviour key to float, default={}
        How much the role values a scenario option keyed to each behaviour (the instrument's
        ``situational_keys``), from -10 to 10; a key left out counts as 0. Empty: the
        scenarios do not enter the fit.
    combine : Combine
        ``scale_share`` of the fit comes from the scales, ``situational_share`` from the
        scenarios, the rest from the profiles.
    bands : Bands
        Fit cut-offs of the ``strong`` and ``possible`` bands.

    Examples
    --------
    >>> role = load_role("complex-case")
    >>> role.scales["taking_charge"].weight
    3.0
    >>> role.band(70.0), role.band(50.0), role.band(20.0)
    ('strong', 'possible', 'weak')
    """

    schema_version: Literal["1"] = "1"
    id: RoleId
    name: Translations
    description: Translations
    combine: Combine = Combine()
    bands: Bands
    scales: Annotated[dict[ScaleId, ScaleNeed], MinLen(1)]
    profiles: Annotated[dict[ProfileId, Suitability], MinLen(1)]
    situational: dict[ProfileId, SituationalWeight] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _situational_has_a_share(self) -> RoleProfile:
        # Weights without a share (or a share without weights) is a half-written role file, not a choice.
        weighs, share = bool(self.situational), self.combine.situational_share
        if weighs and share == 0.0:
            raise ValueError(f"role {self.id!r} has [situational] weights but combine.situational_share is 0")
        if share > 0.0 and not weighs:
            raise ValueError(f"role {self.id!r}: combine.situational_share is {share} but there is no [situational]")
        return self

    @model_validator(mode="after")
    def _english_texts(self) -> RoleProfile:
        for field in ("name", "description"):
            if "en" not in getattr(self, field):
                raise ValueError(f"role {self.id!r}: {field} needs an English ('en') text, the fallback language")
        return self

    def text(self, field: Literal["name", "description"], language: str = "en") -> str:
        """The role's name or description in a language, English when that language is missing."""
        texts: dict[str, str] = getattr(self, field)
        return texts.get(language, texts["en"])

    def pull(self, scale: str, reverse: bool) -> float:
        """How much agreeing with, or marking most, a statement of ``scale`` raises the fit: -1 to 1.

        The scale's weight over the role's largest weight, signed by the statement's keying and the
        direction the role prefers; 0 for a scale the role does not weigh. The forced-choice
        ``idealised`` flag reads it (docs/scoring.md), and the simulation's coached applicant is pushed by it.

        Examples
        --------
        >>> role = load_role("complex-case")
        >>> role.pull("taking_charge", reverse=False), role.pull("taking_charge", reverse=True)
        (1.0, -1.0)
        >>> role.pull("procedure", reverse=False)
        0.0
        """
        need = self.scales.get(scale)
        if need is None:
            return 0.0
        top = max(n.weight for n in self.scales.values())
        toward = (-1.0 if reverse else 1.0) * (-1.0 if need.direction == "lower" else 1.0)
        return toward * need.weight / top

    def band(self, score: float) -> str:
        """The band of one fit score: ``"strong"``, ``"possible"`` or ``"weak"``."""
        if score >= self.bands.strong:
            return "strong"
        return "possible" if score >= self.bands.possible else "weak"


def builtin_roles() -> tuple[str, ...]:
    """Ids of the roles that ship with profilefit, sorted."""
    folder = resources.files("profilefit.core.fit").joinpath("data")
    return tuple(sorted(entry.name.removesuffix(".toml") for entry in folder.iterdir() if entry.name.endswith(".toml")))


def load_role(source: RoleProfile | str | Path = DEFAULT_ROLE) -> RoleProfile:
    """Read and validate a role.

    Parameters
    ----------
    source : RoleProfile, str or Path, default="complex-case"
        A built-in role id (see :func:`builtin_roles`), the path of a ``.toml`` or
        ``.json`` role file, or a RoleProfile (returned as it is).

    Returns
    -------
    RoleProfile

    Raises
    ------
    FileNotFoundError
        If ``source`` is neither a built-in role nor an existing file.
    pydantic.ValidationError
        If the file does not describe a valid role; the message names the field.
    """
    if isinstance(source, RoleProfile):
        return source
    if isinstance(source, str) and source in builtin_roles():
        return _builtin_role(source)
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(
            f"no role {str(source)!r}: built-in roles are {', '.join(builtin_roles())}, or give a file"
        )
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return RoleProfile.model_validate(tomllib.loads(text))
    if suffix == ".json":
        return RoleProfile.model_validate(json.loads(text))
    raise ValueError(f"{path}: a role file must end in .toml or .json, not {path.suffix!r}")


@lru_cache(maxsize=8)
def _builtin_role(role_id: str) -> RoleProfile:
    # One shared object per built-in role: it is frozen, and scorers built from it are cached on it.
    text = resources.files("profilefit.core.fit").joinpath("data", f"{role_id}.toml").read_text(encoding="utf-8")
    return RoleProfile.model_validate(tomllib.loads(text))
