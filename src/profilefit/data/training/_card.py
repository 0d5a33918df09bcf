"""The model card: a Markdown page written from a model's manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from profilefit.core.artifact import Manifest

_INTENDED_USE = """\
## Intended use

- Decision support for recruiters hiring contact-centre staff for complex-case support:
  it suggests which of the seven service-rep profiles a candidate's answers resemble
  and how well the candidate fits a role, with the reasons.
- Every result is read by a person before anything happens to the candidate. The
  model must not reject anyone on its own: candidates flagged `needs_human_review`
  need a closer look, an undetermined profile is a description to read with care,
  and everyone has the right to ask for a human review of a decision that affects them.
- Not for: decisions about current employees' pay, promotion or dismissal; clinical
  or personality diagnosis; any use where the candidate has not been told that an
  assessment is scored this way.
"""

#: Filled in by benchmarks/model_evidence.py, which measures the model against both yardsticks.
EVIDENCE_START, EVIDENCE_END = "<!-- model-evidence:start -->", "<!-- model-evidence:end -->"

_EVIDENCE = f"""\
## Against the yardsticks, and how the figures move with the assumptions

On candidates the model never saw, next to the answer-level Bayes classifier (the best any
classifier of these answers can do, knowing the simulation's own item parameters) and the
true-trait ceiling, then a sensitivity table with one retrained model per setting.

{EVIDENCE_START}
Not measured yet: run `python benchmarks/model_evidence.py --card docs/model-card.md --doc docs/model.md`.
{EVIDENCE_END}
"""


def write_marked_section(path: Path, start: str, end: str, text: str) -> None:
    """Replace the text between the ``start`` and ``end`` markers of ``path`` (or append a marked section).

    How the benchmarks write their printed figures into the model card and the docs.
    """
    content = path.read_text(encoding="utf-8")
    block = f"{start}\n{text}\n{end}"
    if start in content and end in content:
        before, rest = content.split(start, 1)
        _, after = rest.split(end, 1)
        content = before + block + after
    else:
        content = content.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(content, encoding="utf-8")


#: Filled in by benchmarks/model_evidence.py (its 2.0 part): the 2.0 reference model against the 2.0 yardsticks.
EVIDENCE_2_START, EVIDENCE_2_END = "<!-- model-evidence-2:start -->", "<!-- model-evidence-2:end -->"

_EVIDENCE_2 = f"""\
## Instrument 2.0 (forced choice)

The 2.0 reference model (`models/reference-2/`) is trained the same way on the same simulated
people answering the forced-choice blocks (docs/simulation.md, "Instrument 2.0"): a documented
simulation, not real candidates. Its features are the Thurstonian scale scores (MAP, with the
instrument's shipped parameters) and the situational scores; its norm group is simulated honest,
attentive applicants. `python -m profilefit.data.training reference --instrument customer-contact-2.0`
regenerates it. Below: on fresh simulated 2.0 candidates, next to the 2.0 answer-level Bayes
classifier and the true-trait ceiling (docs/model.md, "Instrument 2.0").

{EVIDENCE_2_START}
Not measured yet: run `python benchmarks/model_evidence.py --part 2.0 --card docs/model-card.md --doc docs/model.md`.
{EVIDENCE_2_END}
"""

#: Filled in by benchmarks/faking.py: what faking does to the fit and how often the flags catch it.
FAKING_START, FAKING_END = "<!-- faking:start -->", "<!-- faking:end -->"

_FAKING = f"""\
## Faking

What applicants who present themselves well do to the fit, on simulated applicants who answer
honestly, as the average applicant, coached for the role (directed) and with the ideal pattern
(maximal); docs/faking.md explains the conditions and the idealised-responding flag.

{FAKING_START}
Not measured yet: run `python benchmarks/faking.py --card docs/model-card.md --doc docs/faking.md`.
{FAKING_END}
"""

_LIMITS_SIMULATION = """\
## Limits

- **Trained on simulated candidates.** No public data set labels people with these
  profiles, so the reference model learned from a documented simulation
  (docs/simulation.md). Its figures say how well the classifier recovers the
  simulation's profiles, not how well it describes real candidates. Before relying
  on it, an organisation should collect its own labels and retrain
  (`profilefit train --data labelled.csv --label-column profile --out DIR`).
- The profiles overlap by design, as people do: even a classifier that saw the true
  latent traits (the ceiling above) is often wrong. Treat the profile as a
  description with an uncertainty, not as a fact about a person.
- The simulation is set to published levels: scale alphas about .75 (Big Five scales
  average .73-.78), situational-judgement consistency within the published .46-.68, 11 %
  careless responders (10-12 % published), faking that varies between people and profiles
  that differ in spread (docs/simulation.md gives the measured figures). Real answers may
  still differ from it in ways no one has measured; the sensitivity table above shows how
  the figures move when these assumptions change.
- Only the Empathizer (32 %) and Controller (15 %) shares are published; the other five
  shares are an assumption (an even split of the remaining 53 %). Other shares change
  the probabilities.
- Applicants present themselves favourably. The agreement format cannot stop a coached
  applicant from claiming what the role wants: in the simulation directed faking still lifts
  the fit far (the faking section above); the idealised-responding flag sends most such
  results to a person, but it is evidence to discuss, never a reason to reject. Real faking
  varies by setting too.
- Demographic data never enters the model. Run the adverse-impact audit
  (`profilefit audit`) on real results before use and every year after.
"""

_LIMITS_ORGANISATION = """\
## Limits

- The model is as good as the labels it learned from. The figures below are
  cross-validated on the same organisation's data; they do not show how the model
  does on other populations or after the role changes.
- Demographic data never enters the model. Run the adverse-impact audit
  (`profilefit audit`) before use and every year after.
"""


def _table(rows: list[tuple[str, Any]]) -> str:
    lines = ["| figure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def _organisation_data(manifest: Manifest) -> list[str]:
    """The Data section of a model trained on an organisation's own labels."""
    training, metrics = manifest.training, manifest.metrics
    lines = [
        f"{training.get('rows_used')} labelled rows from `{training.get('data')}` "
        f"(label column `{training.get('label_column')}`); {training.get('rows_rejected')} row(s) rejected.",
        f"The data file's sha256: `{training.get('data_sha256')}`.",
        f"Labels were normalised ({training.get('label_normalisation')}) before counting.",
        f"Evaluation: {metrics.get('evaluation')}: every figure below is cross-validated on the same",
        "organisation's candidates, not measured on held-out candidates from elsewhere.",
        f"Undetermined below a top-profile probability of {manifest.min_confidence:.2f} "
        f"(rule: {training.get('min_confidence_rule')}, with K = {len(manifest.profile_ids)}).",
    ]
    counts = training.get("class_counts")
    if counts:
        rows = [f"| {label} | {n} |" for label, n in counts.items()]
        lines += ["", "Rows per class:", "", "| class | rows |", "|---|---|", *rows]
    merged = training.get("merged_labels")
    if merged:
        lines += ["", "Spellings counted as one class: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in merged.items())]
    return lines


def _per_class_table(per_class: dict[str, dict[str, Any]], folds: Any) -> str:
    """Precision, recall and F1 per class, cross-validated, with the spread across folds."""
    lines = [
        f"Per class, cross-validated ({folds} folds): pooled out-of-fold figure ± standard deviation across folds.",
        "",
        "| class | rows | precision | recall | F1 | F1 lowest–highest fold |",
        "|---|---|---|---|---|---|",
    ]
    for label, entry in per_class.items():
        cells = [f"{entry[name]:.3f} ± {entry[f'{name}_fold_sd']:.3f}" for name in ("precision", "recall", "f1")]
        low, high = entry["f1_fold_range"]
        lines.append(f"| {label} | {entry['support']} | {' | '.join(cells)} | {low:.3f}–{high:.3f} |")
    return "\n".join(lines)


def render_model_card(manifest: Manifest) -> str:
    """Render the model card of a model from its manifest."""
    metrics = manifest.metrics
    simulated = manifest.trained_on == "simulation"
    parts = [
        f"# Model card: {manifest.model_id}",
        "",
        "Written by `profilefit train` from the model's manifest; regenerate it rather than editing it.",
        "",
        "## Model",
        "",
        _table(
            [
                ("file", f"`{manifest.file}`"),
                ("sha256", f"`{manifest.sha256}`"),
                ("trained on", manifest.trained_on),
                ("seed", manifest.seed),
                ("instrument", f"{manifest.instrument_id} {manifest.instrument_version}"),
                ("features", ", ".join(manifest.feature_names)),
                ("profiles", ", ".join(manifest.profile_ids)),
                ("undetermined below", f"top-profile probability {manifest.min_confidence:.2f}"),
                ("versions", ", ".join(f"{k} {v}" for k, v in manifest.versions.items())),
            ]
        ),
        "",
        "A multinomial logistic regression on standardised scale and situational scores, with one",
        "temperature fitted on held-back rows to calibrate the probabilities. Missing scale scores take",
        "the training mean. Each prediction splits exactly into per-feature contributions, which the",
        "explanation in every result reports.",
        "",
        "## Data",
        "",
    ]
    training = manifest.training
    if simulated:
        simulation = training.get("simulation", {})
        parts += [
            f"{training.get('n_train')} simulated candidates for training and {training.get('n_test')} for the",
            f"held-out evaluation, drawn from the simulation `{simulation.get('name')}` (docs/simulation.md).",
            "Assumptions, as named parameters:",
            "",
            _table(
                [
                    (name, simulation.get(name))
                    for name in (
                        "separation",
                        "discrimination_low",
                        "discrimination_high",
                        "agree_shift",
                        "sjt_sensitivity",
                        "sjt_loading_sd",
                        "careless_share",
                        "faking",
                        "faking_sd",
                        "attention_error_rate",
                    )
                ]
                + [("profile-specific spreads", "yes" if simulation.get("profile_sds") else "no")]
            ),
            "",
            "Profile shares: Empathizer 32 % and Controller 15 % as published (Dixon et al., HBR 2017); the",
            "other five an even split of the remaining 53 % (an assumption).",
        ]
    else:
        parts += _organisation_data(manifest)
    parts += ["", "## Evaluation", ""]
    rows: list[tuple[str, Any]] = [
        ("candidates evaluated", metrics.get("n")),
        ("accuracy", metrics.get("accuracy")),
        ("macro-F1", metrics.get("macro_f1")),
        ("log loss", metrics.get("log_loss")),
        ("expected calibration error (15 bins)", metrics.get("ece")),
        ("share undetermined", metrics.get("undetermined_share")),
        ("accuracy when determined", metrics.get("accuracy_when_determined")),
    ]
    if "consistency" in metrics:
        rows.append(("consistency (same top profile when answering twice)", metrics["consistency"]))
    if "ceiling" in metrics:
        ceiling = metrics["ceiling"]
        rows += [
            ("ceiling accuracy (Bayes classifier on true traits)", ceiling["accuracy"]),
            ("ceiling macro-F1", ceiling["macro_f1"]),
            ("ceiling log loss", ceiling["log_loss"]),
            ("macro-F1 gap to ceiling", metrics.get("macro_f1_gap_to_ceiling")),
        ]
    parts.append(_table(rows))
    per_class = metrics.get("per_class")
    recall = metrics.get("per_profile_recall", {})
    if per_class:
        parts += ["", _per_class_table(per_class, training.get("folds"))]
    elif recall:
        parts += ["", "Recall per profile:", "", _table(list(recall.items()))]
    matrix = metrics.get("confusion_matrix")
    if matrix:
        labels = matrix["labels"]
        parts += [
            "",
            "Confusion matrix (rows: true profile; columns: predicted):",
            "",
            "| | " + " | ".join(labels) + " |",
            "|---" * (len(labels) + 1) + "|",
        ]
        parts += [
            f"| {label} | " + " | ".join(map(str, row)) + " |"
            for label, row in zip(labels, matrix["counts"], strict=True)
        ]
    if simulated and manifest.training.get("instrument_format") == "forced_choice":
        parts += ["", _EVIDENCE_2]
    elif simulated:
        parts += ["", _EVIDENCE, _EVIDENCE_2, _FAKING]
    parts += ["", _INTENDED_USE, _LIMITS_SIMULATION if simulated else _LIMITS_ORGANISATION]
    parts += [
        "## Human review it needs",
        "",
        "- Read the explanation and the validity flags of every candidate before acting on a result.",
        "- Look closer at every result with `needs_human_review`: a validity flag fired (careless,",
        "  too fast, inconsistent, incomplete or idealised answers) or the fit is incomplete. An",
        "  undetermined profile alone is shown, not a reason for review, when the fit is complete.",
        "- Keep the decision log (`Screener.load(decision_log=...)`) where recruitment records are required.",
        "",
    ]
    return "\n".join(parts)
