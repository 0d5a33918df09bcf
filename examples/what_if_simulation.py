"""How well could any classifier do under your assumptions? A model next to both yardsticks.

Run as it is:  python examples/what_if_simulation.py
With other assumptions (any parameter of profilefit.data.simulate.SimulationConfig):

    python examples/what_if_simulation.py careless_share=0.20 discrimination_low=0.7 discrimination_high=1.5

It simulates candidates under the reference assumptions with your changes, trains a classifier
on 10,000 of them, and prints, on 3,000 others, the model's figures next to the answer-level
Bayes classifier (the best any classifier of these answers can do) and the true-trait ceiling,
with the resulting scale alphas and situational consistency. Everything is simulated
(docs/simulation.md); it says what your assumptions imply, not how real candidates behave.
"""

from __future__ import annotations

import json
import sys

from pydantic import ValidationError

from profilefit.core.classifier import ProfileClassifier
from profilefit.core.classifier._evaluate import evaluate_probabilities
from profilefit.core.scoring import scale_reliability, score_responses
from profilefit.data.simulate import (
    SimulationConfig,
    answer_probabilities,
    oracle_probabilities,
    simulate,
    situational_consistency,
)


def what_if(overrides: dict[str, object], *, n_train: int = 10_000, n_test: int = 3_000, draws: int = 256) -> str:
    """The model and both yardsticks under the reference simulation with ``overrides``, as text."""
    config = SimulationConfig.reference(**overrides)
    train = simulate(n_train, seed=1, config=config, id_prefix="train")
    test = simulate(n_test, seed=2, config=config, id_prefix="test")
    model = ProfileClassifier(random_state=0).fit(score_responses(train.responses).features(), train.profiles)
    classes = [str(c) for c in model.classes_]
    columns = [config.profile_ids.index(c) for c in classes]
    alphas = [r.alpha for r in scale_reliability(test.responses)]
    kr20 = list(situational_consistency(test.responses).values())
    lines = [
        f"assumptions changed: {json.dumps(overrides) if overrides else 'none (the reference simulation)'}",
        f"scale alpha {min(alphas):.2f}-{max(alphas):.2f}, situational KR-20 {min(kr20):.2f}-{max(kr20):.2f}, "
        f"careless {100 * test.careless.mean():.1f} %",
        f"{'':32}{'macro-F1':>10}{'accuracy':>10}{'ECE':>8}",
    ]
    for name, probabilities in (
        ("model trained on the answers", model.predict_proba(score_responses(test.responses).features())),
        ("answer-level Bayes classifier", answer_probabilities(test.responses, config, n_draws=draws)[:, columns]),
        ("true-trait Bayes ceiling", oracle_probabilities(test.traits, config)[:, columns]),
    ):
        figures = evaluate_probabilities(test.profiles, probabilities, classes, min_confidence=0.4)
        lines.append(f"{name:<32}{figures['macro_f1']:>10.4f}{figures['accuracy']:>10.4f}{figures['ece']:>8.4f}")
    return "\n".join(lines)


def parse(arguments: list[str]) -> dict[str, object]:
    """``name=value`` pairs; values are read as JSON (numbers, lists, objects) or kept as text."""
    overrides: dict[str, object] = {}
    for argument in arguments:
        name, separator, value = argument.partition("=")
        if not separator:
            raise SystemExit(f"expected name=value, got {argument!r}")
        try:
            overrides[name] = json.loads(value)
        except json.JSONDecodeError:
            overrides[name] = value
    return overrides


if __name__ == "__main__":
    try:
        print(what_if(parse(sys.argv[1:])))
    except ValidationError as error:  # a misspelt parameter or a value out of range, said plainly
        raise SystemExit(f"not a valid simulation: {error}") from None
