"""Training: the reference model from the simulation, or a model from an organisation's own labels."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from profilefit.core.artifact import Manifest, file_sha256, reference_model_path, save_artifact
from profilefit.core.classifier import ProfileClassifier, evaluate_probabilities, format_metrics
from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import NormGroup, Responses, score_responses
from profilefit.data.batch import collect_responses
from profilefit.data.simulate import (
    REFERENCE_SEED,
    ForcedChoiceSimulation,
    SimulationConfig,
    oracle_probabilities,
    retest,
    simulate,
    simulate_forced_choice,
    simulation_parameters,
)
from profilefit.data.training._card import render_model_card
from profilefit.data.training._labels import (
    check_labels,
    cross_validate,
    format_per_class,
    per_class_figures,
    undetermined_threshold,
)

#: Top-profile probability below which a profile is reported as undetermined.
DEFAULT_MIN_CONFIDENCE = 0.40
REFERENCE_FILE = "profilefit-reference.model.json"
#: The reference model of instrument 2.0 (forced choice), in ``models/reference-2/``.
REFERENCE_2_FILE = "profilefit-reference-2.model.json"
#: The built-in forced-choice instrument the 2.0 reference model is trained on.
REFERENCE_2_INSTRUMENT = "customer-contact-2.0"


@dataclass
class TrainingReport:
    """What a training run wrote and measured."""

    manifest: Manifest
    metrics: dict[str, Any]
    model_path: Path
    card_path: Path
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Plain text for the terminal: warnings, the model written and its evaluation."""
        lines = [f"warning: {warning}" for warning in self.warnings]
        lines += [
            f"model      {self.model_path}",
            f"manifest   sha256 {self.manifest.sha256}",
            f"model card {self.card_path}",
            "",
            format_metrics(self.metrics),
        ]
        if "per_class" in self.metrics:
            lines += ["", format_per_class(self.metrics["per_class"], self.manifest.training.get("folds", 0))]
        if self.rejected:
            lines += ["", f"{len(self.rejected)} row(s) were not used; see the list above."]
        return "\n".join(lines)


def _created() -> str:
    # SOURCE_DATE_EPOCH makes a rebuilt manifest byte-identical, as reproducible builds expect.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.isoformat(timespec="seconds")


def train_reference(
    out_dir: str | Path,
    *,
    seed: int = REFERENCE_SEED,
    n_train: int = 60_000,
    n_test: int = 20_000,
    config: SimulationConfig | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    card_path: str | Path | None = None,
    instrument: Instrument | None = None,
) -> TrainingReport:
    """Train and evaluate the reference model on the documented simulation.

    Training, test and retest candidates come from seeds ``seed``, ``seed + 1`` and
    ``seed + 2``, so the same seed reproduces the same model and the same figures.
    A forced-choice instrument (2.0) goes to :func:`train_reference_forced_choice`.

    Parameters
    ----------
    out_dir : str or Path
        Folder for the model file and its manifest.
    seed : int, default=REFERENCE_SEED
    n_train, n_test : int
        Simulated candidates for training (of which the classifier holds back 20 %
        for calibration) and for the held-out evaluation.
    config : SimulationConfig, optional
        Simulation assumptions; by default the reference simulation.
    min_confidence : float, default=0.40
    card_path : str or Path, optional
        Where to write the model card; by default ``out_dir/model-card.md``.
    instrument : Instrument, optional
        By default the shipped agreement instrument (1.2).
    """
    config = config or SimulationConfig.reference()
    instrument = instrument or load_instrument()
    if instrument.format == "forced_choice":
        return train_reference_forced_choice(
            out_dir,
            instrument,
            seed=seed,
            n_train=n_train,
            n_test=n_test,
            config=config,
            min_confidence=min_confidence,
            card_path=card_path,
        )
    train = simulate(n_train, seed=seed, config=config, instrument=instrument, id_prefix="train")
    test = simulate(n_test, seed=seed + 1, config=config, instrument=instrument, id_prefix="test")
    again = retest(test, seed=seed + 2)

    train_scores = score_responses(train.responses)
    estimator = ProfileClassifier(random_state=seed).fit(train_scores.features(), train.profiles)
    classes = [str(c) for c in estimator.classes_]
    columns = [config.profile_ids.index(c) for c in classes]
    metrics = evaluate_probabilities(
        test.profiles,
        estimator.predict_proba(score_responses(test.responses).features()),
        classes,
        min_confidence=min_confidence,
        retest_probabilities=estimator.predict_proba(score_responses(again.responses).features()),
        oracle_probabilities=oracle_probabilities(test.traits, config)[:, columns],
    )
    norms = NormGroup.from_scores(
        f"simulated applicants ({config.name}, seed {seed}, n={n_train})",
        instrument.scale_ids,
        train_scores.scales,
        description="Candidates drawn from the reference simulation, applicant faking included; not real people.",
    )
    out = Path(out_dir)
    model_path = out / REFERENCE_FILE
    manifest = save_artifact(
        estimator,
        instrument,
        norms,
        model_path,
        model_id=f"profilefit-{config.name}-seed{seed}",
        trained_on="simulation",
        min_confidence=min_confidence,
        created=_created(),
        seed=seed,
        training={
            "n_train": n_train,
            "n_test": n_test,
            "simulation": config.model_dump(mode="json"),
            "temperature": round(estimator.temperature_, 6),
        },
        metrics=metrics,
    )
    card = Path(card_path) if card_path is not None else out / "model-card.md"
    card.parent.mkdir(parents=True, exist_ok=True)
    card.write_text(render_model_card(manifest), encoding="utf-8")
    norms.save(out / "norms.json")
    return TrainingReport(manifest, metrics, model_path, card)


def reference_2_model_path() -> Path:
    """Path of the shipped 2.0 (forced-choice) reference model inside the installed package."""
    return reference_model_path("reference-2.0")


def forced_choice_responses(simulation: ForcedChoiceSimulation) -> Responses:
    """Simulated 2.0 answers as the engine reads an export: blocks, scenario choices, checks and time."""
    n = len(simulation.candidate_ids)
    return Responses(
        simulation.instrument,
        simulation.candidate_ids,
        np.empty((n, 0)),
        simulation.choices,
        simulation.checks,
        simulation.seconds,
        simulation.blocks,
    )


def _shipped_parameters_sha256(instrument: Instrument) -> str | None:
    """sha256 of the parameters file the built-in 2.0 instrument is scored with; ``None`` for another instrument."""
    from profilefit.core.thurstonian import ThurstonianParameters
    from profilefit.data.simulate import parameters_file, shipped_instrument_file

    path = parameters_file(shipped_instrument_file())
    if not path.is_file():
        return None
    parameters = ThurstonianParameters.load(path)
    if (parameters.instrument, parameters.instrument_version) != (instrument.id, instrument.version):
        return None
    return file_sha256(path)


def honest_norm_group(instrument: Instrument, config: SimulationConfig | None = None) -> NormGroup:
    """The 2.0 norm group: honest, attentive simulated applicants' Thurstonian scale scores.

    The simulation's own norm group (:func:`profilefit.data.simulate._parameters_file.simulation_norms`,
    which ``python -m profilefit.data.simulate norms`` writes next to the instrument), scored with
    the parameters the engine scores the instrument with: the shipped parameters file of the
    built-in 2.0 instrument, else the simulation's parameters.
    """
    from profilefit.core.thurstonian import ThurstonianParameters
    from profilefit.data.simulate import parameters_file, shipped_instrument_file, simulation_norms

    shipped = parameters_file(shipped_instrument_file())
    parameters = ThurstonianParameters.load(shipped) if shipped.is_file() else None
    if parameters is None or (parameters.instrument, parameters.instrument_version) != (
        instrument.id,
        instrument.version,
    ):
        parameters = simulation_parameters(instrument, config)
    return simulation_norms(instrument, parameters, config=config)


def train_reference_forced_choice(
    out_dir: str | Path,
    instrument: Instrument,
    *,
    seed: int = REFERENCE_SEED,
    n_train: int = 60_000,
    n_test: int = 20_000,
    config: SimulationConfig | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    card_path: str | Path | None = None,
) -> TrainingReport:
    """Train and evaluate the reference model of a forced-choice instrument (2.0) on the documented simulation.

    The same trainer and estimator as 1.2's reference (:class:`~profilefit.core.classifier.ProfileClassifier`
    on scale scores then situational scores); the scale scores are the engine's Thurstonian MAP
    estimates with the instrument's shipped parameters. Training, test and norm candidates come from
    seeds ``seed`` and ``seed + 1`` (:func:`~profilefit.data.simulate.simulate_forced_choice`: the same
    people as 1.2's seeds, answering the blocks), as the average applicant. The norm group is the
    simulation's honest one (:func:`honest_norm_group`). There is no forced-choice retest, so the
    metrics carry no retest consistency.

    Parameters
    ----------
    out_dir : str or Path
        Folder for ``profilefit-reference-2.model.json``, its manifest, ``norms.json`` and the model card.
    instrument : Instrument
        A forced-choice instrument.
    seed : int, default=REFERENCE_SEED
    n_train, n_test : int
        Simulated candidates for training and for the held-out evaluation.
    config : SimulationConfig, optional
    min_confidence : float, default=0.40
    card_path : str or Path, optional
        By default ``out_dir/model-card.md``.
    """
    if instrument.format != "forced_choice":
        raise ValueError(f"instrument {instrument.id} {instrument.version} is not forced choice; use train_reference")
    config = config or SimulationConfig.reference()
    train = simulate_forced_choice(n_train, instrument, seed=seed, config=config, id_prefix="train")
    test = simulate_forced_choice(n_test, instrument, seed=seed + 1, config=config, id_prefix="test")
    train_scores = score_responses(forced_choice_responses(train))
    estimator = ProfileClassifier(random_state=seed).fit(train_scores.features(), train.profiles)
    classes = [str(c) for c in estimator.classes_]
    columns = [config.profile_ids.index(c) for c in classes]
    metrics = evaluate_probabilities(
        test.profiles,
        estimator.predict_proba(score_responses(forced_choice_responses(test)).features()),
        classes,
        min_confidence=min_confidence,
        oracle_probabilities=oracle_probabilities(test.traits, config)[:, columns],
    )
    norms = honest_norm_group(instrument, config)
    out = Path(out_dir)
    model_path = out / REFERENCE_2_FILE
    manifest = save_artifact(
        estimator,
        instrument,
        norms,
        model_path,
        model_id=f"profilefit-{config.name}-{instrument.id}-{instrument.version}-seed{seed}",
        trained_on="simulation",
        min_confidence=min_confidence,
        created=_created(),
        seed=seed,
        training={
            "n_train": n_train,
            "n_test": n_test,
            "norms": norms.description,
            "parameters_sha256": _shipped_parameters_sha256(instrument),
            "instrument_format": "forced_choice",
            "scale_scores": "Thurstonian MAP with the instrument's shipped parameters",
            "simulation": config.model_dump(mode="json"),
            "temperature": round(estimator.temperature_, 6),
        },
        metrics=metrics,
    )
    card = Path(card_path) if card_path is not None else out / "model-card.md"
    card.parent.mkdir(parents=True, exist_ok=True)
    card.write_text(render_model_card(manifest), encoding="utf-8")
    norms.save(out / "norms.json")
    return TrainingReport(manifest, metrics, model_path, card)


def read_labelled(
    path: str | Path,
    label_column: str,
    instrument: Instrument,
    *,
    encoding: str | None = None,
    layout: dict[str, Any] | None = None,
) -> tuple[Responses, NDArray[np.str_], list[dict[str, Any]]]:
    """Read labelled assessments; return valid responses, their labels and the rejected rows.

    The one reader of ``profilefit score`` (:func:`profilefit.data.batch.collect_responses`): every
    format, ``-`` for standard input, the same header check and the same rule for a row. As ``score``,
    only the first valid row of a candidate id is used; each later one is a rejected row.
    """
    # A repeated candidate would be counted twice, and could sit in a training fold and a test fold at once.
    collected = collect_responses(
        path, instrument, label_column=label_column, encoding=encoding, first_id_only=True, **(layout or {})
    )
    return collected.responses, np.asarray(collected.labels or [], dtype=np.str_), collected.rejects


def train_on_labels(
    data: str | Path,
    out_dir: str | Path,
    *,
    label_column: str = "profile",
    instrument: Instrument | None = None,
    folds: int = 5,
    seed: int = 0,
    min_confidence: float | None = None,
    model_id: str | None = None,
    on_reject: Callable[[dict[str, Any]], None] | None = None,
    encoding: str | None = None,
    layout: dict[str, Any] | None = None,
    card_path: str | Path | None = None,
) -> TrainingReport:
    """Train on an organisation's own labelled assessments, with cross-validated evaluation.

    Labels are normalised (case, spaces, hyphens and underscores ignored); a class with fewer than 10 rows
    is refused and one with fewer than 30 warned about (:mod:`profilefit.data.training._labels`).

    Parameters
    ----------
    data : str or Path
        An export in any format ``profilefit score`` reads (CSV, TSV, JSON Lines, Parquet, xlsx;
        ``"-"`` for standard input): one row per candidate with the instrument's columns and a
        label. Needs the ``io`` extra.
    out_dir : str or Path
        Folder for the model, its manifest and its model card.
    label_column : str, default="profile"
    instrument : Instrument, optional
        The questionnaire the data answers; by default the shipped instrument.
    folds : int, default=5
        Cross-validation folds for the evaluation (out-of-fold probabilities).
    seed : int, default=0
    min_confidence : float, optional
        Top-profile probability below which a profile is undetermined. By default it scales with
        the number of classes K: ``1/K + 0.3 (1 - 1/K)`` (0.40 for seven classes, 0.65 for two).
    model_id : str, optional
    on_reject : callable, optional
        Called with each rejected row's record as it is found.
    encoding : str, optional
        Of a CSV or JSON Lines input; by default UTF-8 (UTF-16/32 by byte-order mark).
    layout : dict, optional
        ``id_column``, ``sheet`` and ``header_row``, as :func:`profilefit.data.batch.score_batch` takes them.
    card_path : str or Path, optional
        Where to write the model card; by default ``out_dir/model-card.md``.

    Raises
    ------
    TrainingDataError
        With fewer than two classes, a class under 10 rows (or under ``folds``), or rows labelled
        ``undetermined``; the message gives every class's count.
    """
    instrument = instrument or load_instrument()
    responses, raw_labels, rejected = read_labelled(data, label_column, instrument, encoding=encoding, layout=layout)
    for record in rejected:
        if on_reject:
            on_reject(record)
    check = check_labels(raw_labels.tolist(), source=str(data), folds=folds)
    labels = check.labels
    classes = sorted(check.counts)
    threshold = undetermined_threshold(len(classes)) if min_confidence is None else float(min_confidence)
    scores = score_responses(responses)
    features = scores.features()
    out_of_fold, fold_of_row = cross_validate(features, labels, classes, folds, seed)
    metrics = evaluate_probabilities(labels, out_of_fold, classes, min_confidence=threshold)
    metrics["evaluation"] = f"{folds}-fold cross-validation, out-of-fold probabilities"
    predicted = np.asarray(classes)[out_of_fold.argmax(axis=1)]
    metrics["per_class"] = per_class_figures(labels, predicted, classes, fold_of_row)
    estimator = ProfileClassifier(random_state=seed).fit(features, labels)
    norms = NormGroup.from_scores(
        f"organisation training data ({Path(data).name}, n={len(responses)})",
        instrument.scale_ids,
        scores.scales,
        description="The candidates the model was trained on.",
    )
    out = Path(out_dir)
    stem = "stdin" if str(data) == "-" else Path(data).stem
    model_path = out / f"{stem}.model.json"
    manifest = save_artifact(
        estimator,
        instrument,
        norms,
        model_path,
        model_id=model_id or f"{instrument.id}-{stem}-seed{seed}",
        trained_on="organisation data",
        min_confidence=threshold,
        created=_created(),
        seed=seed,
        training={
            "data": Path(data).name,
            "data_sha256": file_sha256(data) if Path(data).is_file() else None,  # None: read from standard input
            "label_column": label_column,
            "label_normalisation": "surrounding space removed, inner space runs made one, case folded",
            "class_counts": check.counts,
            "merged_labels": check.merged,
            "min_confidence_rule": "given" if min_confidence is not None else "1/K + 0.3 (1 - 1/K), K classes",
            "rows_used": len(responses),
            "rows_rejected": len({r["row"] for r in rejected}),
            "folds": folds,
            "temperature": round(estimator.temperature_, 6),
        },
        metrics=metrics,
    )
    card = Path(card_path) if card_path is not None else out / "model-card.md"
    card.parent.mkdir(parents=True, exist_ok=True)
    card.write_text(render_model_card(manifest), encoding="utf-8")
    return TrainingReport(manifest, metrics, model_path, card, rejected, check.warnings)
