"""Thurstonian parameters as a file: what a forced-choice instrument is scored with.

The instrument file says which statements sit in which block; a parameters file gives each statement's
utility, loading and uniqueness and the traits' correlations. The shipped file comes from the
simulation (docs/thurstonian.md); ``profilefit calibrate`` writes one from an organisation's own
applicants' answers. A parameters file names the instrument and version it belongs to, and
:meth:`ThurstonianParameters.to_model` refuses a design whose statements or traits it does not match.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from annotated_types import Ge, Gt, Lt, MinLen
from pydantic import Field, FiniteFloat, model_validator

from profilefit._frozen import FrozenModel
from profilefit.core.thurstonian._design import ForcedChoiceDesign
from profilefit.core.thurstonian._model import ThurstonianModel

#: The lowest person-fit line a parameters file may hold: below it the flag would fire for no one.
PERSON_FIT_LINE_LOWEST = -0.2


class StatementParameters(FrozenModel):
    """One statement's utility ``mu``, loading ``lambda`` (negative when keyed negatively) and ``psi^2``."""

    utility: FiniteFloat
    loading: FiniteFloat
    uniqueness: Annotated[FiniteFloat, Gt(0)]


class ThurstonianParameters(FrozenModel):
    """The parameters of one forced-choice instrument, as stored in a ``.parameters.json`` file.

    Attributes
    ----------
    schema_version : "profilefit.thurstonian-parameters/1"
    instrument, instrument_version : str
        The instrument (id and version) the parameters were estimated for.
    source : {"simulation", "calibration"}
        ``simulation``: the generating parameters of the documented simulation. ``calibration``:
        estimated from answers (``profilefit calibrate``), with ``n_people`` and ``rmsr``.
    traits : list of str
        Trait (scale) ids, the order of ``trait_correlation``.
    statements : dict
        Statement id to :class:`StatementParameters`.
    trait_correlation : list of lists
        Symmetric, unit diagonal, positive definite.
    note : str
        Where the figures come from, in a sentence or two.
    person_fit_line : float or None
        The person fit below which marks are flagged as following no pattern, set for these parameters
        (:func:`~profilefit.core.thurstonian.person_fit_line`; ``profilefit calibrate`` writes it). Absent
        or ``null``: the line set on the reference simulation (0.005).
    """

    schema_version: Literal["profilefit.thurstonian-parameters/1"] = "profilefit.thurstonian-parameters/1"
    instrument: str = Field(min_length=1)
    instrument_version: str = Field(min_length=1)
    source: Literal["simulation", "calibration"]
    n_people: int | None = None
    rmsr: float | None = None
    note: str = ""
    traits: Annotated[list[str], MinLen(1)]
    statements: Annotated[dict[str, StatementParameters], MinLen(2)]
    trait_correlation: list[list[FiniteFloat]]
    # Person fit is at most log 2 (every comparison certain): a line there would flag every candidate; one
    # below -0.2 would flag no one (marks given at random sit near 0, their 1st percentile about -0.08).
    person_fit_line: Annotated[FiniteFloat, Ge(PERSON_FIT_LINE_LOWEST), Lt(math.log(2))] | None = None

    @model_validator(mode="after")
    def _correlation_is_square(self) -> ThurstonianParameters:
        n = len(self.traits)
        if len(self.trait_correlation) != n or any(len(row) != n for row in self.trait_correlation):
            raise ValueError(f"trait_correlation must be {n} x {n}, one row and column per trait")
        return self

    @classmethod
    def from_model(
        cls,
        model: ThurstonianModel,
        *,
        instrument: str,
        instrument_version: str,
        source: Literal["simulation", "calibration"],
        n_people: int | None = None,
        rmsr: float | None = None,
        note: str = "",
    ) -> ThurstonianParameters:
        """The parameters of a model (its person-fit line too), for writing to a file."""
        statements = {
            statement.id: StatementParameters(
                utility=float(model.utility[k]),
                loading=float(model.loading[k]),
                uniqueness=float(model.uniqueness[k]),
            )
            for k, statement in enumerate(model.design.statements)
        }
        return cls(
            instrument=instrument,
            instrument_version=instrument_version,
            source=source,
            n_people=n_people,
            rmsr=rmsr,
            note=note,
            traits=list(model.design.traits),
            statements=statements,
            trait_correlation=[[float(v) for v in row] for row in model.trait_correlation],
            person_fit_line=model.person_fit_line,
        )

    def to_model(self, design: ForcedChoiceDesign) -> ThurstonianModel:
        """The model of ``design`` with these parameters.

        Raises
        ------
        ValueError
            When the traits differ from the design's, or a statement of the design has no parameters
            (or the file has parameters for statements the design lacks); the message names them.
        """
        if list(design.traits) != self.traits:
            raise ValueError(f"the parameters are for traits {self.traits}, the design has {list(design.traits)}")
        ids = [statement.id for statement in design.statements]
        missing = sorted(set(ids) - set(self.statements))
        extra = sorted(set(self.statements) - set(ids))
        if missing or extra:
            raise ValueError(
                f"the parameters do not match the design's statements: missing {missing}, not in the design {extra}"
            )
        rows = [self.statements[i] for i in ids]
        return ThurstonianModel(
            design,
            utility=np.array([row.utility for row in rows]),
            loading=np.array([row.loading for row in rows]),
            uniqueness=np.array([row.uniqueness for row in rows]),
            trait_correlation=np.array(self.trait_correlation),
            person_fit_line=self.person_fit_line,
        )

    def save(self, path: str | Path) -> None:
        """Write the parameters as indented JSON (without ``person_fit_line`` when it is the reference's)."""
        data = self.model_dump(mode="json")
        if data["person_fit_line"] is None:  # files written before the line existed stay as they were
            del data["person_fit_line"]
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        Path(path).write_text(text, "utf-8")

    @classmethod
    def load(cls, path: str | Path) -> ThurstonianParameters:
        """Read a parameters file written by :meth:`save` (or by ``profilefit calibrate``).

        Strictly, as the file is meant to be written: a key given twice is refused (JSON keeps the last one
        silently), and numbers must be JSON numbers (``"0.2"`` or ``true`` are refused).

        Raises
        ------
        ValueError
            A key given twice (``json.JSONDecodeError`` when the text is not JSON).
        pydantic.ValidationError
            When a value breaks the file's rules.
        """
        data = json.loads(Path(path).read_text("utf-8"), object_pairs_hook=_refuse_repeated_keys)
        return cls.model_validate(data, strict=True)


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key!r} is given more than once")
        found[key] = value
    return found
