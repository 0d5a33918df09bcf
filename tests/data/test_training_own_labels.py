"""Safer retraining on an organisation's own labels: normalised labels, class-size checks, a threshold that
scales with the number of classes, per-class figures across folds, and the data's sha256 in the manifest."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilefit.data.datasets import sample_labelled_path
from profilefit.data.training import (
    MIN_CLASS_ROWS,
    WARN_CLASS_ROWS,
    normalise_label,
    train_on_labels,
    undetermined_threshold,
)
from profilefit.data.training._labels import check_labels, per_class_figures
from profilefit.exceptions import TrainingDataError


def _labelled(path: Path, spec: dict[str, list[str]]) -> Path:
    """A labelled file from the bundled sample: for each sample profile, the labels to give its first rows."""
    with sample_labelled_path().open(encoding="utf-8") as stream:
        source = list(csv.DictReader(stream))
    rows = []
    for profile, labels in spec.items():
        pool = [row for row in source if row["profile"] == profile]
        rows += [{**row, "profile": label} for row, label in zip(pool, labels, strict=False)]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(source[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- labels -------------------------------------------------------------------------------------


@given(st.text(alphabet="aBcÆø _-", min_size=1, max_size=12).filter(lambda s: s.strip(" _-")), st.integers(0, 3))
def test_normalising_ignores_case_space_hyphens_and_underscores(label: str, pad: int) -> None:
    """Rule: a label, its upper-case form, the same padded with space, and with its spaces written as hyphens or
    underscores name one class; normalising is idempotent."""
    variants = [label, label.upper(), label.lower(), " " * pad + label + "\t" * pad]
    variants += [label.replace(" ", "-"), label.replace(" ", "_"), label.replace("-", " ")]
    assert len({normalise_label(v) for v in variants}) == 1
    assert normalise_label(normalise_label(label)) == normalise_label(label)


def test_the_profile_names_as_people_write_them_are_the_built_in_profiles() -> None:
    from profilefit.core.profiles import PROFILE_IDS

    written = ["Controller", "Rock", "Accommodator", "Empathizer", "Hard Worker", "Innovator", "Competitor"]
    assert [normalise_label(name) for name in written] == list(PROFILE_IDS)
    assert normalise_label(" hard-worker ") == normalise_label("HARD_WORKER") == "hard_worker"


def test_a_model_trained_on_hard_worker_gets_the_built_in_role_s_fit(tmp_path: Path) -> None:
    """Rule: "Hard Worker" trains the class hard_worker, so the default role scores the model's candidates."""
    from profilefit.core.screening import Screener

    data = _labelled(tmp_path / "labels.csv", {"controller": ["Controller"] * 40, "hard_worker": ["Hard Worker"] * 40})
    report = train_on_labels(data, tmp_path / "out", folds=3)
    assert report.manifest.profile_ids == ["controller", "hard_worker"]
    assert not any("not among the built-in profiles" in w for w in report.warnings)
    screener = Screener.load(report.model_path)
    assert screener.role is not None and screener.role.id == "complex-case"


def test_a_label_that_is_not_a_built_in_profile_is_warned_about_with_what_it_costs(tmp_path: Path) -> None:
    data = _labelled(tmp_path / "labels.csv", {"controller": ["Controller"] * 40, "empathizer": ["Empathiser"] * 40})
    report = train_on_labels(data, tmp_path / "out", folds=3)
    [warning] = [w for w in report.warnings if "not among the built-in profiles" in w]
    assert "'empathiser' 40 (did you mean 'empathizer'?)" in warning
    assert "no fit score unless you score with --role FILE" in warning
    # Scoring with it says which class stands in the way, not that the instrument has no role.
    import contextlib
    import io

    from profilefit.apps.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        main(["score", "sample", "--model", str(report.model_path), "-o", str(tmp_path / "results.csv")])
    assert "the model's classes 'empathiser' are not among the built-in profiles" in err.getvalue()


def test_a_repeated_candidate_is_trained_on_once_and_the_others_are_rejected(tmp_path: Path) -> None:
    """Rule: as profilefit score, only the first valid row of an id counts (copies inflated the folds' figures)."""
    data = _labelled(tmp_path / "labels.csv", {"controller": ["controller"] * 40, "rock": ["rock"] * 40})
    lines = data.read_text(encoding="utf-8").splitlines()
    data.write_text("\n".join(lines + lines[1:21]) + "\n", encoding="utf-8")  # 20 rows again
    report = train_on_labels(data, tmp_path / "out", folds=3)
    assert sum(report.manifest.training["class_counts"].values()) == 80
    repeated = [r for r in report.rejected if r["field"] == "candidate_id"]
    assert len(repeated) == 20 and all("duplicate candidate id: row" in r["reason"] for r in repeated)


def test_spellings_of_one_label_become_one_class(tmp_path: Path) -> None:
    data = _labelled(
        tmp_path / "labels.csv",
        {
            "controller": ["Controller"] * 15 + [" controller "] * 15 + ["CONTROLLER"] * 10,
            "empathizer": ["empathizer"] * 40,
        },
    )
    report = train_on_labels(data, tmp_path / "out", folds=3)
    assert report.manifest.profile_ids == ["controller", "empathizer"]
    assert report.manifest.training["class_counts"] == {"controller": 40, "empathizer": 40}
    assert any("counted as one class, 'controller'" in w for w in report.warnings)
    assert "'Controller' (15)" in report.manifest.training["merged_labels"]["controller"]


def test_a_class_under_10_rows_is_refused_with_every_count(tmp_path: Path) -> None:
    data = _labelled(tmp_path / "labels.csv", {"controller": ["controller"] * 40, "rock": ["rock"] * 9})
    with pytest.raises(TrainingDataError) as error:
        train_on_labels(data, tmp_path / "out", folds=3)
    message = str(error.value)
    assert f"at least {MIN_CLASS_ROWS} labelled rows" in message
    assert "too few: 'rock' 9" in message and "All classes: 'controller' 40, 'rock' 9" in message


@pytest.mark.parametrize(
    ("rows", "warned"), [(MIN_CLASS_ROWS, True), (WARN_CLASS_ROWS - 1, True), (WARN_CLASS_ROWS, False)]
)
def test_classes_under_30_rows_are_warned_about(rows: int, warned: bool) -> None:
    check = check_labels(["a"] * 40 + ["b"] * rows, source="labels.csv", folds=5)
    assert any("class 'b' has only" in w for w in check.warnings) is warned
    assert not any("class 'a'" in w for w in check.warnings)


# --- the undetermined threshold -----------------------------------------------------------------


@given(st.integers(2, 50))
def test_threshold_is_30_percent_of_the_way_from_chance_to_certainty(k: int) -> None:
    """Rule: t(K) = 1/K + 0.3 (1 - 1/K); it lies between chance and certainty and falls as K grows."""
    t = undetermined_threshold(k)
    assert t == pytest.approx(1 / k + 0.3 * (1 - 1 / k), abs=1e-6)
    assert 1 / k < t < 1
    assert undetermined_threshold(k + 1) < t


def test_threshold_fits_the_reference_and_fires_with_two_classes(tmp_path: Path) -> None:
    assert undetermined_threshold(7) == 0.4  # the reference model's threshold
    data = _labelled(tmp_path / "labels.csv", {"controller": ["controller"] * 40, "empathizer": ["empathizer"] * 40})
    report = train_on_labels(data, tmp_path / "out", folds=3)
    assert report.manifest.min_confidence == 0.65
    assert report.metrics["min_confidence"] == 0.65
    assert report.manifest.training["min_confidence_rule"].startswith("1/K")
    given_threshold = train_on_labels(data, tmp_path / "given", folds=3, min_confidence=0.55)
    assert given_threshold.manifest.min_confidence == 0.55


# --- evaluation and manifest --------------------------------------------------------------------


def test_per_class_figures_pool_the_folds_and_give_their_spread() -> None:
    y = np.array(["a", "a", "b", "b", "a", "a", "b", "b"])
    p = np.array(["a", "b", "b", "b", "a", "a", "a", "b"])
    fold = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    figures = per_class_figures(y, p, ["a", "b"], fold)
    # Pooled: a has 3 of 4 right (recall 0.75) and 3 of 4 predictions right (precision 0.75).
    assert (figures["a"]["recall"], figures["a"]["precision"], figures["a"]["support"]) == (0.75, 0.75, 4)
    # Folds: recall of a is 1/2 in fold 0 and 2/2 in fold 1: sd (ddof 1) = 0.3536, range [0.5, 1.0].
    assert figures["a"]["recall_fold_sd"] == pytest.approx(0.3536, abs=1e-4)
    assert figures["a"]["recall_fold_range"] == [0.5, 1.0]


def test_output_says_cross_validated_and_manifest_holds_the_data_sha256(tmp_path: Path) -> None:
    data = _labelled(
        tmp_path / "labels.csv",
        {"controller": ["controller"] * 30, "empathizer": ["empathizer"] * 30, "rock": ["rock"] * 30},
    )
    report = train_on_labels(data, tmp_path / "out", folds=3)
    summary = report.summary()
    assert "cross-validated candidates 90" in summary and "held-out" not in summary
    assert "per-class figures, cross-validated (3 folds" in summary
    assert report.manifest.training["data_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    per_class = report.metrics["per_class"]
    assert set(per_class) == {"controller", "empathizer", "rock"}
    for label, entry in per_class.items():
        assert entry["support"] == 30
        assert entry["recall"] == report.metrics["per_profile_recall"][label]
        low, high = entry["f1_fold_range"]
        assert 0.0 <= low <= high <= 1.0 and entry["f1_fold_sd"] >= 0.0
    card = report.card_path.read_text(encoding="utf-8")
    assert report.manifest.training["data_sha256"] in card and "cross-validated" in card
    assert "| controller | 30 |" in card


def test_train_command_refuses_small_classes_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from profilefit.apps.cli._main import EXIT_USAGE, main

    data = _labelled(tmp_path / "labels.csv", {"controller": ["controller"] * 40, "rock": ["Rock"] * 5})
    code = main(["train", "--data", str(data), "--out", str(tmp_path / "out"), "--folds", "3"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "too few: 'rock' 5" in err and "'controller' 40" in err


def test_undetermined_is_not_a_label_a_model_can_learn() -> None:
    labels = ["a"] * 40 + ["b"] * 40 + [" Undetermined "] * 3
    with pytest.raises(TrainingDataError, match=r"3 row\(s\) carry the label 'undetermined'"):
        check_labels(labels, source="labels.csv", folds=5)


def test_train_writes_the_model_card_where_card_says_and_never_over_its_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--card was ignored with --data (the card went to OUT/model-card.md); it must not overwrite the input."""
    from profilefit.apps.cli._main import EXIT_USAGE, main

    data = _labelled(tmp_path / "labels.csv", {"controller": ["controller"] * 40, "rock": ["rock"] * 40})
    card = tmp_path / "our-model.md"
    out = tmp_path / "out"
    assert main(["train", "--data", str(data), "--out", str(out), "--folds", "3", "--card", str(card)]) == 0
    assert "cross-validated" in card.read_text(encoding="utf-8") and not (out / "model-card.md").exists()
    before = data.read_bytes()
    code = main(["train", "--data", str(data), "--out", str(tmp_path / "o2"), "--folds", "3", "--card", str(data)])
    assert code == EXIT_USAGE and data.read_bytes() == before
    assert "it is one of the input files" in capsys.readouterr().err


def test_train_refuses_an_out_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from profilefit.apps.cli._main import EXIT_USAGE, main

    existing = tmp_path / "labels.csv"
    existing.write_text("keep me", encoding="utf-8")
    assert main(["train", "--out", str(existing)]) == EXIT_USAGE
    assert "is a file" in capsys.readouterr().err and existing.read_text(encoding="utf-8") == "keep me"


def test_the_confusion_matrix_names_each_column_in_full(tmp_path: Path) -> None:
    """A trial: the header cut names to 6 characters, and 'empathiser' and 'empathizer' both read 'empath'."""
    from profilefit.core.classifier._evaluate import format_metrics

    spec = {"controller": ["controller"] * 40, "empathizer": ["empathizer"] * 40, "hard_worker": ["empathiser"] * 40}
    data = _labelled(tmp_path / "labels.csv", spec)
    report = train_on_labels(data, tmp_path / "out", folds=3)
    text = format_metrics(report.metrics)
    lines = text.splitlines()
    start = lines.index("confusion matrix (rows: true profile, columns: predicted)")
    header, *rows = lines[start + 1 : start + 5]
    labels = header.split()
    assert sorted(labels) == ["controller", "empathiser", "empathizer"]
    for label, row in zip(labels, rows, strict=True):
        assert row.split()[0] == label and len(row) == len(header)  # counts under their column's name
