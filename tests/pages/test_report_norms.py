"""report --norms FILE: the same norm groups as score and score-one, and the same refusal of a wrong one."""

from __future__ import annotations

import json

import numpy as np
import pytest

from profilefit.apps.cli import main
from profilefit.core.scoring import NormGroup
from profilefit.core.screening import Screener
from profilefit.data.datasets import sample_export_path
from profilefit.data.io import sniff_delimiter

pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def candidate(tmp_path_factory):
    """The first candidate of the bundled sample, as one JSON assessment."""
    import csv

    lines = sample_export_path().read_text(encoding="utf-8-sig").splitlines()
    row = next(csv.DictReader(lines[:2], delimiter=sniff_delimiter(lines[0])))
    path = tmp_path_factory.mktemp("report") / "candidate.json"
    path.write_text(json.dumps({key: value for key, value in row.items() if value not in ("", None)}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def high_norms(tmp_path_factory, instrument):
    """A norm group whose every scale sits high (4.5–6): the candidate's percentiles fall against it."""
    scores = np.random.default_rng(0).uniform(4.5, 6.0, size=(300, len(instrument.scale_ids)))
    path = tmp_path_factory.mktemp("norms") / "high.json"
    NormGroup.from_scores("high scorers", instrument.scale_ids, scores).save(path)
    return path


def test_report_norms_sets_the_norm_group_and_the_percentiles(candidate, high_norms, tmp_path, capsys):
    assert main(["report", str(candidate), "--json", str(tmp_path / "default.json")]) == 0
    assert main(["report", str(candidate), "--norms", str(high_norms), "--json", str(tmp_path / "high.json")]) == 0
    text = capsys.readouterr().out
    assert "high scorers" in text
    default = json.loads((tmp_path / "default.json").read_text(encoding="utf-8"))
    high = json.loads((tmp_path / "high.json").read_text(encoding="utf-8"))
    assert high["norm_group"] == "high scorers" != default["norm_group"]
    expected = Screener.load(norms=NormGroup.load(high_norms)).score(candidate.read_text(encoding="utf-8"))
    assert [s["percentile"] for s in high["scales"]] == [s.percentile for s in expected.scales]
    assert [s["percentile"] for s in high["scales"]] != [s["percentile"] for s in default["scales"]]


def test_report_refuses_norms_without_the_instruments_scales(candidate, tmp_path, capsys):
    other = tmp_path / "other.json"
    NormGroup.from_scores("acme", ["calm", "drive"], np.full((10, 2), 3.0)).save(other)
    assert main(["report", str(candidate), "--norms", str(other)]) == 2
    err = capsys.readouterr().err
    assert "norm group 'acme' has no scores for scale(s)" in err and "profilefit norms" in err


def test_report_of_a_stored_result_says_the_norms_are_not_applied(candidate, high_norms, tmp_path, capsys):
    stored = tmp_path / "result.json"
    assert main(["report", str(candidate), "--json", str(stored)]) == 0
    capsys.readouterr()
    assert main(["report", str(stored), "--norms", str(high_norms)]) == 0
    err = capsys.readouterr().err
    assert "is a stored result, reported as it is" in err and str(high_norms) in err
