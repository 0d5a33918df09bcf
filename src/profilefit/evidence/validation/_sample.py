"""Synthetic hiring outcomes for the bundled sample export, so a validation study can be tried without real data.

The 400 candidates of ``profilefit/data/sample_export.csv`` are drawn from the reference simulation
with :data:`profilefit.data.datasets.SAMPLE_SEED`, so their true traits are known. Half of them are hired,
on the reference model's complex-case fit plus interview noise (direct range restriction); only the
hired have outcomes. Two outcomes are simulated with the documented models of
:func:`profilefit.data.simulate.outcome_models`: a supervisor rating of complex-case resolution (given only
to those still employed at six months, as such ratings are) and six-month retention (yes/no).
Two extra rows belong to people hired by another route, whose assessments were rejected: they have
no result and show up as unmatched. Nothing here describes a real person.

Regenerate the bundled file (a test checks it is current)::

    python -c "from profilefit.evidence.validation import write_sample_outcomes as w; w('src/profilefit/data')"
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from profilefit.evidence.validation._inputs import INCOMPLETE, read_applicants

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
    from profilefit.core.instrument import load_instrument
    from profilefit.core.screening import Screener
    from profilefit.data.batch import collect_responses
    from profilefit.data.datasets import SAMPLE_SEED, sample_export_path
    from profilefit.data.simulate import SimulationConfig, simulate

    instrument = load_instrument()
    config = SimulationConfig.reference()
    truth = simulate(400, seed=SAMPLE_SEED, config=config, instrument=instrument)
    responses = collect_responses(sample_export_path(), instrument).responses
    ids = [str(candidate_id) for candidate_id in responses.candidate_ids]
    expected = [f"cand-{k:04d}" for k in range(1, 401)]
    if ids != expected:
        raise ValueError("the bundled sample export no longer holds cand-0001 to cand-0400 in order; regenerate it")
    fit = Screener.load().score_responses(responses).fit
    assert fit is not None  # the reference screener always has the complex-case role
    scores = np.where(np.asarray(fit.band) == "", np.nan, fit.score)
    text = _outcomes_csv(ids, scores, truth.traits, list(config.traits), SAMPLE_OUTCOMES_SEED)
    # Hired by another route: their assessments are among the export's rejected rows, so they have no result.
    return text + "cand-0401,3.6,yes\ncand-0402,,no\n"


def _outcomes_csv(
    ids: list[str], fit: NDArray[np.float64], traits: NDArray[np.float64], trait_names: list[str], seed: int
) -> str:
    """Hire on the fit, draw both outcomes from the true traits, and write the hired people's rows."""
    from profilefit.data.simulate import outcome_models, select_hired, simulate_outcome

    hired = select_hired(fit, share=HIRED_SHARE, noise=INTERVIEW_NOISE, seed=seed)
    models = outcome_models()
    rating = simulate_outcome(traits, trait_names, models["resolution_rating"], seed=seed + 1)
    retained = simulate_outcome(traits, trait_names, models["retained_6m"], seed=seed + 2)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(OUTCOME_COLUMNS)
    for k in np.flatnonzero(hired):
        stayed = bool(retained.observed[k])
        # Supervisors rate only those still employed at six months: leavers have a blank rating.
        writer.writerow([ids[k], f"{float(rating.observed[k]):.1f}" if stayed else "", "yes" if stayed else "no"])
    return buffer.getvalue()


def write_simulated_centre(directory: str | Path, *, applicants: int = 3000, seed: int = 7070) -> tuple[Path, Path]:
    """Simulate a larger centre: an export of ``applicants`` people, their results, and the hired people's outcomes.

    The same models as the bundled outcomes (see the module docstring), for studies larger than the
    bundled 400. Writes ``centre_export.csv``, ``centre_results.csv`` (with its rejects file) and
    ``centre_outcomes.csv`` into ``directory``.

    Returns
    -------
    results, outcomes : Path
    """
    from profilefit.data.batch import score_file
    from profilefit.data.datasets import export_csv
    from profilefit.data.simulate import SimulationConfig, simulate

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = SimulationConfig.reference()
    truth = simulate(applicants, seed=seed, config=config, id_prefix="centre")
    export = directory / "centre_export.csv"
    export.write_text(export_csv(truth.responses, nordic=False), encoding="utf-8")
    results = directory / "centre_results.csv"
    score_file(export, results)
    scored = read_applicants(results)
    ids = [str(candidate_id) for candidate_id in truth.responses.candidate_ids]
    by_id = dict(zip(scored.ids, np.where(scored.band == INCOMPLETE, np.nan, scored.fit).tolist(), strict=True))
    fit = np.array([by_id.get(candidate_id, np.nan) for candidate_id in ids])
    outcomes = directory / "centre_outcomes.csv"
    outcomes.write_text(_outcomes_csv(ids, fit, truth.traits, list(config.traits), seed + 10), encoding="utf-8")
    return results, outcomes


def write_sample_outcomes(directory: str | Path) -> Path:
    """Write ``sample_outcomes.csv`` into ``directory`` and return its path."""
    path = Path(directory) / SAMPLE_OUTCOMES
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sample_outcomes_csv(), encoding="utf-8")
    return path
