"""Simulated answers to instrument 2.0 and a small model trained on them, for the 2.0 tests.

Everything here reads the instrument's structure (block ids, labels, scale ids, scenarios, checks)
and the shipped parameters file, never a text or a parameter value, so it holds when either file is
replaced. The answers come from the engine's own simulation with the shipped parameters.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from profilefit.core.instrument import BLOCK_ANSWERS, Instrument, load_instrument
from profilefit.core.scoring import block_answer_codes, load_parameters
from profilefit.core.thurstonian import simulate_answers

#: Two profiles the labels are drawn from: enough for a classifier, and both in the default role.
LABELS = ("controller", "empathizer")


def forced_choice_instrument() -> Instrument:
    return load_instrument("customer-contact-2.0")


def simulated_rows(n: int, *, seed: int, missing_share: float = 0.0) -> tuple[list[dict[str, Any]], np.ndarray]:
    """``n`` simulated candidates' rows (two-letter answers, scenarios, checks, seconds), and their true traits.

    The label (key ``profile``) is the first of :data:`LABELS` when the candidate's first scale is above
    their third, else the second: a rule the scale scores can learn.
    """
    instrument = forced_choice_instrument()
    model = load_parameters(instrument)
    simulated = simulate_answers(model, n, seed=seed)
    codes = block_answer_codes(np.asarray(simulated.answers))
    rng = np.random.default_rng(seed + 1)
    codes[rng.random(codes.shape) < missing_share] = -1
    traits = np.asarray(simulated.traits)
    rows = []
    for person in range(n):
        row: dict[str, Any] = {"candidate_id": f"fc-{seed}-{person:04d}"}
        for column, block_id in enumerate(instrument.block_ids):
            if codes[person, column] >= 0:
                row[block_id] = BLOCK_ANSWERS[int(codes[person, column])]
        for scenario in instrument.scenarios:
            row[scenario.id] = scenario.options[int(rng.integers(len(scenario.options)))].id
        for check in instrument.attention_checks:
            row[check.id] = check.expected if check.expected is not None else int(rng.integers(1, 5))
        row["completion_seconds"] = round(float(rng.uniform(600, 1200)), 1)
        row["profile"] = LABELS[0] if traits[person, 0] > traits[person, 2] else LABELS[1]
        rows.append(row)
    return rows, traits


def train_small_model(folder: Path, *, n: int = 160, seed: int = 11) -> Path:
    """Train a model on ``n`` simulated 2.0 candidates (two folds) and return its model path."""
    from profilefit.data.training import train_on_labels

    rows, _ = simulated_rows(n, seed=seed)
    labelled = folder / "labelled.jsonl"
    labelled.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    report = train_on_labels(labelled, folder / "model", instrument=forced_choice_instrument(), folds=2)
    return Path(report.model_path)


#: A seed whose random marks fire ``contradictory`` alone on the shipped 2.0 reference model (its tests check it).
RANDOM_MARKS_SEED = 7


def random_marks(*, seed: int = RANDOM_MARKS_SEED, candidate_id: str = "random-marks") -> dict[str, Any]:
    """One candidate who marks every block of 2.0 at random, with the checks answered as asked and time enough.

    Only the marks can raise a flag: the answers that the person-fit flag (``contradictory``) exists for.
    """
    instrument = forced_choice_instrument()
    rng = np.random.default_rng(seed)
    row: dict[str, Any] = {"candidate_id": candidate_id, "completion_seconds": 900}
    row.update({block: BLOCK_ANSWERS[int(rng.integers(len(BLOCK_ANSWERS)))] for block in instrument.block_ids})
    # Instructed checks as asked; the improbable-virtue statements in the middle of the scale, claiming nothing.
    row.update({check.id: 3 if check.expected is None else check.expected for check in instrument.attention_checks})
    row.update({scenario.id: scenario.options[0].id for scenario in instrument.scenarios})
    return row
