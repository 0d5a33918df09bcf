"""Thurstonian IRT: normative trait scores from forced-choice (most/least) answers.

Blocks of statements from different traits; the candidate marks the statement most and the one least
like them. Each block is coded as binary comparisons and scored with the probit model of Brown &
Maydeu-Olivares (2011). See docs/thurstonian.md.

- :class:`ForcedChoiceDesign`, :class:`Statement`: the blocks (what the instrument file will fill);
  :func:`check_design` lists what keeps normative scores from being identified; :func:`balanced_design`
  makes a design in code.
- :class:`ThurstonianModel`: the design with utilities, loadings, uniquenesses and trait correlations.
- :func:`simulate_answers`: people and their answers from known parameters.
- :func:`score`: MAP or EAP trait scores with standard errors, for a batch at once; :func:`fit_over_chance`:
  how much better than chance a person's estimates explain their marks (person fit); :func:`person_fit_line`:
  the line below which it flags, set for a model's parameters by simulation.
- :class:`ThurstonianParameters`: a model's parameters as a file, matched to a design by statement id.
- :func:`calibrate`: the parameters from many people's answers, by limited-information least squares.
"""

from profilefit.core.thurstonian._answers import (
    MISSING,
    SimulatedAnswers,
    comparisons,
    simulate_answers,
    validate_answers,
)
from profilefit.core.thurstonian._calibrate import Calibration, calibrate, tetrachoric
from profilefit.core.thurstonian._design import (
    DesignProblem,
    ForcedChoiceDesign,
    ForcedChoiceDesignError,
    Layout,
    Statement,
    balanced_design,
    check_design,
    layout,
    require_identifiable,
)
from profilefit.core.thurstonian._model import ThurstonianModel, example_model
from profilefit.core.thurstonian._parameters import StatementParameters, ThurstonianParameters
from profilefit.core.thurstonian._person_fit import PERSON_FIT_FALSE_ALARM, PersonFitLine, person_fit_line
from profilefit.core.thurstonian._score import (
    TraitScores,
    empirical_reliability,
    fit_over_chance,
    map_row,
    map_row_fit,
    score,
)

__all__ = [
    "MISSING",
    "PERSON_FIT_FALSE_ALARM",
    "Calibration",
    "DesignProblem",
    "ForcedChoiceDesign",
    "ForcedChoiceDesignError",
    "Layout",
    "PersonFitLine",
    "SimulatedAnswers",
    "Statement",
    "StatementParameters",
    "ThurstonianModel",
    "ThurstonianParameters",
    "TraitScores",
    "balanced_design",
    "calibrate",
    "check_design",
    "comparisons",
    "empirical_reliability",
    "example_model",
    "fit_over_chance",
    "layout",
    "map_row",
    "map_row_fit",
    "person_fit_line",
    "require_identifiable",
    "score",
    "simulate_answers",
    "tetrachoric",
    "validate_answers",
]
