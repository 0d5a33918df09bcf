"""Group differences for the forecast: a cited data file of standardised mean differences per scale.

A file names a reference group and, for each other group, the difference ``d`` on each scale
(the group's mean minus the reference group's, in population standard deviations), with the
source it comes from and whether it is mapped from a published construct or extrapolated.
The shipped file holds published sex differences in personality; an organisation passes
its own file in the same format (JSON or TOML).
"""

from __future__ import annotations

import json
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from annotated_types import Ge, Le, MinLen
from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Built-in differences files, by name.
BUILTIN_DIFFERENCES = {"sex": "sex_differences.json"}
#: The differences the forecast uses unless told otherwise.
DEFAULT_DIFFERENCES = "sex"

Text = Annotated[str, MinLen(1)]
StandardisedDifference = Annotated[float, Ge(-3), Le(3)]


class _Frozen(BaseModel):
    # extra="forbid": a misspelt key ("sorce") must fail, not leave a difference without its source.
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    """A publication the differences come from."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_.-]+$")]
    citation: Text
    url: str | None = None
    what: str | None = None


class ScaleDifference(_Frozen):
    """The difference on one scale, and where it comes from."""

    d: StandardisedDifference
    basis: Literal["published", "mapped", "extrapolated"]
    source: Text
    source_construct: Text
    note: str | None = None


class NotApplied(_Frozen):
    """A source that was read but not used, and why."""

    citation: Text
    why: Text


class GroupDifferences(_Frozen):
    """Standardised mean differences of groups against a reference group, per scale, with sources.

    Parameters
    ----------
    id, title : str
    dimension : str
        What the groups are categories of, for example ``"sex"``.
    reference : str
        The reference group; every ``d`` is another group's mean minus this group's.
    description : str
    verification : str, optional
        How far the values have been checked against their sources; printed with every forecast.
    sources : list of Source
        Every source an entry names.
    groups : dict of group to (dict of scale id to ScaleDifference)
    not_applied : list of NotApplied, optional
    """

    schema_version: Literal["1"] = "1"
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
    title: Text
    dimension: Text
    reference: Text
    description: Text
    verification: str | None = None
    sources: Annotated[list[Source], MinLen(1)]
    groups: Annotated[dict[str, dict[str, ScaleDifference]], MinLen(1)]
    not_applied: list[NotApplied] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sources_and_groups_known(self) -> GroupDifferences:
        known = {source.id for source in self.sources}
        for group, scales in self.groups.items():
            if group == self.reference:
                raise ValueError(f"groups names the reference group {group!r}; its differences are 0 by definition")
            for scale, entry in scales.items():
                if entry.source not in known:
                    raise ValueError(
                        f"groups.{group}.{scale}.source is {entry.source!r}, which is not among the sources' ids "
                        f"({', '.join(sorted(known))})"
                    )
        return self

    @property
    def group_names(self) -> tuple[str, ...]:
        """The reference group, then the others in file order."""
        return (self.reference, *self.groups)

    def d_values(self) -> dict[str, dict[str, float]]:
        """The differences as plain numbers: group, then scale, then ``d``."""
        return {group: {scale: entry.d for scale, entry in scales.items()} for group, scales in self.groups.items()}

    def check_scales(self, scale_ids: tuple[str, ...]) -> None:
        """Fail with a clear message when an entry names a scale the instrument does not have.

        Raises
        ------
        ValueError
        """
        for group, scales in self.groups.items():
            unknown = sorted(set(scales) - set(scale_ids))
            if unknown:
                raise ValueError(
                    f"differences file {self.id!r}: groups.{group} names scale(s) {', '.join(unknown)}, which the "
                    f"instrument does not have; its scales are {', '.join(scale_ids)}"
                )


def load_differences(source: str | Path | None = None) -> GroupDifferences:
    """Read and validate a differences file.

    Parameters
    ----------
    source : str or Path, optional
        A built-in name (``"sex"``, the default) or the path of a ``.json`` or ``.toml`` file.

    Returns
    -------
    GroupDifferences

    Raises
    ------
    FileNotFoundError
        If the path does not exist.
    ValueError
        For another suffix.
    pydantic.ValidationError
        If the file is not a valid differences file; the message names the field.
    """
    if source is None or (isinstance(source, str) and source in BUILTIN_DIFFERENCES):
        return _builtin(source or DEFAULT_DIFFERENCES)
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"no such differences file: {path} (built-in: {', '.join(BUILTIN_DIFFERENCES)})")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".toml":
        return GroupDifferences.model_validate(tomllib.loads(text))
    if path.suffix.lower() == ".json":
        return GroupDifferences.model_validate(json.loads(text))
    raise ValueError(f"{path}: a differences file must end in .json or .toml, not {path.suffix!r}")


@lru_cache(maxsize=4)
def _builtin(name: str) -> GroupDifferences:
    raw = resources.files("profilefit.forecast").joinpath("data", BUILTIN_DIFFERENCES[name]).read_text("utf-8")
    return GroupDifferences.model_validate(json.loads(raw))
