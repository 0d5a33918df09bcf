"""The page layer (profilefit.pages): one environment, one catalogue per language, no tags built in Python.

Every page profilefit writes goes through one Jinja environment, so every page must place data alike:
escaped, capped at :data:`~profilefit.pages.MAX_TEXT_CHARS`, and isolated (in ``<bdi>`` in text,
between FSI … PDI where an element cannot go). Every number goes through one catalogue, so the same
number prints alike on every page of a language.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import profilefit
from profilefit.pages import (
    FSI,
    MAX_PROSE_CHARS,
    MAX_TEXT_CHARS,
    PDI,
    catalogue,
    marked,
    page_environment,
    page_languages,
    plain,
)

ROOT = Path(__file__).resolve().parents[2]
RLO = "\u202e"
#: A letter none of the pages' own words use: a run of it longer than the cap means a value was not capped.
FILLER = "ж"
EVIL = "<zz-evil>"

# ---------------------------------------------------------------------------------------------------------------
# What hostile data looks like: right-to-left overrides, stray isolates, markup, quotes, braces, huge fields.


def hostile_texts() -> st.SearchStrategy[str]:
    """Text from a file someone else wrote, at its worst; it always holds a right-to-left override."""
    pieces = st.sampled_from(
        [RLO, PDI, "\u2066", FSI, EVIL, "</bdi>", "<script>", "&amp;", '"', "'", "{x}", "{}", "שלום", " ", "a"]
    )
    huge = st.integers(min_value=1, max_value=5000).map(lambda n: FILLER * n)
    return st.tuples(st.lists(st.one_of(pieces, huge), max_size=6), huge).map(
        lambda parts: "".join(parts[0]) + RLO + parts[1]
    )


_VOID = {"meta", "link", "input", "br", "hr", "img", "col", "source", "wbr", "area", "base", "embed", "track"}
_OPENERS = "\u2066\u2067\u2068"


def _isolated_in(text: str, at: int) -> bool:
    """Whether position ``at`` of ``text`` lies inside an isolate opened and not yet closed before it."""
    depth = 0
    for char in text[:at]:
        depth += char in _OPENERS
        depth -= char == PDI and depth > 0
    return depth > 0


class _Placement(HTMLParser):
    """Where every right-to-left override of a page sits: in a ``<bdi>``, or inside FSI … PDI."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: set[str] = set()
        self.loose: list[str] = []

    def _check(self, text: str, *, element_may_isolate: bool) -> None:
        for match in re.finditer(RLO, text):
            if element_may_isolate and "bdi" in self.stack:
                continue
            if not _isolated_in(text, match.start()):
                self.loose.append(text[max(0, match.start() - 40) : match.start() + 10])

    def _attributes(self, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if not name.startswith("data-"):  # data-* is read by the page's script (sorting), never shown
                self._check(value or "", element_may_isolate=False)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._attributes(attrs)
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._attributes(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self._check(data, element_may_isolate="title" not in self.stack)


def assert_placed_safely(page: str, text: str, limit: int = MAX_TEXT_CHARS) -> None:
    """The one rule of every page for data: escaped, capped (at ``limit``) and isolated."""
    placement = _Placement()
    placement.feed(page)
    assert "zz-evil" not in placement.tags and EVIL not in page  # markup in data stays text
    longest = max((len(run) for run in re.findall(f"{FILLER}+", page)), default=0)
    assert longest <= limit, longest  # a huge field is cut
    assert placement.loose == [], placement.loose[:3]  # no override outside an isolate
    if FILLER * 5 in text:
        assert FILLER * 5 in page  # the value is shown, not dropped


# ---------------------------------------------------------------------------------------------------------------
# Every page, with the hostile text where it takes data. Expensive analyses run once; the text goes in after.


@functools.lru_cache(maxsize=1)
def _results():
    from profilefit.core.screening import Screener
    from profilefit.data.simulate import simulate

    screener = Screener.load()
    return screener.results(screener.score_responses(simulate(8, seed=3).responses))


def _candidate_page(language: str) -> Callable[[str], str]:
    def page(text: str) -> str:
        from profilefit.pages.reports import html_report

        result = _results()[0].model_copy(update={"candidate_id": text, "norm_group": text})
        return html_report(result, language=language)

    return page


def _shortlist_page(language: str) -> Callable[[str], str]:
    def page(text: str) -> str:
        from profilefit.pages.reports import ShortlistRow, shortlist_html

        rows = [ShortlistRow(text, "rock", "rock", 0.5, 50.0, "possible", True)]
        return shortlist_html(rows, language=language)

    return page


@functools.lru_cache(maxsize=1)
def _row():
    import tempfile

    from profilefit.data.batch import score_file
    from profilefit.data.datasets import sample_export_path
    from profilefit.pages.reports import iter_result_rows

    folder = Path(tempfile.mkdtemp(prefix="profilefit-pages-"))
    score_file(sample_export_path(), folder / "results.csv")
    return next(iter(iter_result_rows(folder / "results.csv")))


def _row_page(text: str) -> str:
    from profilefit.pages.reports import row_html_report

    return row_html_report(dataclasses.replace(_row(), candidate_id=text, model_id=text), language="nb")


def _audit_page(text: str) -> str:
    from profilefit.evidence.audit import (
        Demographics,
        DemographicsTable,
        ScoredCandidate,
        adverse_impact,
        audit_to_html,
    )

    people = {f"c{k}": Demographics(sex=text if k % 2 else "Female") for k in range(6)}
    candidates = [ScoredCandidate(f"c{k}", "rock", 20.0 + 10 * k, "strong" if k > 2 else "weak") for k in range(6)]
    return audit_to_html(adverse_impact(candidates, DemographicsTable(frozenset({"sex"}), people)), "sv")


@functools.lru_cache(maxsize=1)
def _dif_report():
    from profilefit.data.simulate import simulate_groups
    from profilefit.evidence.dif import DifInputs, dif_report

    simulated = simulate_groups({"a": 120, "b": 120}, item_dif={"b": {"em2": 1.5}}, seed=2)
    inputs = DifInputs(simulated.responses, simulated.groups, "sex", len(simulated.groups), 0, 0, 0, 0)
    return dif_report(inputs, simulated.responses.instrument, reference="a")


def _dif_page(text: str) -> str:
    from profilefit.evidence.dif import dif_to_html

    report = _dif_report()  # the analysis once; the hostile names go in after
    comparisons = tuple(dataclasses.replace(c, focal=text, reference=text[:9]) for c in report.comparisons)
    inputs = dataclasses.replace(report.inputs, by=text)
    return dif_to_html(dataclasses.replace(report, comparisons=comparisons, inputs=inputs), "nb")


@functools.lru_cache(maxsize=1)
def _forecast():
    from profilefit.evidence.forecast import forecast_impact

    return forecast_impact(n_per_group=100, draws=2)


def _forecast_page(text: str) -> str:
    from profilefit.evidence.forecast import forecast_to_html

    return forecast_to_html(dataclasses.replace(_forecast(), role_names={"nl": text}), "nl")


@functools.lru_cache(maxsize=1)
def _study():
    from profilefit.evidence.validation import Applicants, Outcomes, validation_study

    rng = np.random.default_rng(1)
    fit = np.round(rng.uniform(20, 90, 200), 1)
    pool = Applicants(
        ids=[f"c{k}" for k in range(200)],
        fit=fit,
        band=np.where(fit >= 64, "strong", np.where(fit >= 46, "possible", "weak")).astype(np.str_),
        profile=np.array(["rock", "controller"] * 100, dtype=np.str_),
        scales={"composure": rng.uniform(1, 6, 200)},
    )
    values = {f"c{k}": float(fit[k] / 20 + rng.normal()) for k in range(120)}
    return validation_study(pool, Outcomes("quality", "numeric", values))


def _validation_page(text: str) -> str:
    from profilefit.evidence.validation import study_to_html

    return study_to_html(dataclasses.replace(_study(), outcome=text))


PAGES: dict[str, Callable[[str], str]] = {
    **{f"candidate-{language}": _candidate_page(language) for language in page_languages()},
    "shortlist-nl": _shortlist_page("nl"),
    "row-nb": _row_page,
    "audit-sv": _audit_page,
    "dif-nb": _dif_page,
    "forecast-nl": _forecast_page,
    "validation": _validation_page,
}


@pytest.mark.parametrize("name", sorted(PAGES))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_texts())
def test_property_every_page_escapes_caps_and_isolates_hostile_data_alike(name, text):
    assert_placed_safely(PAGES[name](text), text)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_texts())
def test_property_the_service_pages_escape_cap_and_isolate_hostile_data_alike(tmp_path_factory, text):
    pytest.importorskip("fastapi")  # the service extra (CI's lowest-versions run leaves it out)
    from tests import service_support as support

    with support.client(tmp_path_factory.mktemp("service"), organisation=text) as http:
        created = http.post("/v1/invitations", json={"candidate_id": "c1", "language": "nb"}, headers=support.AUTH)
        token = support.token_of(created.json()["test_url"])
        assert_placed_safely(http.get(f"/take/{token}").text, text)  # the consent page
        assert_placed_safely(http.get("/take/not-a-token").text, text)  # a message page


def _forecast_note_page(text: str) -> str:
    """The forecast with a differences file whose check note and citation are the hostile text (placed as prose)."""
    from profilefit.evidence.forecast import GroupDifferences, forecast_to_html

    forecast = _forecast()
    data = forecast.differences.model_dump(mode="json")
    data["verification"] = {"en": text, "nb": text}
    data["sources"][0]["citation"] = text
    differences = GroupDifferences.model_validate(data)
    return forecast_to_html(dataclasses.replace(forecast, differences=differences), "nb")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_texts())
def test_property_prose_from_a_data_file_is_escaped_isolated_and_shown_whole(text):
    """Prose is capped only at MAX_PROSE_CHARS: a 5,000-character note is shown whole, escaped and isolated."""
    page = _forecast_note_page(text)
    assert_placed_safely(page, text, limit=MAX_PROSE_CHARS)
    shown = text if len(text) <= MAX_PROSE_CHARS else text[: MAX_PROSE_CHARS - 1]  # what its own cap keeps
    longest = max((len(run) for run in re.findall(f"{FILLER}+", shown)), default=0)
    assert FILLER * longest in page  # not cut at the cap for names


def test_prose_is_placed_whole_up_to_its_own_far_higher_cap():
    """``|prose``: escaped, in <bdi>, capped at MAX_PROSE_CHARS, not at the 240 characters of a name."""
    environment = page_environment()
    note = "Sizes entered from memory. " * 60 + f"<b>{RLO}end"
    html = environment.from_string("<p>{{ n|prose }}</p>").render(n=note)
    assert html == f"<p><bdi>{note.replace('<b>', '&lt;b&gt;')}</bdi></p>"
    assert MAX_PROSE_CHARS >= 20 * MAX_TEXT_CHARS
    long = environment.from_string("{{ n|prose }}").render(n="y" * (MAX_PROSE_CHARS + 50))
    assert long == f"<bdi>{'y' * (MAX_PROSE_CHARS - 1)}…</bdi>"


def test_a_whole_number_in_a_sentence_is_a_count_grouped_by_the_number_rule():
    """Catalogue.t writes an int (numpy's too, not a bool) by the number rule: no sentence prints 200000."""
    reports = "profilefit.pages.reports"
    assert catalogue("nb").t(reports, "candidates_count", n=200000) == "200\u00a0000 kandidater"
    assert catalogue("en").t(reports, "candidates_count", n=np.int64(36000)) == "36,000 candidates"
    assert catalogue("nl").t(reports, "candidates_count", n=1234) == "1.234 kandidaten"
    assert catalogue("en").t(reports, "candidates_count", n="20261130") == "20261130 candidates"  # text stays text
    assert catalogue("sv").count(2000) == catalogue("sv").number(2000, 0) == "2\u00a0000"


def test_the_filters_place_data_as_the_rules_say():
    environment = page_environment()
    page = environment.from_string("<p>{{ s }}</p><a title='{{ s|plain }}'>{{ d|bdi }}</a><t>{{ d|isolate }}</t>")
    html = page.render(s="Hello " + marked(f"<b>{RLO}"), d="x" * 1000)
    assert "<p>Hello <bdi>&lt;b&gt;\u202e</bdi></p>" in html
    assert f"title='Hello {FSI}&lt;b&gt;\u202e{PDI}'" in html
    assert (
        f"<bdi>{'x' * (MAX_TEXT_CHARS - 1)}…</bdi>" in html
        and f"<t>{FSI}{'x' * (MAX_TEXT_CHARS - 1)}…{PDI}</t>" in html
    )
    # A mark inside data can neither open nor close an isolate early: data marks are removed from data.
    assert plain("a" + marked("\ue001b\ue000") + "c") == f"a{FSI}b{PDI}c"
    with pytest.raises(Exception, match="nothing"):
        environment.from_string("{{ nothing }}").render()  # a misspelt name fails instead of printing nothing


def test_every_page_extends_the_one_base_layout():
    base = ROOT / "src" / "profilefit" / "pages" / "data" / "base.html"
    templates = sorted((ROOT / "src" / "profilefit").rglob("data/*.html"))
    pages = [path for path in templates if "{% block body %}" in path.read_text(encoding="utf-8") and path != base]
    assert len(pages) >= 8
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert re.search(r'{% extends "(pages/base\.html|apps/service/base\.html)" %}', text), path
    assert [path for path in templates if "<!DOCTYPE" in path.read_text(encoding="utf-8").upper()] == [base]


# ---------------------------------------------------------------------------------------------------------------
# One number rule: every formatter gives the same text for the same number in a language.


def _formatters(language: str) -> dict[str, Callable[[float, int], str]]:
    from profilefit.evidence.audit import AuditLabels
    from profilefit.evidence.dif import DifText
    from profilefit.evidence.forecast import ForecastText
    from profilefit.pages.reports import Labels

    formatters = {
        "catalogue": catalogue(language).number,
        "reports": Labels(language).number,
        "audit": AuditLabels(language).number,
        "dif": DifText(language).number,
        "forecast": ForecastText(_forecast(), language).number,
    }
    if language == "en":
        from profilefit.evidence.validation._report import _number  # the study is written in English

        formatters["validation"] = _number
    return formatters


NUMBERS = st.one_of(
    st.floats(min_value=-1e7, max_value=1e7, allow_nan=False),
    st.sampled_from([0.0, -0.0, -0.001, -0.004, -0.005, 0.005, 0.125, 2.675, -2.675, 999.995, -1234.5]),
)


@pytest.mark.parametrize("language", page_languages())
@settings(max_examples=60, deadline=None)
@given(value=NUMBERS, decimals=st.integers(min_value=0, max_value=3))
def test_property_every_number_formatter_writes_a_number_alike(language, value, decimals):
    written = {name: number(value, decimals) for name, number in _formatters(language).items()}
    assert len(set(written.values())) == 1, written
    text = written["catalogue"]
    assert "-" not in text  # a true minus sign, never a hyphen
    assert not re.fullmatch(r"\u2212[0.,\u00a0]*", text)  # a number that rounds to zero has no minus


@pytest.mark.parametrize("language", page_languages())
@given(share=st.floats(min_value=-1, max_value=2, allow_nan=False), decimals=st.integers(min_value=0, max_value=2))
def test_property_every_percent_formatter_writes_a_share_alike(language, share, decimals):
    from profilefit.evidence.audit import AuditLabels
    from profilefit.evidence.forecast import ForecastText
    from profilefit.pages.reports import Labels

    written = {
        Labels(language).percent(share, decimals),
        AuditLabels(language).percent(share, decimals),
        ForecastText(_forecast(), language).percent(share, decimals),
        catalogue(language).percent(share, decimals),
    }
    assert len(written) == 1, written


@pytest.mark.parametrize(
    ("language", "value", "decimals", "text"),
    [
        ("nb", -0.001, 2, "0,00"),  # the audit wrote -0,00 and the DIF page 0,00: now every page 0,00
        ("nb", -0.0, 2, "0,00"),
        ("nb", -1.5, 1, "\u22121,5"),
        ("en", 2000.0, 0, "2,000"),
        ("sv", 2000.25, 2, "2\u00a0000,25"),
        ("nl", -2000.0, 1, "\u22122.000,0"),
    ],
)
def test_the_one_number_rule(language, value, decimals, text):
    assert catalogue(language).number(value, decimals) == text
    assert catalogue(language).number(math.nan) == "–"
    assert (
        catalogue("en").number(0.0, 2, sign=True) == "+0.00" and catalogue("en").number(-0.0, 2, sign=True) == "+0.00"
    )
    assert catalogue("nb").p_value(0.0001) == "<0,001" and catalogue("nb").percent(0.125, 1) == "12,5\u00a0%"


# ---------------------------------------------------------------------------------------------------------------
# No Python module outside the page layer writes a tag.

#: A tag: "<" and an HTML or SVG element's name (or "</name", "<!"), as page markup is written.
_ELEMENTS = (
    "a|abbr|article|aside|b|bdi|bdo|blockquote|body|br|button|caption|circle|code|dd|details|div|dl|dt|em|fieldset|"
    "figcaption|figure|footer|form|g|h[1-6]|head|header|hr|html|i|img|input|label|legend|li|line|link|main|meta|nav|"
    "ol|option|p|path|polyline|pre|progress|rect|script|section|select|small|span|strong|style|summary|svg|table|"
    "tbody|td|text|textarea|tfoot|th|thead|title|tr|u|ul"
)
_TAG = re.compile(rf"<(?:/?(?:{_ELEMENTS})(?=[\s>/])|!)", re.IGNORECASE)

#: Modules that may hold such text, and why. Keep it short.
ALLOWED = {
    # The page layer itself: the isolation filter and the data marks become <bdi> here, and only here.
    "pages/_environment.py": "the one place data becomes markup",
    # Markdown HTML comments marking the sections a benchmark rewrites in a model card: not page markup.
    "data/training/_card.py": "<!-- marked section --> comments in a Markdown file",
    "data/batch/_xlsx.py": "the Excel results file's SpreadsheetML (XML in a zip), not a page",
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_no_module_outside_the_page_layer_writes_a_tag():
    """Tags live in templates (``data/*.html``); Python builds view models. A tag in a string literal is a bug."""
    package = Path(profilefit.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            if literal and _TAG.search(node.value) and name not in ALLOWED:
                found.append(f"{name}:{node.lineno}: {node.value[:60]!r}")
    assert found == []
    assert all((package / name).exists() for name in ALLOWED)  # the list stays current
