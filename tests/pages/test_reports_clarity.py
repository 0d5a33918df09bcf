"""What a recruiter reads on the pages: isolated and capped data, a fit that waits for review, words not numbers.

One test per defect a browser review of the reports found (issue 14); the layout itself
(overflow, font sizes, overlap) is checked in a real browser by tests/pages/test_pages_in_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profilefit.core.instrument import BLOCK_ANSWERS as BLOCK_ANSWERS_OF
from profilefit.core.profiles import load_profiles
from profilefit.core.screening import ScreeningResult
from profilefit.core.validity import FLAG_IDS, ValidityFlags
from profilefit.data.simulate import simulate
from profilefit.pages import FSI, MAX_ID_CHARS, PDI, isolate
from profilefit.pages.reports import Labels, ShortlistRow, html_report, read_results, shortlist_html, text_report

LANGUAGES = ("en", "nb", "sv", "nl")
RLO = "\u202e"


class _Page(HTMLParser):
    """Every text with the elements around it, and every element with its attributes."""

    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr"})

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[tuple[str, tuple[tuple[str, dict[str, str | None]], ...]]] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = (tag, dict(attrs))
        self.elements.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        self.texts.append((data, tuple(self.stack)))

    def text_of(self, predicate) -> str:
        """The text inside elements for which ``predicate(tag, attrs)`` holds."""
        return " ".join(t for t, around in self.texts if any(predicate(tag, attrs) for tag, attrs in around))

    def body_text(self) -> str:
        return self.text_of(lambda tag, attrs: tag == "body")


def _has_class(name: str):
    return lambda tag, attrs: name in (attrs.get("class") or "").split()


@pytest.fixture(scope="module")
def results(screener) -> list[ScreeningResult]:
    return screener.results(screener.score_responses(simulate(80, seed=21).responses))


@pytest.fixture(scope="module")
def reviewed(results) -> ScreeningResult:
    """A result that needs review although its band is good."""
    return next(r for r in results if r.needs_human_review and r.fit and r.fit.band in ("strong", "possible"))


@pytest.fixture(scope="module")
def clear(results) -> ScreeningResult:
    return next(r for r in results if not r.needs_human_review and r.fit and r.fit.band == "strong")


@pytest.fixture(scope="module")
def blank(screener) -> ScreeningResult:
    """A nearly blank assessment: one answer, every scale unscored."""
    return screener.score({"candidate_id": "blank-1", "tc1": 5})


# ---- any input, sound layout ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_right_to_left_override_in_the_id_stays_inside_its_isolate(reviewed, language):
    """Rule: every text holding U+202E sits in a <bdi> (page text) or between FSI and PDI (title, attributes)."""
    result = reviewed.model_copy(update={"candidate_id": f"{RLO}troppus-esac", "norm_group": f"{RLO}group"})
    for page in (html_report(result, language=language), shortlist_html([result], language=language)):
        parsed = _Page(page)
        for text, around in parsed.texts:
            if RLO not in text:
                continue
            tags = [tag for tag, _ in around]
            isolated = "bdi" in tags or re.search(f"{FSI}[^{PDI}]*{RLO}[^{FSI}]*{PDI}", text)
            assert isolated, (text, tags)
        for _, attrs in parsed.elements:
            for name in ("title", "aria-label", "alt"):  # attributes a person sees or hears
                value = attrs.get(name) or ""
                assert RLO not in value or (FSI in value and PDI in value), value
    title = _Page(html_report(result, language=language)).text_of(lambda tag, _: tag == "title")
    assert f"{FSI}{RLO}troppus-esac{PDI}" in title


@settings(max_examples=25)
@given(candidate_id=st.text(min_size=1, max_size=6000).filter(lambda s: s.strip()))
def test_no_page_shows_more_of_an_id_than_the_cap(reviewed, candidate_id):
    """Rule: a page shows at most MAX_ID_CHARS characters of any id, the cut marked with an ellipsis."""
    result = reviewed.model_copy(update={"candidate_id": candidate_id})
    for page in (html_report(result), shortlist_html([result])):
        shown = [t for t, around in _Page(page).texts if any(tag == "bdi" for tag, _ in around)]
        ids = [t for t in shown if t == candidate_id or t.endswith("…")]
        assert ids and all(len(t) <= MAX_ID_CHARS for t in ids)
        assert (len(candidate_id) > MAX_ID_CHARS) == any(t.endswith("…") for t in ids if t != candidate_id)


def test_a_5000_character_id_is_capped_in_results_files_and_reports(results, tmp_path):
    path = tmp_path / "results.jsonl"
    record = {"candidate_id": "W" * 5000, "profile": "rock", "fit_score": 50.0, "fit_band": "possible"}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (row,) = read_results(path)
    assert len(row.candidate_id) == MAX_ID_CHARS and row.candidate_id.endswith("…")
    long = results[0].model_copy(update={"candidate_id": "W" * 5000, "norm_group": "N" * 5000})
    page = html_report(long)
    assert "W" * MAX_ID_CHARS not in page and "W" * (MAX_ID_CHARS - 1) in page
    assert "N" * 300 not in page
    assert "W" * MAX_ID_CHARS not in text_report(long)
    assert "W" * MAX_ID_CHARS not in shortlist_html([ShortlistRow("W" * 5000, "rock", "rock", 0.5, 50.0, None, False)])


def test_every_page_carries_a_content_security_policy_that_allows_only_its_own_script(results):
    """Rule: nothing may load; the only script that may run is the page's own, named by its sha256."""
    for page, scripts in ((html_report(results[0]), 0), (shortlist_html(results), 1)):
        parsed = _Page(page)
        policy = next(attrs["content"] for tag, attrs in parsed.elements if tag == "meta" and attrs.get("http-equiv"))
        assert "default-src 'none'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1]
        bodies = [t for t, around in parsed.texts if around and around[-1][0] == "script"]
        assert len(bodies) == scripts
        for body in bodies:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy


# ---- a clearer candidate report -----------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_result_that_needs_review_shows_its_fit_muted_with_review_first(reviewed, clear, language):
    labels = Labels(language)
    page = _Page(html_report(reviewed, language=language))
    fit = page.text_of(lambda tag, attrs: attrs.get("id") == "fit")
    assert labels.t("review_first") in fit
    bands = [attrs["class"] for tag, attrs in page.elements if "band" in (attrs.get("class") or "").split()]
    assert bands == ["band band-muted"], "a coloured band under a red review box"
    assert any("muted" in (a.get("class") or "") and "fit-chart" in (a.get("class") or "") for _, a in page.elements)
    # The profile rests on the same answers: it says "review first" too, its bars grey.
    profiles = page.text_of(lambda tag, attrs: attrs.get("id") == "profiles")
    assert labels.t("review_first") in profiles
    assert any(
        "muted" in (a.get("class") or "") and "profile-chart" in (a.get("class") or "") for _, a in page.elements
    )
    text = text_report(reviewed, language=language)
    profile_line = next(line for line in text.splitlines() if line.startswith(labels.t("profile") + ":"))
    assert profile_line.endswith(labels.t("review_first").upper())
    calm = _Page(html_report(clear, language=language))
    assert labels.t("review_first") not in calm.body_text()
    # No flag is said to be no proof of honest answers (a trial: partial fakers reached strong with no flag).
    assert labels.no_flags() in calm.body_text() and len(labels.no_flags()) > 150
    assert [a["class"] for _, a in calm.elements if "band" in (a.get("class") or "").split()] == ["band band-strong"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_fit_parts_are_explained_in_one_sentence(clear, language):
    """Three parts for a role that weighs the scenarios (the built-in ones), two for a role that does not."""
    labels = Labels(language)
    assert clear.fit.situational_component is not None
    sentence = labels.t(
        "fit_parts_situational",
        scales=labels.number(clear.fit.scale_component, 0),
        scenarios=labels.number(clear.fit.situational_component, 0),
        profiles=labels.number(clear.fit.profile_component, 0),
    )
    assert sentence.count(".") == 1 and sentence.endswith(".")
    assert sentence in _Page(html_report(clear, language=language)).body_text()
    two_parts = clear.model_copy(update={"fit": clear.fit.model_copy(update={"situational_component": None})})
    sentence = labels.t(
        "fit_parts",
        scales=labels.number(clear.fit.scale_component, 0),
        profiles=labels.number(clear.fit.profile_component, 0),
    )
    assert sentence.count(".") == 1 and sentence in _Page(html_report(two_parts, language=language)).body_text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_why_table_has_headings_and_says_it_in_words(results, language):
    labels = Labels(language)
    result = next(r for r in results if any(c.feature.startswith("sjt_") for c in r.explanation.contributions[:5]))
    page = _Page(html_report(result, language=language))
    why = page.text_of(_has_class("why"))
    for key in ("why_col_measure", "why_col_candidate", "why_col_towards"):
        assert labels.t(key) in why
    strengths = [labels.t(key) for key in ("pull_strong", "pull_moderate", "pull_slight")]
    rows = [t for t, around in page.texts if any(tag == "tr" for tag, _ in around) and "why" in str(around)]
    assert sum(any(f"({word})" in text for word in strengths) for text in rows) == 5
    total = len(labels.instrument.scenarios)
    assert labels.t("scenario_count", count=0, total=total).split("0", 1)[1].strip() in why  # "... of 8 scenarios"
    for contribution in result.explanation.contributions[:5]:
        assert f"{contribution.contribution:.2f}" not in why  # no raw log-odds


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_profile_probability_is_page_text_outside_the_decoration(results, language):
    labels = Labels(language)
    result = results[3]
    page = _Page(html_report(result, language=language))
    chart = [
        t
        for t, around in page.texts
        if any("profile-chart" in (a.get("class") or "") for _, a in around)
        and not any(a.get("aria-hidden") == "true" for _, a in around)
    ]
    for profile_id, share in result.probabilities.items():
        assert labels.profile(profile_id) in chart
        assert labels.percent(share) in chart


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_incomplete_assessment_names_its_missing_scales_not_a_threshold(blank, language):
    labels = Labels(language)
    text = _Page(html_report(blank, language=language)).text_of(lambda tag, attrs: attrs.get("id") == "review")
    for scale in blank.scales:
        assert labels.scale(scale.scale) in text
    threshold = labels.t("review_undetermined").split("{")[0]
    assert threshold not in text  # never "41 %, below the threshold of 40 %"
    assert labels.t("review_undetermined_missing").split("{")[0] in text


def test_an_undetermined_profile_never_reads_as_equal_to_its_threshold(results):
    result = next(r for r in results if r.profile == "undetermined" and all(s.score is not None for s in r.scales))
    # Without a fit the profile is all there is, so an undetermined one is a reason for review.
    close = result.model_copy(
        update={"confidence": 0.3996, "min_confidence": 0.4, "fit": None, "needs_human_review": True}
    )
    text = _Page(html_report(close)).text_of(lambda tag, attrs: attrs.get("id") == "review")
    shown = re.search(r"has ([\d.]+%); a profile is named from ([\d.]+%)", text)
    assert shown and shown.group(1) != shown.group(2), text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_fit_without_a_band_is_rendered_as_incomplete(blank, language):
    """Branch `fit` makes fits that lack a weighted scale incomplete: band null, review needed."""
    labels = Labels(language)
    fit = blank.fit.model_copy(update={"band": None})
    result = blank.model_copy(update={"fit": fit, "needs_human_review": True})
    page = _Page(html_report(result, language=language))
    fit_text = page.text_of(lambda tag, attrs: attrs.get("id") == "fit")
    assert labels.band(None) in fit_text
    assert labels.scale("taking_charge") in fit_text  # which scale the role weighs is missing
    review = page.text_of(lambda tag, attrs: attrs.get("id") == "review")
    assert labels.t("review_incomplete_fit").split("{")[0] in review and labels.scale("ownership") in review
    assert labels.band(None) in text_report(result, language=language)
    assert labels.band(None) in shortlist_html([result], language=language)


def test_the_shortlist_count_is_announced_to_screen_readers(results):
    shown = next(attrs for tag, attrs in _Page(shortlist_html(results)).elements if attrs.get("id") == "shown")
    assert shown.get("aria-live") == "polite"


# ---- natural translations ------------------------------------------------------------------------


def test_each_profile_has_one_natural_name_per_language():
    profiles = load_profiles()
    for language in ("nb", "sv", "nl"):
        names = [profiles.name(p, language) for p in profiles.ids]
        assert len(set(names)) == len(names)
        assert all(profiles.name(p, language) != profiles.name(p, "en") for p in profiles.ids), language


@pytest.mark.parametrize("language", ("nb", "sv", "nl"))
def test_the_profile_names_are_the_same_everywhere_on_the_page(results, language):
    labels, profiles = Labels(language), load_profiles()
    page = _Page(html_report(results[0], language=language)).body_text()
    for profile_id in profiles.ids:
        assert profiles.name(profile_id, "en") not in page.replace(f"({profiles.name(profile_id, 'en')})", "")
        assert labels.profile(profile_id) in page
    top = results[0].top_profile
    assert f"({profiles.name(top, 'en')})" in page  # the English name once, where the profile is named


@pytest.mark.parametrize("language", ("nb", "sv", "nl"))
def test_flag_details_and_the_norm_group_are_translated(results, language):
    labels = Labels(language)
    flagged = next(r for r in results if len(r.flags) >= 2)
    text = _Page(html_report(flagged, language=language)).body_text()
    assert labels.t("norm_group_simulated") in text and "simulated applicants" not in text
    english = labels.t("flag_detail_english", detail="").split(":")[0]
    assert english not in text
    for flag in flagged.flags:
        assert flag.detail not in text


def test_every_flag_detail_profilefit_writes_is_read_back_in_every_language():
    """Rule: the English details of profilefit.core.validity and the patterns of the reports stay in step."""
    flags = _agreement_flags(failed_checks=2, virtue_claims=4)
    for language in LANGUAGES:
        labels = Labels(language)
        for flag in FLAG_IDS:
            detail = flags.detail(0, flag)
            shown = labels.flag_detail(flag, detail)
            numbers = _numbers(detail, flag)
            if "index" in numbers:
                numbers["index"] = labels.number(float(numbers["index"]), 2)
            assert shown == labels.t("flag_detail", detail=labels.t(f"detail_{flag}", **numbers))
    assert "(på engelsk)" in Labels("nb").flag_detail("too_fast", "something new")


@pytest.mark.parametrize("count", [1, 2])
def test_a_count_s_noun_is_in_its_number_and_no_language_writes_brackets(count):
    """Rule: "1 improbable virtue", "2 improbable virtues"; no "virtue(s)" or "dyd(er)" in any language."""
    flags = _agreement_flags(failed_checks=count, virtue_claims=count)
    noun = {1: ("improbable virtue claimed", "attention check that"), 2: ("improbable virtues", "attention checks")}
    assert noun[count][0] in flags.detail(0, "idealised")
    assert noun[count][1] in flags.detail(0, "failed_attention_check")
    for language in LANGUAGES:
        labels = Labels(language)
        for flag in ("idealised", "failed_attention_check"):
            shown = labels.flag_detail(flag, flags.detail(0, flag))
            assert not re.search(r"\w\((?:s|e|er|en|a|ar)\)", shown), (language, shown)
            assert "(in English)" not in shown and str(count) in shown, (language, shown)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_detail_written_before_counts_were_in_their_number_is_still_read(language):
    labels = Labels(language)
    old = (
        "answered in an idealised way (index 0.88): clearly desirable answers at or next to the extreme again "
        "and again; 3 improbable virtue(s) claimed strongly"
    )
    assert labels.flag_detail("idealised", old) == labels.flag_detail("idealised", old.replace("virtue(s)", "virtues"))
    checks = "missed 2 attention check(s) that asked for a given answer"
    assert labels.flag_detail("failed_attention_check", checks) == labels.flag_detail(
        "failed_attention_check", checks.replace("check(s)", "checks")
    )
    english = labels.t("flag_detail_english", detail="").split(":")[0]
    assert language == "en" or english not in labels.flag_detail("idealised", old)


def _agreement_flags(*, failed_checks: int, virtue_claims: int) -> ValidityFlags:
    """One 1.2 candidate with every flag raised, and these two counts."""
    import numpy as np

    return ValidityFlags(
        flags=np.ones((1, len(FLAG_IDS)), dtype=bool),
        longest_run=np.array([14]),
        modal_count=np.array([30]),
        failed_checks=np.array([failed_checks]),
        seconds=np.array([95.0]),
        minimum_seconds=180.0,
        contradictory_scales=np.array([3]),
        missing_items=np.array([7]),
        n_items=48,
        idealised_index=np.array([0.875]),
        virtue_claims=np.array([virtue_claims]),
    )


def _numbers(detail: str, flag: str) -> dict[str, str]:
    names = {
        "straight_lining": ("modal", "answered", "run"),
        "failed_attention_check": ("count",),
        "too_fast": ("seconds", "minimum"),
        "contradictory": ("count",),
        "too_many_missing": ("missing", "total"),
        "idealised": ("index", "claims"),
    }[flag]
    return dict(zip(names, re.findall(r"\d+(?:\.\d+)?", detail), strict=True))


#: Phrases a reviewer found to read as translated (issue 14); none may come back.
STILTED = {
    "nb": ("uten omtanke", "ikke avgjort", "Match med rollen", "mot {profile}"),
    "sv": ("givet svaren", "inte avgjord", "Matchning"),
    "nl": ("Tweede keus", "gaat beter met minder", "gegeven de antwoorden"),
}


def _all_texts(language: str) -> str:
    texts = []
    for package in ("profilefit.pages.reports", "profilefit.core.fit"):
        for name in ("strings.json", "reasons.json"):
            path = resources.files(package).joinpath("data", name)
            if path.is_file():
                texts += [t[language] for t in json.loads(path.read_text(encoding="utf-8"))["strings"].values()]
    return "\n".join(texts)


@pytest.mark.parametrize("language", sorted(STILTED))
def test_the_phrases_that_read_as_translated_are_gone(language):
    texts = _all_texts(language)
    for phrase in STILTED[language]:
        assert phrase not in texts, phrase


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_review_column_says_needed_or_not_needed(results, language):
    labels = Labels(language)
    page = _Page(shortlist_html(results, language=language))
    cells = [t.strip() for t, around in page.texts if around and around[-1][0] == "td" and "review" in str(around)]
    assert labels.t("col_review") in page.body_text()
    wanted = {labels.t("review_needed"), labels.t("review_not_needed")}
    review_cells = [c for c in cells if c in wanted]
    assert len(review_cells) == len(results)
    assert sum(c == labels.t("review_needed") for c in review_cells) == sum(r.needs_human_review for r in results)


def test_the_text_report_isolates_an_id_only_when_it_could_reorder_the_line(reviewed):
    assert text_report(reviewed).splitlines()[0].endswith(reviewed.candidate_id)
    first = text_report(reviewed.model_copy(update={"candidate_id": f"{RLO}abc"})).splitlines()[0]
    assert first.endswith(f"{FSI}{RLO}abc{PDI}")


def test_an_incomplete_fit_is_listed_after_every_banded_one_and_can_be_filtered():
    rows = [
        ShortlistRow("incomplete-high", "rock", "rock", 0.5, 90.0, None, True),
        ShortlistRow("weak-low", "rock", "rock", 0.5, 20.0, "weak", False),
    ]
    page = _Page(shortlist_html(rows, language="nb"))
    order = [attrs.get("data-band") for tag, attrs in page.elements if tag == "tr" and "data-band" in attrs]
    assert order == ["weak", "incomplete"]
    options = [attrs.get("value") for tag, attrs in page.elements if tag == "option"]
    assert "incomplete" in options
    assert Labels("nb").band(None) in page.body_text()


@given(text=st.text(alphabet=st.sampled_from("ab\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"), max_size=30))
def test_an_isolate_is_balanced_whatever_the_text_holds(text):
    """Rule: the FSI that isolate() opens is closed by its last character and by nothing before it."""
    from profilefit.pages import isolate

    wrapped, depth = isolate(text), 0
    for k, char in enumerate(wrapped):
        depth += char in "\u2066\u2067\u2068"
        depth -= char == PDI
        assert depth > 0 or k == len(wrapped) - 1, (text, k)
    isolates = re.compile("[\u2066-\u2069]")
    assert depth == 0 and isolates.sub("", wrapped) == isolates.sub("", text)  # only isolates added or dropped


@pytest.mark.parametrize("with_role", [False, True])
def test_every_forced_choice_flag_detail_is_read_back_in_every_language(with_role):
    """Rule: the English details of instrument 2.0's flags and the reports' 2.0 patterns stay in step."""

    role = {"role_blocks": 15, "role_rated": 22, "role_most": 20, "role_least": 17} if with_role else {}
    flags = _forced_choice_flags(
        longest_run=9,
        modal_count=21,
        failed_checks=1,
        seconds=95.0,
        missing_items=3,
        idealised_index=0.625,
        virtue_claims=2,
        ideal_blocks=13,
        rated_blocks=20,
        person_fit=0.0412,
        **role,
    )
    for language in LANGUAGES:
        labels = Labels(language)
        for flag in ("straight_lining", "too_many_missing", "idealised", "contradictory"):
            detail = flags.detail(0, flag)
            shown = labels.flag_detail(flag, detail)
            english = labels.t("flag_detail_english", detail="").split(":")[0]
            assert english not in shown or language == "en", (language, flag, shown)
            decimals = re.sub(r"0\.(625|041|005)", "", detail)
            for number in re.findall(r"\d+", decimals):
                assert number in shown, (language, flag, number, shown)
            assert labels.number(0.625, 2) in shown or flag != "idealised"
            # Person fit and its line, with this language's decimal mark.
            assert flag != "contradictory" or (labels.number(0.041, 3) in shown and labels.number(0.005, 3) in shown)
            assert "\u2026" not in shown, (language, flag, shown)  # read back whole, never cut short


def test_the_flags_of_instrument_2_0_are_explained_by_its_own_rules_in_every_language():
    """Rule: a 2.0 report explains a flag by the blocks' thresholds, never by 1.2's agreement-scale rules."""
    from profilefit.core.instrument import load_instrument
    from profilefit.core.validity import (
        FC_IDEALISED_THRESHOLD,
        FC_PERSON_FIT_MIN_BLOCKS,
        IDEALISED_STATEMENTS_ONLY,
        IDEALISED_THRESHOLD,
        PATTERN_MIN_BLOCKS,
    )

    forced_choice = load_instrument("customer-contact-2.0")
    for language in LANGUAGES:
        labels, agreement = Labels(language, forced_choice), Labels(language)
        for flag in FLAG_IDS:
            explanation = labels.flag_explanation(flag)
            assert len(explanation) > 30 and "{" not in explanation, (language, flag)
        idealised = labels.flag_explanation("idealised")
        assert labels.number(FC_IDEALISED_THRESHOLD, 2) in idealised
        assert labels.number(IDEALISED_THRESHOLD, 2) not in idealised
        assert labels.number(IDEALISED_STATEMENTS_ONLY, 2) not in idealised
        assert idealised != agreement.flag_explanation("idealised")
        assert str(PATTERN_MIN_BLOCKS) in labels.flag_explanation("straight_lining")
        # The line is the scoring parameters' own (calibrated parameters set theirs): the detail shows it.
        assert str(FC_PERSON_FIT_MIN_BLOCKS) in labels.flag_explanation("contradictory")
        assert labels.flag_name("contradictory") != agreement.flag_name("contradictory")  # its own name on 2.0
        for flag in ("straight_lining", "too_fast", "too_many_missing", "contradictory"):
            assert labels.flag_explanation(flag) != agreement.flag_explanation(flag), (language, flag)
    # 3.5 s x 24 blocks + 2 s x 6 checks + 10 s x 10 scenarios, as the flag computes it
    from profilefit.core.scoring import Responses
    from profilefit.core.validity import minimum_plausible_seconds

    minimum = minimum_plausible_seconds(Responses.from_records(forced_choice, []))
    assert f"under {minimum:.0f} seconds" in Labels("en", forced_choice).flag_explanation("too_fast")


def test_a_2_0_idealised_detail_without_an_index_is_read_back_whole():
    """The role's rule can fire with too few rated blocks answered for the index (nan)."""
    import numpy as np

    flags = _forced_choice_flags(
        longest_run=2,
        modal_count=5,
        failed_checks=0,
        seconds=900.0,
        missing_items=13,
        idealised_index=np.nan,
        virtue_claims=0,
        ideal_blocks=7,
        rated_blocks=10,
        role_blocks=11,
        role_rated=11,
        role_most=11,
        role_least=11,
    )
    detail = flags.detail(0, "idealised")
    assert "index nan" in detail
    for language in LANGUAGES:
        shown = Labels(language).flag_detail("idealised", detail)
        assert "nan" not in shown and "\u2026" not in shown and "11" in shown, (language, shown)


def test_a_2_0_report_says_why_a_reason_s_percentile_differs_from_the_table_when_blocks_were_left_blank():
    """The fit counts a blank block as the answer the role wants least; the scale table shows the answers given."""
    from profilefit.core.instrument import load_instrument
    from profilefit.core.screening import Screener
    from profilefit.pages.reports import text_report
    from tests.forced_choice_support import simulated_rows

    instrument = load_instrument("customer-contact-2.0")
    screener = Screener.load("reference-2.0")
    rows, _ = simulated_rows(40, seed=8)
    shown = {True: 0, False: 0}
    for row in rows:
        record = {k: v for k, v in row.items() if k != "profile"}
        for blank in (False, True):
            answers = {k: v for k, v in record.items() if not (blank and k in instrument.block_ids[:6])}
            result = screener.score(answers)
            for language in LANGUAGES:
                labels = Labels(language, instrument)
                text = text_report(result, language=language).replace("\n", " ")
                said = labels.t("fit_blanks_counted")[:40] in " ".join(text.split())
                if not blank:
                    assert not said, (language, result.candidate_id)
                shown[blank] += said
    assert shown[True] > 0 and shown[False] == 0


def test_a_2_0_report_names_its_norm_group_and_its_attention_check_answer_in_the_page_s_language():
    from profilefit.core.instrument import load_instrument

    instrument = load_instrument("customer-contact-2.0")
    for language in ("nb", "sv", "nl"):
        labels = Labels(language, instrument)
        named = labels.norm_group("customer-contact 2.0, honest simulated applicants")
        assert "honest" not in named and "simulated" not in named, named
        example = instrument.response_scale.labels[language][1]
        assert example in labels.flag_explanation("failed_attention_check")


def test_a_2_0_text_report_lines_its_scale_scores_up_to_two_decimals():
    from profilefit.core.screening import Screener
    from profilefit.pages.reports import text_report
    from tests.forced_choice_support import simulated_rows

    rows, _ = simulated_rows(1, seed=4)
    result = Screener.load("reference-2.0").score({k: v for k, v in rows[0].items() if k != "profile"})
    lines = [line for line in text_report(result, language="nb").splitlines() if "persentil" in line]
    assert len(lines) == len(result.scales)
    assert len({line.index("persentil") for line in lines}) == 1  # one column, negative scores included
    assert all(re.search(r"−?\d,\d\d  persentil", line) for line in lines), lines


def _forced_choice_flags(**one_candidate: float) -> ValidityFlags:
    """Every flag fired for one 2.0 candidate with these numbers (each an array of one)."""
    import numpy as np

    return ValidityFlags(
        flags=np.ones((1, len(FLAG_IDS)), dtype=bool),
        minimum_seconds=180.0,
        contradictory_scales=np.array([0]),
        n_items=24,
        forced_choice=True,
        **{name: np.array([value]) for name, value in one_candidate.items()},
    )


@pytest.mark.parametrize("language", ["en", "nb"])
def test_a_candidate_with_unscored_scales_is_not_placed_described_or_compared(language):
    """13 of 24 blocks blank: the page named "most likely: Empathizer, 66 %" under a chart saying no profile is
    named below 40 %, then described the profile and why it beat another, from probabilities leaning on means."""
    from profilefit.core.screening import Screener
    from profilefit.data.simulate import simulate_forced_choice

    screener = Screener.load("reference-2.0")
    sim = simulate_forced_choice(1, screener.instrument, seed=2)
    record = {"candidate_id": "blank-13", "completion_seconds": 900}
    for k, block in enumerate(screener.instrument.block_ids[13:], start=13):
        record[block] = BLOCK_ANSWERS_OF[int(sim.blocks[0, k])]
    result = screener.score(record)
    assert result.profile == "undetermined" and any(scale.score is None for scale in result.scales)
    labels = Labels(language, instrument=screener.instrument)
    html = html_report(result, language=language, instrument=screener.instrument)
    missing = sum(scale.score is None for scale in result.scales)
    assert labels.t("not_placed_note", n=missing, total=len(result.scales)) in html
    top = labels.profile(result.top_profile)
    assert labels.t("most_likely_note", profile=top, probability="")[:12] not in html
    assert labels.t("about_profile", profile="").strip()[:8] not in html
    assert labels.t("why_profile", top="", second="").strip()[:8] not in html
    text = text_report(result, language=language)
    assert labels.t("not_placed_note", n=missing, total=len(result.scales))[:20] in text and "#####" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_fit_says_how_many_questions_were_left_unanswered(language):
    """A trial: one group left blank moved an honest candidate from strong (73.9) to possible (63.2), and the report
    said nothing of how many were blank; it now counts them where the fit is explained (HTML and text)."""
    from profilefit.core.instrument import load_instrument
    from profilefit.core.screening import Screener
    from profilefit.data.datasets import sample_export_path
    from profilefit.data.io import read_assessments

    def said(result, text, shown=None):  # ``shown``: the same words on the page (names isolated there)
        return text in " ".join(text_report(result, language=language).split()) and (shown or text) in html_report(
            result, language=language
        )

    forced = load_instrument("customer-contact-2.0")
    records = read_assessments(sample_export_path(forced), forced)[0].to_records()
    record = next(r for r in records if all(r.get(block) for block in forced.block_ids))
    screener = Screener.load("reference-2.0")
    labels = Labels(language, forced)
    counted = labels.t("fit_blank_groups", missing=2, total=24, listed="").split(",")[0]
    assert said(screener.score({k: v for k, v in record.items() if k not in ("b03", "b16")}), counted)
    assert not said(screener.score(record), counted.split(":")[0] + ":")

    agreement = Screener.load()
    item = agreement.instrument.items[0]
    total = sum(1 for other in agreement.instrument.items if other.scale == item.scale)
    answered = read_assessments(sample_export_path(), agreement.instrument)[0].to_records()[0]
    one = Labels(language)
    counted = one.t("blank_count", scale=one.scale(item.scale), missing=1, total=total)
    shown = one.t("blank_count", scale=isolate(one.scale(item.scale)), missing=1, total=total)
    assert said(agreement.score({**answered, item.id: None}), counted, shown)


def test_the_report_names_the_rules_a_2_0_idealised_flag_fired_on_from_the_detail_or_old_counts():
    """A review: the report guessed the index rule from a rounded index; it now reads the detail's own names, and
    a detail written before it named them gets the rules its counts reach."""
    from profilefit.core.instrument import load_instrument

    labels = Labels("nb", load_instrument("customer-contact-2.0"))
    start = (
        "answered in an idealised way (index 0.64): the most desirable statement marked most and the least "
        "desirable least in 14 of 22 blocks; 0 improbable virtues claimed strongly; the statement the role favours "
        "most marked most and the one it favours least marked least in 13 of 24 blocks (the most marks in its "
        "order in 15, the least marks in 16)"
    )
    new = labels.flag_detail("idealised", start + "; flagged for the role's order (from 13 blocks)")
    old = labels.flag_detail("idealised", start)  # written before details named their rules
    assert new == old and "flagget for rollens rekkefølge (fra 13 grupper)" in new and "indeksen" not in new
    index_only = start.replace("13 of 24 blocks", "9 of 24 blocks") + "; flagged for the index (from 0.55)"
    assert "flagget for indeksen (fra 0,55)" in labels.flag_detail("idealised", index_only)


# ---- a report without a flag -------------------------------------------------------------------------

#: The words of each language's "no flag" sentence that say it proves nothing about honesty.
NO_PROOF = {"en": "no proof", "nb": "ikke bevis", "sv": "inget bevis", "nl": "geen bewijs"}


@pytest.fixture(scope="module")
def clear_2_0() -> ScreeningResult:
    """A 2.0 result without a validity flag."""
    from profilefit.core.screening import Screener
    from tests.forced_choice_support import simulated_rows

    rows, _ = simulated_rows(20, seed=5)
    screener = Screener.load("reference-2.0")
    results = [screener.score({k: v for k, v in row.items() if k != "profile"}) for row in rows]
    return next(r for r in results if not r.flags)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_report_without_a_flag_names_every_check_and_says_none_firing_proves_no_honesty(clear, clear_2_0, language):
    """Rule: the sentence lists the flags that exist, by the names the report gives them, and claims nothing more."""
    from profilefit.core.instrument import load_instrument

    for result, instrument in ((clear, load_instrument()), (clear_2_0, load_instrument("customer-contact-2.0"))):
        labels = Labels(language, instrument)
        sentence = labels.no_flags()
        assert "{" not in sentence and NO_PROOF[language] in sentence
        for flag in FLAG_IDS:  # every check, not only the faking one
            assert labels.flag_name(flag).lower() in sentence.lower(), flag
        assert sentence in _Page(html_report(result, language=language)).body_text()
        assert sentence in " ".join(text_report(result, language=language).split())
    forced = Labels(language, load_instrument("customer-contact-2.0")).no_flags()
    agreement = Labels(language).no_flags()
    # 2.0's contradictory flag reads person fit: the sentence names it as the report does there.
    assert Labels(language).flag_name("contradictory").lower() not in forced.lower()
    assert forced != agreement


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_results_row_without_a_flag_says_what_no_flag_means(tmp_path_factory, screener, language):
    from profilefit.data.batch import score_file
    from profilefit.data.datasets import sample_export_path
    from profilefit.pages.reports import iter_result_rows, row_html_report

    path = tmp_path_factory.mktemp("no-flag") / "results.csv"
    score_file(sample_export_path(), path, screener=screener)
    row = next(r for r in iter_result_rows(path) if not r.flags)
    sentence = Labels(language).no_flags()
    assert sentence in _Page(row_html_report(row, language=language)).body_text()
