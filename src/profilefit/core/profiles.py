"""The seven profiles of Dixon, Ponomareff, Turner and DeLisi (HBR, 2017) as validated data.

Prevalence: the article publishes Empathizer 32 % and Controller 15 %. The other
five shares are an assumption (an even split of the remaining 53 %) that a user can
replace with :meth:`ProfileSet.with_prevalence`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Annotated, Literal

from annotated_types import Ge, Le, MinLen
from pydantic import Field, model_validator

from profilefit._frozen import FrozenModel

#: Stable identifiers, in the order probabilities are reported.
PROFILE_IDS = ("controller", "rock", "accommodator", "empathizer", "hard_worker", "innovator", "competitor")

Share = Annotated[float, Ge(0), Le(1)]


class Profile(FrozenModel):
    """One service-rep profile."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: Annotated[dict[str, str], MinLen(1)]
    description: Annotated[dict[str, str], MinLen(1)]
    prevalence: Share
    prevalence_published: bool


class ProfileSet(FrozenModel):
    """All profiles with their prevalences, which sum to one."""

    schema_version: Literal["1"] = "1"
    source: str
    prevalence_note: dict[str, str] = Field(default_factory=dict)
    profiles: Annotated[list[Profile], MinLen(2)]

    @model_validator(mode="after")
    def _prevalence_sums_to_one(self) -> ProfileSet:
        total = sum(profile.prevalence for profile in self.profiles)
        if abs(total - 1.0) > 1e-3:
            raise ValueError(f"profile prevalences sum to {total:.4f}; they must sum to 1")
        return self

    @property
    def ids(self) -> tuple[str, ...]:
        """Profile ids in file order."""
        return tuple(profile.id for profile in self.profiles)

    @property
    def prevalence(self) -> dict[str, float]:
        """Share of each profile among service reps, normalised to sum to one exactly."""
        total = sum(profile.prevalence for profile in self.profiles)
        return {profile.id: profile.prevalence / total for profile in self.profiles}

    def get(self, profile_id: str) -> Profile:
        """The profile with this id."""
        for profile in self.profiles:
            if profile.id == profile_id:
                return profile
        raise KeyError(f"unknown profile {profile_id!r}; known: {', '.join(self.ids)}")

    def name(self, profile_id: str, language: str = "en") -> str:
        """Display name of a profile in a language (English when the language is missing)."""
        names = self.get(profile_id).name
        return names.get(language, names["en"])

    def with_prevalence(self, shares: Mapping[str, float]) -> ProfileSet:
        """Replace some or all prevalences; the rest keep their share of what remains.

        Parameters
        ----------
        shares : mapping of profile id to share
            Shares you have better figures for, each in [0, 1], summing to at most 1.
        """
        unknown = set(shares) - set(self.ids)
        if unknown:
            raise KeyError(f"unknown profile(s) {sorted(unknown)}; known: {', '.join(self.ids)}")
        given = sum(shares.values())
        if given > 1 + 1e-9:
            raise ValueError(f"the given shares sum to {given:.3f}, more than 1")
        rest = [p for p in self.profiles if p.id not in shares]
        rest_total = sum(p.prevalence for p in rest)
        updated = []
        for profile in self.profiles:
            if profile.id in shares:
                share = shares[profile.id]
            else:
                share = (1 - given) * (profile.prevalence / rest_total if rest_total else 1 / len(rest))
            updated.append(profile.model_copy(update={"prevalence": share, "prevalence_published": False}))
        return self.model_copy(update={"profiles": updated})


@lru_cache(maxsize=1)
def load_profiles() -> ProfileSet:
    """The seven profiles shipped with profilefit."""
    text = resources.files("profilefit.core").joinpath("data", "profiles.json").read_text(encoding="utf-8")
    return ProfileSet.model_validate_json(text)


__all__ = ["PROFILE_IDS", "Profile", "ProfileSet", "load_profiles"]
