"""Synthetic hiring outcomes for the bundled sample export, so a validation study can be tried without real data.

The 400 candidates of ``profilefit/data/sample_export.csv`` are drawn from the reference simulation
with :data:`profilefit.datasets.SAMPLE_SEED`, so their true traits are known. Half of them are hired,
on the reference model's complex-case fit plus interview noise (direct range restriction); only the
hired have outcomes. Two outcomes are simulated with the documented models of
:func:`profilefit.simulate.outcome_models`: a supervisor rating of complex-case resolution (given only
to those still employed at six months, as such ratings are) and six-month retention (yes/no).
Two extra rows belong to people hired by another route, whose assessments were rejected: they have
no result and show up as unmatched. Nothing here describes a real person.

Regenerate the bundled file (a test checks it is current)::

    python -c "from profilefit.validation import write_sample_outcomes as w; w('src/profilefit/data')"
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

import numpy as np

SAMPLE_OUTCOMES = "sample_outcomes.csv"
#: Seed of the bundled outcomes: hiring, then each outcome, from this seed and the two after it.
SAMPLE_OUTCOMES_SEED = 6161
#: Share of the sample's candidates with a complete fit who are hired.
HIRED_SHARE = 0.5
#: SD of the interview's disagreement with the screen, in units of the fit's SD.
INTERVIEW_NOISE = 0.6
OUTCOME_COLUMNS = ("candidate_id", "resolution_rating", "retained_6m")


def sample_outcomes_path() -> Path:
    """The bundled synthetic outcomes of the hired candidates of the bundled sample export."""
    return Path(str(resources.files("profilefit").joinpath("data", SAMPLE_OUTCOMES)))


def sample_outcomes_csv() -> str:
    """The bundled outcomes file's text, computed from the fixed seeds (see the module docstring)."""
    from profilefit.datasets import SAMPLE_SEED, sample_export_path
    from profilefit.instrument import load_instrument
    from profilefit.io import read_assessments
    from profilefit.screening import Screener
    from profilefit.simulate import SimulationConfig, outcome_models, select_hired, simulate, simulate_outcome

    instrument = load_instrument()
    config = SimulationConfig.reference()
    truth = simulate(400, seed=SAMPLE_SEED, config=config, instrument=instrument)
    responses, _, _ = read_assessments(sample_export_path(), instrument)
    ids = [str(candidate_id) for candidate_id in responses.candidate_ids]
    expected = [f"cand-{k:04d}" for k in range(1, 401)]
    if ids != expected:
        raise ValueError("the bundled sample export no longer holds cand-0001 to cand-0400 in order; regenerate it")
    fit = Screener.load().score_responses(responses).fit
    assert fit is not None  # the reference screener always has the complex-case role
    scores = np.where(np.asarray(fit.band) == "", np.nan, fit.score)
    hired = select_hired(scores, share=HIRED_SHARE, noise=INTERVIEW_NOISE, seed=SAMPLE_OUTCOMES_SEED)
    models = outcome_models()
    rating = simulate_outcome(truth.traits, config.traits, models["resolution_rating"], seed=SAMPLE_OUTCOMES_SEED + 1)
    retained = simulate_outcome(truth.traits, config.traits, models["retained_6m"], seed=SAMPLE_OUTCOMES_SEED + 2)

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(OUTCOME_COLUMNS)
    for k in np.flatnonzero(hired):
        stayed = bool(retained.observed[k])
        writer.writerow([ids[k], f"{float(rating.observed[k]):.1f}" if stayed else "", "yes" if stayed else "no"])
    # Hired by another route: their assessments are among the export's rejected rows, so they have no result.
    writer.writerow(["cand-0401", "3.6", "yes"])
    writer.writerow(["cand-0402", "", "no"])
    return buffer.getvalue()


def write_sample_outcomes(directory: str | Path) -> Path:
    """Write ``sample_outcomes.csv`` into ``directory`` and return its path."""
    path = Path(directory) / SAMPLE_OUTCOMES
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sample_outcomes_csv(), encoding="utf-8")
    return path
