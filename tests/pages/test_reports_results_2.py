"""The row report and the shortlist on a 2.0 results file: 2.0's scale names, standard scores with their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from profilefit.core.instrument import BLOCK_ANSWERS, load_instrument
from profilefit.core.screening import Screener
from profilefit.data.batch import write_results
from profilefit.data.results import read_result_records
from profilefit.pages.reports import Labels, find_result_row, row_html_report, row_text_report, shortlist_html

pytest.importorskip("pyarrow")

SCREENER_2 = Screener.load("reference-2.0")
INSTRUMENT_2 = load_instrument("customer-contact-2.0")
INSTRUMENT_1 = load_instrument()


def _results_file(folder: Path, suffix: str = ".csv") -> Path:
    rows = [
        {"candidate_id": f"c{k}", **{b: BLOCK_ANSWERS[(3 * k + j) % 6] for j, b in enumerate(INSTRUMENT_2.block_ids)}}
        for k in range(4)
    ]
    path = folder / f"results{suffix}"
    write_results(path, [SCREENER_2.score(row) for row in rows], screener=SCREENER_2)
    return path


@pytest.mark.parametrize("language", ["en", "nb"])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_2_0_row_report_names_2_0_scales_and_gives_standard_scores_with_their_errors(tmp_path, language, suffix):
    path = _results_file(tmp_path, suffix)
    record = read_result_records(path)[1]
    row = find_result_row(path, "c1")
    labels = Labels(language, INSTRUMENT_2)
    text = row_text_report(row, language=language)
    page = row_html_report(row, language=language)
    assert labels.t("score_standard_heading") in text and labels.t("row_scales_standard") in text
    for scale in INSTRUMENT_2.scales:
        score, error = record.scales[scale.id], record.standard_errors[scale.id]
        assert score is not None and error is not None
        shown = f"{labels.scale(scale.id)}: {labels.number(score, 2)} ({labels.number(error, 2)})"
        assert shown in text
    # Neither 1.2's scale names nor its "on a scale of 1 to 6" are used for 2.0's figures.
    old = Labels(language, INSTRUMENT_1)
    only_1_2 = {old.scale(s.id) for s in INSTRUMENT_1.scales} - {labels.scale(s.id) for s in INSTRUMENT_2.scales}
    assert only_1_2 and not [name for name in only_1_2 if f"  {name}:" in text or f">{name}<" in page]
    one_to_six = old.t("scale_value", score="", low="1", high="6").strip()
    assert one_to_six not in text and one_to_six not in page
    assert labels.t("score_standard_heading") in page
    assert labels.scale(INSTRUMENT_2.scales[0].id) in page


def test_a_1_2_row_report_keeps_its_names_and_plain_means(tmp_path):
    """A file written before results said their instrument (1.2): names from the shipped instrument, no note."""
    path = tmp_path / "old.csv"
    scale = INSTRUMENT_1.scales[0].id
    path.write_text(f"candidate_id,profile,scale_{scale}\nc1,empathizer,4.25\n", encoding="utf-8")
    text = row_text_report(find_result_row(path, "c1"))
    labels = Labels("en", INSTRUMENT_1)
    assert f"{labels.scale(scale)}: 4.25" in text
    assert labels.t("row_scales_standard") not in text


def test_the_shortlist_of_a_2_0_file_names_its_instrument(tmp_path):
    page = shortlist_html(_results_file(tmp_path))
    assert "customer-contact 2.0" in page
