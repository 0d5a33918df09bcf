import numpy as np

from profilefit.core.instrument import load_instrument
from profilefit.data.datasets import (
    BUNDLED_NORMS,
    SAMPLE_EXPORT,
    SAMPLE_EXPORT_2,
    SAMPLE_LABELLED,
    sample_export_path,
    write_bundled_data,
)
from profilefit.data.io import read_assessments

FC = load_instrument("customer-contact-2.0")


def test_bundled_data_is_what_the_code_generates(tmp_path):
    # Regenerate with: python -m profilefit.data.datasets bundled
    write_bundled_data(tmp_path)
    bundled = sample_export_path().parent
    for name in (SAMPLE_EXPORT, SAMPLE_LABELLED, BUNDLED_NORMS):
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), f"{name} is stale"


def test_sample_export_is_written_as_nordic_excel_does(instrument):
    raw = sample_export_path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw and b";" in raw.splitlines()[0]
    responses, _, rejected = read_assessments(sample_export_path(), instrument)
    assert len(responses) == 400
    assert {(r["row"], r["field"]) for r in rejected} == {(401, "tc1"), (402, "sj1")}


def test_the_2_0_sample_is_what_its_command_generates(tmp_path):
    """`python -m profilefit.data.datasets sample-2` writes the bundled 2.0 export: compared value by value."""
    from profilefit.data.datasets import main

    assert main(["sample-2", "--out", str(tmp_path)]) == 0
    fresh, _, fresh_rejects = read_assessments(tmp_path / SAMPLE_EXPORT_2, FC)
    bundled, _, rejects = read_assessments(sample_export_path(FC), FC)
    assert fresh_rejects == [] and rejects == []
    np.testing.assert_array_equal(fresh.candidate_ids, bundled.candidate_ids)
    np.testing.assert_array_equal(fresh.blocks, bundled.blocks)
    np.testing.assert_array_equal(fresh.choices, bundled.choices)
    np.testing.assert_array_equal(fresh.checks, bundled.checks)
    np.testing.assert_allclose(fresh.seconds, bundled.seconds, rtol=0, atol=1e-9)


def test_the_2_0_sample_scores_with_no_rejects_and_shares_the_1_2_sample_s_people(instrument, tmp_path):
    from profilefit.core.screening import Screener
    from profilefit.data.batch import score_file

    summary = score_file(sample_export_path(FC), tmp_path / "results.csv", screener=Screener.load("reference-2.0"))
    assert (summary.rows_read, summary.rows_scored, summary.rows_rejected) == (400, 400, 0)
    responses, _, _ = read_assessments(sample_export_path(FC), FC)
    assert responses.items.shape == (400, 0) and (responses.blocks == -1).any()  # some blocks left blank
    agreement, _, _ = read_assessments(sample_export_path(instrument), instrument)
    np.testing.assert_array_equal(responses.candidate_ids, agreement.candidate_ids)  # one demographics file for both
    raw = sample_export_path(FC).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b";" in raw.splitlines()[0]
