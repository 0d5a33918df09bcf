"""Rule: every page says what the model that scored the results was trained on, and only that.

A trial: results of a model retrained on the organisation's labels were shown under "the reference model is
trained on simulated candidates" (report --id, the shortlist), and the JSON report said both sentences.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path

import pytest

from profilefit.core.screening import Screener
from profilefit.data.batch import score_file
from profilefit.data.datasets import sample_export_path
from profilefit.pages.reports import (
    Labels,
    find_result_row,
    html_report,
    row_html_report,
    row_text_report,
    shortlist_html,
    text_report,
)

LANGUAGES = ("en", "nb", "sv", "nl")
OWN = "ours-labels-seed0"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> tuple[Path, Path]:
    """The sample export's results from the reference model, and the same rows as if another model wrote them."""
    folder = tmp_path_factory.mktemp("provenance")
    reference = folder / "reference.csv"
    score_file(sample_export_path(), reference, screener=Screener.load())
    text = reference.read_text(encoding="utf-8")
    model_id = next(csv.DictReader(text.splitlines()))["model_id"]
    own = folder / "own.csv"
    own.write_text(text.replace(model_id, OWN), encoding="utf-8")
    return reference, own


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_from_a_results_file_name_the_models_provenance(results, language):
    reference, own = results
    labels = Labels(language)
    simulated, unknown = labels.t("notice_simulated"), labels.t("notice_model_unknown", model="@").split("@")[0]
    first = find_result_row(reference, "cand-0001")
    assert simulated in row_text_report(first, language=language)
    assert simulated in row_html_report(first, language=language)
    mine = find_result_row(own, "cand-0001")
    for page in (row_text_report(mine, language=language), row_html_report(mine, language=language)):
        page = " ".join(html.unescape(page).split())
        assert simulated not in page and unknown in page and OWN in page
    assert simulated in shortlist_html(reference, language=language)
    page = " ".join(html.unescape(shortlist_html(own, language=language)).split())
    assert simulated not in page and unknown in page and OWN in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_result_of_an_organisations_model_says_so_and_not_the_simulation(language):
    screener = Screener.load()
    result = screener.score({"candidate_id": "c-1", "tc1": 4, "sj1": "b"})
    organisation = result.model_copy(
        update={"model": result.model.model_copy(update={"trained_on": "organisation data"})}
    )
    labels = Labels(language)
    for page in (html_report(organisation, language=language), text_report(organisation, language=language)):
        words = " ".join(html.unescape(page).split())
        assert labels.t("notice_organisation_model") in words
        assert labels.t("notice_simulated") not in words
    assert labels.t("notice_simulated") in " ".join(html.unescape(html_report(result, language=language)).split())
