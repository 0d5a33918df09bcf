"""Group differences for the forecast: a cited data file of standardised mean differences per scale.

A file names a reference group and, for each other group, the difference ``d`` on each scale
(the group's mean minus the reference group's, in population standard deviations), with the
source it comes from and whether it is mapped from a published construct or extrapolated.
The shipped file holds published sex differences in personality; an organisation passes
its own file in the same format (JSON or TOML).

The texts a forecast page shows (the title, the group names, the note on how far the values are
checked) can be given per language, ``{"en": ..., "nb": ...}``; a plain string is the English text.
English is the fallback for a language the file does not give. Citations stay as published.
"""

from __future__ import annotations

import json
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from annotated_types import Ge, Le, MinLen
from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from profilefit._frozen import FrozenModel

#: Built-in differences files, by name.
BUILTIN_DIFFERENCES = {"sex": "sex_differences.json"}
#: The differences the forecast uses unless told otherwise.
DEFAULT_DIFFERENCES = "sex"

Text = Annotated[str, MinLen(1)]
StandardisedDifference = Annotated[float, Ge(-3), Le(3)]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]


def _english_if_plain(value: object) -> object:
    # A plain string is the English text: files written before translations existed keep validating.
    return {"en": value} if isinstance(value, str) else value


def _has_english(value: dict[str, str]) -> dict[str, str]:
    if "en" not in value:
        raise ValueError(f"needs an English ('en') text, the fallback language; got {', '.join(sorted(value))}")
    return value


#: A text in one or more languages (language code to text), English required; a plain string is English.
Translated = Annotated[
    dict[LanguageCode, Text], BeforeValidator(_english_if_plain), AfterValidator(_has_english), MinLen(1)
]


class Source(FrozenModel):
    """A publication the differences come from."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_.-]+$")]
    citation: Text
    url: str | None = None
    what: str | None = None


class ScaleDifference(FrozenModel):
    """The difference on one scale, and where it comes from."""

    d: StandardisedDifference
    basis: Literal["published", "mapped", "extrapolated"]
    source: Text
    source_construct: Text
    note: str | None = None


class NotApplied(FrozenModel):
    """A source that was read but not used, and why."""

    citation: Text
    why: Text


class GroupDifferences(FrozenModel):
    """Standardised mean differences of groups against a reference group, per scale, with sources.

    Parameters
    ----------
    id : str
    title : dict of language to str
        The title per language (English required); a plain string is read as the English title.
    dimension : str
        What the groups are categories of, for example ``"sex"``.
    reference : str
        The reference group; every ``d`` is another group's mean minus this group's.
    description : str
    verification : dict of language to str, optional
        How far the values have been checked against their sources, per language (English required);
        printed with every forecast.
    group_labels : dict of group to (dict of language to str), optional
        What a page calls each group in each language (English required); a group left out is shown by its key.
    sources : list of Source
        Every source an entry names.
    groups : dict of group to (dict of scale id to ScaleDifference)
    not_applied : list of NotApplied, optional
    """

    schema_version: Literal["1"] = "1"
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
    title: Translated
    dimension: Text
    reference: Text
    description: Text
    verification: Translated | None = None
    group_labels: dict[str, Translated] = Field(default_factory=dict)
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

    @model_validator(mode="after")
    def _named_groups_exist(self) -> GroupDifferences:
        # A misspelt group key would leave the real group unnamed in every language without a word.
        unknown = sorted(set(self.group_labels) - {self.reference, *self.groups})
        if unknown:
            raise ValueError(
                f"group_labels names {', '.join(map(repr, unknown))}, which is neither the reference group nor "
                f"among groups ({', '.join([self.reference, *self.groups])})"
            )
        return self

    def text(self, field: Literal["title", "verification"], language: str = "en") -> str | None:
        """The title or the verification note in ``language``, English when the file does not give that language."""
        texts: dict[str, str] | None = getattr(self, field)
        return None if texts is None else texts.get(language, texts["en"])

    def group_label(self, group: str, language: str = "en") -> str:
        """What a page calls ``group`` in ``language``: its name there, else its English name, else its key."""
        names = self.group_labels.get(group)
        return group if names is None else names.get(language, names["en"])

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
    raw = resources.files("profilefit.evidence.forecast").joinpath("data", BUILTIN_DIFFERENCES[name]).read_text("utf-8")
    return GroupDifferences.model_validate(json.loads(raw))
