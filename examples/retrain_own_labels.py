"""Retrain the classifier on an organisation's own labelled assessments.

Run as it is:  python examples/retrain_own_labels.py
It uses the bundled labelled sample (1,500 simulated candidates with a `profile` column) in place of
your own file, runs 5-fold cross-validated training, writes model, manifest and model card to
./out/own-model, and scores one candidate with the new model. It prints the cross-validated figures,
per-class precision, recall and F1 with their spread across folds, and any warning about labels
(spellings merged, classes under 30 rows); a class under 10 rows is refused.

With your data:  profilefit train --data labelled.csv --label-column profile --out DIR
"""

import sys
from pathlib import Path

from profilefit.core.screening import Screener
from profilefit.data.datasets import sample_labelled_path
from profilefit.data.training import train_on_labels


def main(out_dir: Path) -> None:
    report = train_on_labels(
        sample_labelled_path(),
        out_dir / "own-model",
        label_column="profile",
        folds=5,
        on_reject=lambda problem: print(f"rejected row {problem['row']}: {problem}", file=sys.stderr),
    )
    print(report.summary())

    screener = Screener.load(report.model_path)
    result = screener.score({"candidate_id": "new-1", "tc1": 6, "tc4": 6, "ow1": 5, "ad1": 2, "sj1": "b"})
    print(f"\n{result.candidate_id}: {result.profile} (p = {result.confidence:.2f}); model {result.model.model_id}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
