"""The reference model next to the two yardsticks, and how its figures move with the simulation's assumptions.

Prints the figures docs/model-card.md and docs/model.md quote:

    python benchmarks/model_evidence.py                       # 3 to 6 minutes on 2 busy cores
    python benchmarks/model_evidence.py --card docs/model-card.md --doc docs/model.md

1. **Headline.** The shipped reference model on candidates it never saw (a fresh seed, at
   the published-reliability reference simulation): macro-F1, accuracy, expected calibration
   error, the share left undetermined and retest consistency, next to
   - the answer-level Bayes classifier (``profilefit.data.simulate.answer_probabilities``): the
     posterior over profiles given the answers, with the simulation's own item parameters —
     the best any classifier of these answers can do;
   - the true-trait Bayes ceiling (``oracle_probabilities``), which sees traits no assessment shows.
   Targets: macro-F1 within 2 points of the answer-level Bayes classifier, ECE at most 0.03.
2. **Sensitivity.** For each setting — reliability low, published and high; careless responding
   4 % and 12 %; situational sensitivity low and high — a model is retrained the way the shipped
   one was (``--n-train``, 60,000 candidates; training takes seconds) and measured the same way on
   10,000 fresh candidates (``--n-sensitivity-test``; fewer than the headline's 20,000, and the
   answer-level Bayes classifier with 256 draws instead of 512, to keep the run to minutes).

3. **Instrument 2.0.** The shipped 2.0 reference model (``models/reference-2``, trained on the
   forced-choice simulation: ``python -m profilefit.data.training reference --instrument
   customer-contact-2.0``) on fresh simulated 2.0 candidates (``--n-test-2``, 10,000), next to the
   2.0 answer-level Bayes classifier (``forced_choice_answer_probabilities``, exact triplet ranking
   probabilities) and the true-trait ceiling; the yardstick's Monte Carlo error; and, on 2,000 of
   those candidates, the difference the TIRT pairwise-probit approximation of a block's likelihood
   makes to the yardstick. No retest: the forced-choice simulation has none.

With ``--card`` / ``--doc`` the printed text is also written between the
``<!-- model-evidence:start -->`` and ``<!-- model-evidence:end -->`` markers of those files (1.2),
and the 2.0 part between ``<!-- model-evidence-2:start -->`` and ``<!-- model-evidence-2:end -->``
(with ``--card``, also into the 2.0 model's own card, ``models/reference-2/model-card.md``).
``--part 1.2`` or ``--part 2.0`` runs (and writes) one part only.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from profilefit.core.artifact import load_artifact
from profilefit.core.classifier import ProfileClassifier
from profilefit.core.classifier._evaluate import evaluate_probabilities
from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import Responses, load_parameters, scale_reliability, score_responses
from profilefit.data.simulate import (
    REFERENCE_SEED,
    SimulationConfig,
    answer_probabilities,
    forced_choice_answer_probabilities,
    oracle_probabilities,
    retest,
    simulate,
    simulate_forced_choice,
    simulation_model,
    situational_consistency,
)
from profilefit.data.training import DEFAULT_MIN_CONFIDENCE, forced_choice_responses, reference_2_model_path
from profilefit.data.training._card import EVIDENCE_2_END as END_2
from profilefit.data.training._card import EVIDENCE_2_START as START_2
from profilefit.data.training._card import EVIDENCE_END as END
from profilefit.data.training._card import EVIDENCE_START as START
from profilefit.data.training._card import write_marked_section

#: Seeds no shipped model or bundled file was drawn from (training used 20261123-20261125).
EVALUATION_SEED = REFERENCE_SEED + 1000

#: Candidates of the exact-against-pairwise comparison of the 2.0 yardstick.
N_LIKELIHOOD_CHECK = 2_000

#: The sensitivity settings: overrides of the reference simulation.
SETTINGS: list[tuple[str, dict[str, Any]]] = [
    ("published (reference)", {}),
    ("reliability low (discrimination 0.6-1.3)", {"discrimination_low": 0.6, "discrimination_high": 1.3}),
    ("reliability high (discrimination 1.4-2.8)", {"discrimination_low": 1.4, "discrimination_high": 2.8}),
    ("careless 4 %", {"careless_share": 0.04}),
    ("careless 12 %", {"careless_share": 0.12}),
    ("situational sensitivity low (0.8)", {"sjt_sensitivity": 0.8}),
    ("situational sensitivity high (1.8)", {"sjt_sensitivity": 1.8}),
]


def measure(
    predict: Any,
    config: SimulationConfig,
    instrument: Instrument,
    n_test: int,
    seed: int,
    draws: int,
    min_confidence: float,
) -> dict[str, Any]:
    """Figures of one model and both yardsticks on fresh candidates of ``config``."""
    test = simulate(n_test, seed=seed, config=config, instrument=instrument, id_prefix="evidence")
    again = retest(test, seed=seed + 1)
    classes = list(predict.classes)
    columns = [config.profile_ids.index(c) for c in classes]

    def figures(probabilities: NDArray[np.float64], retest_probabilities: NDArray[np.float64] | None) -> Any:
        return evaluate_probabilities(
            test.profiles,
            probabilities,
            classes,
            min_confidence=min_confidence,
            retest_probabilities=retest_probabilities,
        )

    bayes = answer_probabilities(test.responses, config, n_draws=draws, seed=seed)[:, columns]
    bayes_again = answer_probabilities(again.responses, config, n_draws=draws, seed=seed + 1)[:, columns]
    oracle = oracle_probabilities(test.traits, config)[:, columns]
    return {
        "model": figures(predict(test.responses), predict(again.responses)),
        "answer_bayes": figures(bayes, bayes_again),
        "ceiling": figures(oracle, oracle),  # the same traits at retest: consistency 1 by construction
        "alpha": [r.alpha for r in scale_reliability(test.responses)],
        "kr20": list(situational_consistency(test.responses).values()),
        "careless": float(test.careless.mean()),
    }


class _Predict:
    """Probabilities of a fitted classifier for a set of responses."""

    def __init__(self, estimator: ProfileClassifier) -> None:
        self.estimator = estimator
        self.classes = [str(c) for c in estimator.classes_]

    def __call__(self, responses: Responses) -> NDArray[np.float64]:
        probabilities: NDArray[np.float64] = self.estimator.predict_proba(score_responses(responses).features())
        return probabilities


def headline(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The shipped model against both yardsticks at the reference simulation."""
    artifact = load_artifact(args.model)
    manifest = artifact.manifest
    config = SimulationConfig.reference()
    result = measure(
        _Predict(artifact.estimator),
        config,
        artifact.instrument,
        args.n_test,
        EVALUATION_SEED,
        args.draws,
        manifest.min_confidence,
    )
    model, bayes, ceiling = result["model"], result["answer_bayes"], result["ceiling"]
    gap = bayes["macro_f1"] - model["macro_f1"]
    # Monte Carlo error of the yardstick: the same candidates with other draws.
    check = simulate(min(args.n_test, 5_000), seed=EVALUATION_SEED, config=config, instrument=artifact.instrument)
    first = answer_probabilities(check.responses, config, n_draws=args.draws, seed=EVALUATION_SEED)
    second = answer_probabilities(check.responses, config, n_draws=args.draws, seed=EVALUATION_SEED + 99)
    mc_mean = float(np.abs(first - second).mean())
    mc_agree = float((first.argmax(axis=1) == second.argmax(axis=1)).mean())
    alpha, kr20 = result["alpha"], result["kr20"]
    lines = [
        f"- Reference model {manifest.model_id} (sha256 {manifest.sha256[:12]}), instrument "
        f"{manifest.instrument_id} {manifest.instrument_version}, trained on the simulation "
        f"{manifest.training.get('simulation', {}).get('name')}; evaluated on the reference simulation {config.name}.",
        f"- Evaluated on {args.n_test} fresh simulated candidates (seed {EVALUATION_SEED}, retest seed "
        f"{EVALUATION_SEED + 1}; training used seeds {manifest.seed}-{manifest.seed + 2}).",
        f"- Simulated data: scale alpha {min(alpha):.2f}-{max(alpha):.2f} (mean {np.mean(alpha):.2f}), "
        f"situational KR-20 {min(kr20):.2f}-{max(kr20):.2f} (mean {np.mean(kr20):.2f}), "
        f"careless {100 * result['careless']:.1f} %.",
        f"- Answer-level Bayes: {args.draws} importance-sampling draws per candidate; two runs with other draws "
        f"differ by {mc_mean:.4f} per probability on average and agree on the top profile for "
        f"{100 * mc_agree:.1f} % of {len(check.responses)} candidates.",
        "",
        "| | macro-F1 | accuracy | ECE | undetermined | retest consistency |",
        "|---|---|---|---|---|---|",
    ]
    for name, figures in (
        ("reference model", model),
        ("answer-level Bayes classifier", bayes),
        ("true-trait Bayes ceiling", ceiling),
    ):
        lines.append(
            f"| {name} | {figures['macro_f1']:.4f} | {figures['accuracy']:.4f} | {figures['ece']:.4f} | "
            f"{figures['undetermined_share']:.4f} | {figures['consistency']:.4f} |"
        )
    lines += [
        "",
        f"- macro-F1 gap to the answer-level Bayes classifier: {gap:.4f} "
        f"(target at most 0.02: {'met' if gap <= 0.02 else 'NOT met'})",
        f"- macro-F1 gap to the true-trait ceiling: {ceiling['macro_f1'] - model['macro_f1']:.4f}",
        f"- expected calibration error: {model['ece']:.4f} "
        f"(target at most 0.03: {'met' if model['ece'] <= 0.03 else 'NOT met'})",
    ]
    return "\n".join(lines), result


def sensitivity(args: argparse.Namespace) -> str:
    """One retrained model per setting, each against both yardsticks."""
    instrument = load_instrument()
    lines = [
        f"Sensitivity: a model retrained per setting on {args.n_train} simulated candidates (seed {REFERENCE_SEED}), "
        f"measured on {args.n_sensitivity_test} fresh ones (seed {EVALUATION_SEED + 10}) and their retest; "
        f"answer-level Bayes with {args.sensitivity_draws} draws.",
        "",
        "| setting | scale alpha (mean) | situational KR-20 (mean) | macro-F1 | accuracy | ECE | undetermined "
        "| retest consistency | answer-level Bayes macro-F1 / accuracy | true-trait ceiling macro-F1 / accuracy "
        "| gap to answer-level Bayes |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, overrides in SETTINGS:
        config = SimulationConfig.reference(**overrides)
        train = simulate(args.n_train, seed=REFERENCE_SEED, config=config, instrument=instrument, id_prefix="train")
        estimator = ProfileClassifier(random_state=REFERENCE_SEED).fit(
            score_responses(train.responses).features(), train.profiles
        )
        result = measure(
            _Predict(estimator),
            config,
            instrument,
            args.n_sensitivity_test,
            EVALUATION_SEED + 10,
            args.sensitivity_draws,
            DEFAULT_MIN_CONFIDENCE,
        )
        model, bayes, ceiling = result["model"], result["answer_bayes"], result["ceiling"]
        lines.append(
            f"| {label} | {np.mean(result['alpha']):.2f} | {np.mean(result['kr20']):.2f} | {model['macro_f1']:.4f} "
            f"| {model['accuracy']:.4f} | {model['ece']:.4f} | {model['undetermined_share']:.4f} "
            f"| {model['consistency']:.4f} | {bayes['macro_f1']:.4f} / {bayes['accuracy']:.4f} "
            f"| {ceiling['macro_f1']:.4f} / {ceiling['accuracy']:.4f} | {bayes['macro_f1'] - model['macro_f1']:.4f} |"
        )
    return "\n".join(lines)


def forced_choice_part(args: argparse.Namespace) -> str:
    """The 2.0 reference model against the 2.0 yardsticks, and the exact-against-pairwise check."""
    path = args.model_2 or reference_2_model_path()
    artifact = load_artifact(path)
    manifest, instrument = artifact.manifest, artifact.instrument
    config = SimulationConfig.reference()
    seed = EVALUATION_SEED + 20
    test = simulate_forced_choice(args.n_test_2, instrument, seed=seed, config=config, id_prefix="evidence")
    responses = forced_choice_responses(test)
    classes = [str(c) for c in artifact.estimator.classes_]
    columns = [config.profile_ids.index(c) for c in classes]

    def figures(probabilities: NDArray[np.float64]) -> Any:
        return evaluate_probabilities(test.profiles, probabilities, classes, min_confidence=manifest.min_confidence)

    started = time.perf_counter()
    bayes_all = forced_choice_answer_probabilities(responses, config, n_draws=args.draws, seed=seed)
    bayes_seconds = time.perf_counter() - started
    model = figures(artifact.estimator.predict_proba(score_responses(responses).features()))
    bayes = figures(bayes_all[:, columns])
    ceiling = figures(oracle_probabilities(test.traits, config)[:, columns])
    gap = bayes["macro_f1"] - model["macro_f1"]

    check = responses.take(np.arange(min(N_LIKELIHOOD_CHECK, len(responses))))
    truth = test.profiles[: len(check)]
    other = forced_choice_answer_probabilities(check, config, n_draws=args.draws, seed=seed + 99)
    mc_mean = float(np.abs(bayes_all[: len(check)] - other).mean())
    mc_agree = float((bayes_all[: len(check)].argmax(axis=1) == other.argmax(axis=1)).mean())
    pairwise = forced_choice_answer_probabilities(check, config, n_draws=args.draws, seed=seed, likelihood="pairwise")
    exact = bayes_all[: len(check)]
    small = [
        evaluate_probabilities(truth, p[:, columns], classes, min_confidence=manifest.min_confidence)
        for p in (exact, pairwise)
    ]
    shipped, generating = load_parameters(instrument), simulation_model(instrument, config)
    difference = max(
        float(np.abs(getattr(shipped, name) - getattr(generating, name)).max())
        for name in ("utility", "loading", "uniqueness", "trait_correlation")
    )
    lines = [
        f"- Reference model {manifest.model_id} (sha256 {manifest.sha256[:12]}), instrument "
        f"{manifest.instrument_id} {manifest.instrument_version}, trained on the forced-choice simulation "
        f"{manifest.training.get('simulation', {}).get('name')} (seeds {manifest.seed} and {manifest.seed + 1}); "
        "features: Thurstonian MAP scale scores (the instrument's shipped parameters) and situational scores.",
        f"- Evaluated on {args.n_test_2} fresh simulated 2.0 candidates (seed {seed}), the average applicant's "
        f"faking and {100 * float(test.careless.mean()):.1f} % careless responders included.",
        f"- The shipped parameters file differs from the simulation's generating parameters by at most "
        f"{difference:.4f} (0 when it was written by `python -m profilefit.data.simulate parameters`).",
        f"- Answer-level Bayes (2.0): exact triplet ranking probabilities, {args.draws} importance-sampling draws "
        f"per candidate, {bayes_seconds:.0f} s for {len(responses)} candidates; two runs with other draws differ "
        f"by {mc_mean:.4f} per probability on average and agree on the top profile for {100 * mc_agree:.1f} % "
        f"of {len(check)} candidates.",
        "",
        "| | macro-F1 | accuracy | ECE | undetermined |",
        "|---|---|---|---|---|",
    ]
    for name, result in (
        ("reference model 2.0", model),
        ("answer-level Bayes classifier 2.0", bayes),
        ("true-trait Bayes ceiling", ceiling),
    ):
        lines.append(
            f"| {name} | {result['macro_f1']:.4f} | {result['accuracy']:.4f} | {result['ece']:.4f} | "
            f"{result['undetermined_share']:.4f} |"
        )
    lines += [
        "",
        f"- macro-F1 gap to the answer-level Bayes classifier: {gap:.4f} "
        f"(target at most 0.02: {'met' if gap <= 0.02 else 'NOT met'})",
        f"- macro-F1 gap to the true-trait ceiling: {ceiling['macro_f1'] - model['macro_f1']:.4f}",
        f"- expected calibration error: {model['ece']:.4f} "
        f"(target at most 0.03: {'met' if model['ece'] <= 0.03 else 'NOT met'})",
        f"- Block likelihood, exact against the pairwise-probit (TIRT) product, same draws, first {len(check)} "
        f"candidates: posteriors differ by {float(np.abs(exact - pairwise).mean()):.4f} per probability on "
        f"average (largest {float(np.abs(exact - pairwise).max()):.4f}), top profile the same for "
        f"{100 * float((exact.argmax(axis=1) == pairwise.argmax(axis=1)).mean()):.1f} %; macro-F1 "
        f"{small[0]['macro_f1']:.4f} exact, {small[1]['macro_f1']:.4f} pairwise.",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print (and optionally write) its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model file (default: the shipped reference model)")
    parser.add_argument("--n-test", type=int, default=20_000, help="fresh candidates for the headline")
    parser.add_argument("--draws", type=int, default=512, help="answer-level Bayes draws per candidate (headline)")
    parser.add_argument("--n-train", type=int, default=60_000, help="training candidates per sensitivity setting")
    parser.add_argument("--n-sensitivity-test", type=int, default=10_000, help="fresh candidates per setting")
    parser.add_argument("--sensitivity-draws", type=int, default=256, help="answer-level Bayes draws per setting")
    parser.add_argument("--model-2", type=Path, help="2.0 model file (default: the shipped 2.0 reference model)")
    parser.add_argument("--n-test-2", type=int, default=10_000, help="fresh 2.0 candidates")
    parser.add_argument("--part", choices=("all", "1.2", "2.0"), default="all", help="run one part only")
    parser.add_argument("--card", type=Path, help="write the figures into this model card")
    parser.add_argument("--doc", type=Path, help="write the figures into this page too")
    args = parser.parse_args()

    started = time.perf_counter()
    printed = "Printed by `python benchmarks/model_evidence.py` (simulated candidates only; docs/simulation.md)."
    if args.part in ("all", "1.2"):
        top, _ = headline(args)
        print(top, "\n", flush=True)
        table = sensitivity(args)
        print(table, "\n", flush=True)
        for path in (args.card, args.doc):
            if path is not None:
                write_marked_section(path, START, END, f"{printed}\n\n{top}\n\n{table}")
    if args.part in ("all", "2.0"):
        second = forced_choice_part(args)
        print("Instrument 2.0\n\n" + second, flush=True)
        own_card = Path(args.model_2 or reference_2_model_path()).parent / "model-card.md"
        for path in (args.card, args.doc, own_card if args.card is not None and own_card.is_file() else None):
            if path is not None:
                write_marked_section(path, START_2, END_2, f"{printed}\n\n{second}")
    elapsed = time.perf_counter() - started
    print(f"\n({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
