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
    isolate,
    iter_results,
    row_html_report,
    row_text_report,
    select_shortlist,
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
    plural = labels.t("notice_results_model_unknown", model="@").split("@")[0]
    assert simulated not in page and plural in page and OWN in page


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


def _rewritten(source: Path, target: Path, change) -> Path:
    """``source``'s rows, each passed through ``change(number, row)`` (which may add a column), into ``target``."""
    with source.open(encoding="utf-8", newline="") as stream:
        rows = [change(number, row) for number, row in enumerate(csv.DictReader(stream))]
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def _words(page: str) -> str:
    return " ".join(html.unescape(page).split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_trained_on_column_is_read_by_one_rule_on_the_shortlist_and_the_row_page(results, tmp_path, language):
    """A trial: with ``trained_on=organisation data`` the shortlist said the organisation's data and
    ``report --id`` said the file does not record what the model was trained on."""
    _, own = results
    path = _rewritten(own, tmp_path / "trained.csv", lambda _, row: {**row, "trained_on": "organisation data"})
    labels = Labels(language)
    unknown = labels.t("notice_model_unknown", model="@").split("@")[0]
    row = find_result_row(path, "cand-0001")
    for page in (row_text_report(row, language=language), row_html_report(row, language=language)):
        words = _words(page)
        assert labels.t("notice_organisation_model") in words
        assert unknown not in words and labels.t("notice_simulated") not in words
    words = _words(shortlist_html(path, language=language))
    assert labels.t("notice_results_organisation_model") in words
    assert labels.t("notice_results_model_unknown", model="@").split("@")[0] not in words
    assert labels.t("notice_simulated") not in words


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_shortlist_of_mixed_models_says_what_holds_for_each_group(results, tmp_path, language):
    """A trial: reference rows beside rows of another model lost the simulation notice; the page said only
    "These results come from a model other than the shipped reference model"."""
    reference, _ = results

    def change(number: int, row: dict[str, str]) -> dict[str, str]:  # rows 0-2 another model's, 3-4 organisation
        if number < 3:
            return {**row, "model_id": OWN, "trained_on": ""}
        return {**row, "trained_on": "organisation data" if number < 5 else ""}

    path = _rewritten(reference, tmp_path / "mixed.csv", change)
    total = len(path.read_text(encoding="utf-8").splitlines()) - 1
    labels = Labels(language)
    words = _words(shortlist_html(path, language=language))
    for key, count in (
        ("notice_rows_model_unknown", 3),
        ("notice_rows_organisation_model", 2),
        ("notice_rows_simulated", total - 5),
    ):
        assert _words(labels.t(key, count=count, total=total, model=isolate(OWN))) in words, key
    for key in ("notice_simulated", "notice_results_organisation_model"):
        assert labels.t(key) not in words, key
    assert labels.t("notice_results_model_unknown", model="@").split("@")[0] not in words
    assert words.count(OWN) == 1  # named once, in its own group's sentence


def test_model_groups_count_every_candidate_of_the_batch(results, tmp_path):
    """The groups cover the whole batch, not only the rows a page shows; models are named in their own group."""
    reference, _ = results
    path = _rewritten(reference, tmp_path / "mixed.csv", lambda n, row: {**row, "model_id": OWN} if n < 4 else row)
    shortlist = select_shortlist(iter_results(path), top=2)
    total = shortlist.total
    assert [(group.trained_on, group.candidates) for group in shortlist.model_groups] == [
        ("simulation", total - 4),
        (None, 4),
    ]
    assert shortlist.model_groups[1].models == (OWN,) and OWN not in shortlist.model_groups[0].models
    assert shortlist.trained_on is None and shortlist.models == (OWN,)  # the one-word summary, as before
