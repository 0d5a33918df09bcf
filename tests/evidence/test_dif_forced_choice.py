"""DIF by block statement on instrument 2.0: planted DIF is found, clean statements rarely flagged, CLI end to end."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from profilefit.apps.cli import main
from profilefit.core.instrument import BLOCK_LABELS, Instrument, load_instrument
from profilefit.core.scoring import Responses, block_answer_codes, load_parameters
from profilefit.evidence.dif import FDR, DifComparison, dif_comparison, dif_to_dict

#: The statement given DIF, and the shift of its utility for the focal group (in the utility's units).
PLANTED = "em_01"
SHIFT = 0.8


@functools.cache
def _instrument() -> Instrument:
    return load_instrument("customer-contact-2.0")


def _simulate(
    n_per_group: int, *, seed: int, shift: float = 0.0, impact: float = 0.3
) -> tuple[Responses, NDArray[np.str_]]:
    """Two groups answering 2.0 under the shipped parameters.

    The focal group's traits are ``impact`` SD higher on the first trait (a true group difference,
    which is not DIF); ``shift`` is added to the utility of :data:`PLANTED` for the focal group only,
    so at equal traits the focal group marks it most more often and least less often.
    """
    instrument = _instrument()
    model = load_parameters(instrument)
    rng = np.random.default_rng(seed)
    n = 2 * n_per_group
    focal = np.arange(n) >= n_per_group
    traits = rng.standard_normal((n, len(model.design.traits))) @ np.linalg.cholesky(model.trait_correlation).T
    traits[focal, 0] += impact
    noise = rng.standard_normal((n, model.utility.size)) * np.sqrt(model.uniqueness)
    utility = model.utility + model.loading * traits[:, model.layout.statement_trait] + noise
    utility[focal, instrument.statement_ids.index(PLANTED)] += shift
    per_block = utility.reshape(n, len(instrument.blocks), len(BLOCK_LABELS))
    positions = np.stack([per_block.argmax(axis=2), per_block.argmin(axis=2)], axis=2)
    ids = np.array([f"p{k:05d}" for k in range(n)])
    responses = Responses(
        instrument,
        ids,
        np.empty((n, 0)),
        np.zeros((n, len(instrument.scenarios)), dtype=np.int16),
        np.full((n, len(instrument.attention_checks)), np.nan),
        np.full(n, 900.0),
        block_answer_codes(positions),
    )
    return responses, np.where(focal, "focal", "reference")


@functools.cache
def _planted() -> DifComparison:
    responses, groups = _simulate(1000, seed=11, shift=SHIFT)
    return dif_comparison(responses, groups, reference="reference", focal="focal")


@functools.cache
def _clean() -> DifComparison:
    responses, groups = _simulate(1000, seed=12)
    return dif_comparison(responses, groups, reference="reference", focal="focal")


def _statements(comparison: DifComparison, kind: str) -> dict[str, object]:
    return {a.field: a for a in comparison.answers if a.kind == kind}


def test_planted_statement_is_flagged_most_and_least_with_the_direction() -> None:
    comparison = _planted()
    most, least = _statements(comparison, "most")[PLANTED], _statements(comparison, "least")[PLANTED]
    assert most.flagged and least.flagged  # type: ignore[attr-defined]
    # Reference over focal: below 1 when the focal group marks it more often at the same level.
    assert most.mh.odds_ratio < 1 < least.mh.odds_ratio  # type: ignore[attr-defined]
    assert most.logistic.group_coef > 0 > least.logistic.group_coef  # type: ignore[attr-defined]
    assert most.q_logistic < FDR and most.dif_type in ("uniform", "both")  # type: ignore[attr-defined]
    block = most.block  # type: ignore[attr-defined]
    assert block in comparison.flagged_blocks()
    assert f"{PLANTED} most" in comparison.flagged_blocks()[block]


def test_flags_outside_the_planted_block_stay_within_the_false_positive_share() -> None:
    comparison = _planted()
    planted_block = _statements(comparison, "most")[PLANTED].block  # type: ignore[attr-defined]
    others = [a for a in comparison.answers if a.kind in ("most", "least") and a.block != planted_block]
    # 138 answers of 69 statements outside the block; BH at 5 % and the moderate-size rule keep flags rare.
    assert sum(a.flagged for a in others) <= 0.05 * len(others)


def test_no_dif_simulation_flags_at_most_the_expected_share() -> None:
    comparison = _clean()
    answers = [a for a in comparison.answers if a.kind in ("most", "least")]
    assert len(answers) == 2 * len(_instrument().statements)
    # Without DIF, and with a true 0.3 SD group difference in one trait, flags stay under 5 %.
    assert sum(a.flagged for a in answers) <= 0.05 * len(answers)
    assert sum(a.q_mh < FDR for a in answers) <= 0.05 * len(answers)


def test_matching_leaves_out_the_block_under_test() -> None:
    for answer in _clean().answers:
        if answer.kind in ("most", "least"):
            assert answer.block not in answer.matched_on
            assert len(answer.matched_on) == len(_instrument().blocks) - 1


def test_json_names_statement_block_letter_and_scale() -> None:
    comparison = _planted()
    answers = [a for a in comparison.answers if a.kind == "most"]
    instrument = _instrument()
    by_id = {s.id: (b.id, BLOCK_LABELS[k], s.scale) for b in instrument.blocks for k, s in enumerate(b.statements)}
    for answer in answers:
        assert (answer.block, answer.letter, answer.group) == by_id[answer.field]


def _write_export(path: Path, responses: Responses) -> None:
    records = responses.to_records()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)


def test_cli_runs_on_a_small_2_0_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    responses, groups = _simulate(150, seed=5, shift=SHIFT)
    instrument = responses.instrument
    choices = np.random.default_rng(5).integers(0, 3, responses.choices.shape).astype(np.int16)
    checks = np.tile([float(c.expected or 3) for c in instrument.attention_checks], (len(responses), 1))
    responses = Responses(
        instrument, responses.candidate_ids, responses.items, choices, checks, responses.seconds, responses.blocks
    )
    export, demographics = tmp_path / "export-2.csv", tmp_path / "demographics.csv"
    _write_export(export, responses)
    with demographics.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["candidate_id", "sex"])
        for candidate_id, group in zip(responses.candidate_ids, groups, strict=True):
            writer.writerow([candidate_id, "female" if group == "focal" else "male"])
    out_json, out_html = tmp_path / "dif.json", tmp_path / "dif.html"
    code = main(
        [
            "dif",
            str(export),
            "--demographics",
            str(demographics),
            "--model",
            "reference-2.0",
            "--reference",
            "male",
            "--json",
            str(out_json),
            "--html",
            str(out_html),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "2.0" in text and PLANTED in text
    document = json.loads(out_json.read_text("utf-8"))
    assert document["instrument"]["version"] == "2.0"
    answers = document["comparisons"][0]["answers"]
    kinds = {a["kind"] for a in answers}
    assert {"most", "least"} <= kinds and "likert" not in kinds
    statement = next(a for a in answers if a["field"] == PLANTED and a["kind"] == "most")
    assert statement["block"] and statement["letter"] in BLOCK_LABELS and statement["group"] == "empathy"
    assert "flagged_blocks" in document["comparisons"][0]
    page = out_html.read_text("utf-8")
    assert PLANTED in page


@pytest.mark.parametrize("choose", [["--instrument", "customer-contact-2.0"], ["--model", "reference-2.0"]])
def test_the_bundled_2_0_sample_and_demographics_run(choose: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """`profilefit dif sample --demographics sample` reads the 2.0 sample when the command reads 2.0."""
    assert main(["dif", "sample", "--demographics", "sample", *choose]) == 0
    out = capsys.readouterr().out
    assert "Instrument: customer-contact 2.0" in out
    assert "400 rows read: 0 rejected by validation" in out and "0 without a demographics row" in out
    assert "Statements marked most like me" in out


def test_dict_of_a_2_0_report_validates() -> None:
    responses, groups = _simulate(100, seed=7)
    from profilefit.evidence.dif import DifInputs, DifReport

    inputs = DifInputs(responses, groups, "sex", len(responses), 0, 0, 0, 0)
    comparison = dif_comparison(responses, groups, reference="reference", focal="focal", purify=False)
    data = dif_to_dict(DifReport(responses.instrument, inputs, (comparison,)))
    assert data["comparisons"][0]["answers"][0]["kind"] == "most"


def test_cli_refuses_a_missing_parameters_file_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    responses, groups = _simulate(40, seed=9)
    export, demographics = tmp_path / "export-2.csv", tmp_path / "demographics.csv"
    _write_export(export, responses)
    pairs = zip(responses.candidate_ids.tolist(), groups.tolist(), strict=True)
    rows = "".join(f"{c},{'female' if g == 'focal' else 'male'}\n" for c, g in pairs)
    demographics.write_text("candidate_id,sex\n" + rows, encoding="utf-8")
    missing = tmp_path / "nowhere.parameters.json"
    args = ["dif", str(export), "--demographics", str(demographics), "--instrument", "customer-contact-2.0"]
    assert main([*args, "--parameters", str(missing)]) == 2
    assert "nowhere.parameters.json" in capsys.readouterr().err
