"""Adverse-impact forecast: both built-in roles, the direction of the differences, the files, the CLI."""

import io
import json
import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from pydantic import ValidationError

from profilefit.apps.cli import main
from profilefit.apps.cli._forecast_commands import print_role_forecast
from profilefit.evidence.forecast import (
    ForecastText,
    GroupDifferences,
    forecast_impact,
    forecast_languages,
    forecast_strings,
    forecast_to_dict,
    forecast_to_html,
    format_forecast_text,
    load_differences,
)
from profilefit.pages.reports import Labels


def _differences(**groups):
    return GroupDifferences.model_validate(
        {
            "id": "test",
            "title": "test differences",
            "dimension": "test",
            "reference": "a",
            "description": "for tests",
            "sources": [{"id": "src", "citation": "A source (2020)."}],
            "groups": {
                name: {
                    scale: {"d": d, "basis": "published", "source": "src", "source_construct": scale}
                    for scale, d in scales.items()
                }
                for name, scales in groups.items()
            },
        }
    )


@pytest.mark.parametrize("role", ["complex-case", "transactional"])
def test_the_forecast_runs_for_both_built_in_roles(screener, role):
    forecast = forecast_impact(screener, role=role, n_per_group=300, draws=3)
    assert forecast.role == role
    for rates in [*forecast.selection.values(), forecast.scoring]:
        assert [r.group for r in rates] == ["men", "women"]
        assert max(r.ratio for r in rates) <= 1.0
        assert all(0.0 <= r.rate_low <= r.rate <= r.rate_high <= 1.0 for r in rates)
        assert all(0.0 <= r.ratio_low <= r.ratio <= r.ratio_high <= 1.0 for r in rates)
    text = format_forecast_text(forecast)
    assert "Weisberg, Y. J., DeYoung, C. G., & Hirsh, J. B. (2011)" in text
    assert "Costa, P. T., Jr., Terracciano, A., & McCrae, R. R. (2001)" in text
    assert "warning light, not a verdict" in text
    assert "trained on a documented simulation" in text


def test_a_group_higher_on_what_the_role_rewards_is_selected_more(screener):
    """Rule: raising a group's mean on the role's heaviest scale raises its selection rate."""
    role = screener.role
    heaviest = max(role.scales, key=lambda s: role.scales[s].weight if role.scales[s].direction == "higher" else 0)
    forecast = forecast_impact(screener, differences=_differences(b={heaviest: 0.8}), n_per_group=600, draws=3)
    a, b = forecast.headline
    assert b.rate > a.rate
    assert a.ratio < 0.95 and b.ratio == 1.0
    gap, low, high = forecast.fit_gap["b"]
    assert 0 < low <= gap <= high
    name = next(scale.name["en"] for scale in screener.instrument.scales if scale.id == heaviest)
    assert f"{name} (weight" in format_forecast_text(forecast)


def test_three_groups_are_each_compared_with_the_highest_rate(screener):
    forecast = forecast_impact(
        screener, differences=_differences(b={"composure": -0.8}, c={"composure": 0.8}), n_per_group=600, draws=2
    )
    a, b, c = forecast.headline
    assert (a.group, b.group, c.group) == ("a", "b", "c")
    assert c.ratio == 1.0 and b.ratio < a.ratio < 1.0


def test_groups_without_differences_forecast_no_impact(screener):
    forecast = forecast_impact(screener, differences=_differences(b={"empathy": 0.0}), n_per_group=1500, draws=4)
    assert forecast.lowest_ratio.ratio > 0.85
    assert all(r.below_four_fifths == 0.0 for r in forecast.headline)


def test_the_shipped_file_cites_its_sources_and_states_its_mapping():
    diff = load_differences()
    assert diff.reference == "men" and set(diff.groups) == {"women"}
    assert {s.id for s in diff.sources} == {"weisberg2011", "costa2001"}
    for entry in diff.groups["women"].values():
        assert entry.basis in ("mapped", "extrapolated") and entry.source_construct
        assert round(entry.d, 1) == entry.d  # one decimal: no precision the mapping does not have
    assert any(entry.basis == "extrapolated" for entry in diff.groups["women"].values())
    assert {n.citation.split(",")[0] for n in diff.not_applied} == {"Hough", "Whetzel"}


def test_a_users_file_is_validated_with_clear_errors(tmp_path, screener):
    good = _differences(b={"empathy": 0.2}).model_dump(mode="json")
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(good), encoding="utf-8")
    assert load_differences(path).groups["b"]["empathy"].d == 0.2
    bad_source = json.loads(json.dumps(good))
    bad_source["groups"]["b"]["empathy"]["source"] = "nowhere"
    with pytest.raises(ValidationError, match="not among the sources"):
        GroupDifferences.model_validate(bad_source)
    too_big = json.loads(json.dumps(good))
    too_big["groups"]["b"]["empathy"]["d"] = 7
    with pytest.raises(ValidationError, match="less than or equal to 3"):
        GroupDifferences.model_validate(too_big)
    with pytest.raises(ValueError, match="names scale\\(s\\) kindness"):
        forecast_impact(screener, differences=_differences(b={"kindness": 0.2}), n_per_group=20, draws=2)
    with pytest.raises(ValueError, match="reference group"):
        GroupDifferences.model_validate({**good, "groups": {"a": {}}})
    toml = tmp_path / "mine.toml"
    toml.write_text(
        'id = "t"\ntitle = "t"\ndimension = "sex"\nreference = "a"\ndescription = "d"\n'
        '[[sources]]\nid = "s"\ncitation = "S (2020)."\n'
        '[groups.b.empathy]\nd = 0.3\nbasis = "mapped"\nsource = "s"\nsource_construct = "compassion"\n',
        encoding="utf-8",
    )
    assert load_differences(toml).d_values() == {"b": {"empathy": 0.3}}


def test_print_role_forecast_is_the_call_for_train_and_role_learn():
    out = io.StringIO()
    forecast = print_role_forecast(role="transactional", n_per_group=100, draws=2, file=out)
    assert forecast.role == "transactional"
    assert "Sources of the differences" in out.getvalue()
    assert forecast_to_dict(forecast)["differences"]["sources"][0]["id"] == "weisberg2011"


def test_cli_audit_forecast_prints_the_sources_and_writes_json(tmp_path, capsys):
    json_path, html_path = str(tmp_path / "f.json"), str(tmp_path / "f.html")
    arguments = ["--n", "200", "--draws", "2", "--json", json_path, "--html", html_path, "--lang", "nl"]
    code = main(["audit", "forecast", "--role", "complex-case", *arguments])
    out = capsys.readouterr().out
    assert code == 0
    assert "Bronnen van de verschillen" in out and "Weisberg" in out
    assert (tmp_path / "f.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    data = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    assert data["select_band"] == "possible" and len(data["selection"]["strong"]) == 2


def test_cli_audit_forecast_refuses_bad_input(tmp_path, capsys):
    assert main(["audit", "forecast", "--role", "complex-case", "--differences", str(tmp_path / "no.json")]) == 2
    assert "no such differences file" in capsys.readouterr().err
    assert main(["audit", "forecast", "--role", "complex-case", "--n", "5"]) == 2
    with pytest.raises(SystemExit):
        main(["audit", "forecast"])  # --role is required


def test_plain_audit_still_parses_its_results_argument(capsys):
    with pytest.raises(SystemExit):
        main(["audit", "results.csv"])  # --demographics is still required
    assert "--demographics" in capsys.readouterr().err


def test_the_example_file_in_the_docs_is_valid(tmp_path):
    import re
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "forecast.md").read_text(encoding="utf-8")
    (tmp_path / "example.toml").write_text(re.search(r"```toml\n(.*?)```", page, re.S).group(1), encoding="utf-8")
    example = load_differences(tmp_path / "example.toml")
    assert example.d_values() == {"women": {"empathy": 0.31}}
    assert example.group_label("women", "nb") == "kvinner" and example.group_label("women", "sv") == "women"
    assert example.text("title", "nl") == "Sex differences among our 2025 applicants"


def test_the_example_script_runs_for_both_roles(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parents[2] / "examples" / "impact_forecast.py"
    done = subprocess.run(
        [sys.executable, str(script), "--n", "100", "--draws", "2", "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.count("Sources of the differences") == 2
    assert {p.name for p in tmp_path.iterdir()} == {
        f"forecast_{role}.{suffix}" for role in ("complex-case", "transactional") for suffix in ("json", "html")
    }


def test_every_language_has_every_string_and_the_page_escapes_group_names(screener):
    assert forecast_languages() == ("en", "nb", "sv", "nl")
    for key, texts in forecast_strings().items():
        assert set(texts) == set(forecast_languages()), key
    forecast = forecast_impact(
        screener, differences=_differences(**{"<b>x</b>": {"empathy": 0.3}}), n_per_group=100, draws=2
    )
    for language in forecast_languages():
        text = format_forecast_text(forecast, language)
        assert forecast_strings()["warning_light"][language] in text
        page = forecast_to_html(forecast, language)
        assert "<b>x</b>" not in page and "<bdi>&lt;b&gt;x&lt;/b&gt;</bdi>" in page
        assert 'role="img"' in page and "overflow-x: auto" in page and f'lang="{language}"' in page
    assert format_forecast_text(forecast, "nb").startswith("Prognose for negativ ulikebehandling for rollen")


class _VisibleText(HTMLParser):
    """What a reader of the page sees or hears: text outside <style>, and aria-labels."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("style", "script")
        self.parts += [value for name, value in attrs if name == "aria-label" and value]

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _visible(page: str) -> str:
    parser = _VisibleText()
    parser.feed(page)
    return " ".join(parser.parts)


def _words(*texts: str | None) -> set[str]:
    return {word.lower() for text in texts if text for word in re.findall(r"[^\W\d_]{2,}", text)}


@pytest.fixture(scope="module")
def shipped_forecast(screener):
    return forecast_impact(screener, role="complex-case", n_per_group=2000, draws=2)


@pytest.mark.parametrize("language", ["nb", "sv", "nl"])
def test_a_page_in_another_language_has_no_english_from_the_data_file_and_groups_thousands(shipped_forecast, language):
    """Rule: the differences file's English texts and "2,000" never reach an nb/sv/nl page; citations stay."""
    differences = shipped_forecast.differences
    own = [differences.text("title", language), differences.text("verification", language)]
    own += [differences.group_label(group, language) for group in differences.group_names]
    own += [texts[language] for texts in forecast_strings().values()]  # the page's own words ("of" is Dutch)
    english = [differences.text("title"), differences.text("verification")]
    english += [differences.group_label(group) for group in differences.group_names]
    # Words the translations share with the English (names, "et al.", "profilefit") are allowed.
    forbidden = _words(*english) - _words(*own)
    assert {"women", "men", "sex", "differences", "checked"} <= forbidden
    grouped = {"nb": "2\u00a0000", "sv": "2\u00a0000", "nl": "2.000"}[language]
    for output in (
        _visible(forecast_to_html(shipped_forecast, language)),
        format_forecast_text(shipped_forecast, language),
    ):
        for source in differences.sources:  # citations stay as published
            output = output.replace(source.citation, "")
        output = output.replace(differences.id, "")  # the file's id names the file; it is not a word of the page
        assert _words(output) & forbidden == set()
        assert "2,000" not in output and grouped in output
        assert shipped_forecast.role_names[language] in output and "complex-case" not in output
        assert ForecastText(shipped_forecast, language).count(2000) == Labels(language).number(2000, 0) == grouped


def test_a_users_file_without_translations_is_shown_in_english_and_misnamed_groups_fail(screener):
    plain = _differences(b={"empathy": 0.4})
    assert plain.title == {"en": "test differences"} and plain.group_label("b", "nb") == "b"
    page = _visible(forecast_to_html(forecast_impact(screener, differences=plain, n_per_group=100, draws=2), "nb"))
    assert "Gruppeforskjeller:" in page and "test differences" in page
    data = plain.model_dump(mode="json")
    named = GroupDifferences.model_validate({**data, "group_labels": {"b": {"en": "bees", "nb": "bier"}}})
    assert named.group_label("b", "nb") == "bier" and named.group_label("b", "sv") == "bees"
    with pytest.raises(ValidationError, match="group_labels names 'c'"):
        GroupDifferences.model_validate({**data, "group_labels": {"c": {"en": "sea"}}})
    with pytest.raises(ValidationError, match="English"):
        GroupDifferences.model_validate({**data, "title": {"nb": "bare norsk"}})


def test_the_shipped_differences_are_translated_into_every_forecast_language():
    differences = load_differences()
    english = [differences.text("title"), differences.text("verification")]
    english += [differences.group_label(group) for group in differences.group_names]
    for language in set(forecast_languages()) - {"en"}:
        assert differences.verification is not None
        own = [differences.title[language], differences.verification[language]]
        own += [differences.group_labels[group][language] for group in differences.group_names]
        assert all(text != english_text for text, english_text in zip(own, english, strict=True))


@pytest.mark.parametrize("language", ["en", "nb", "sv", "nl"])
def test_the_page_shows_the_shipped_check_note_and_citations_whole(shipped_forecast, language):
    """Reviewer: the page cut the verification note after 240 characters ("…viste hver artikkels samm…"), losing
    "treat the forecast as showing which band and group are at risk"; the text and JSON kept it whole."""
    differences = shipped_forecast.differences
    note = differences.text("verification", language)
    assert len(note) > 1000  # far beyond the cap for names
    page = forecast_to_html(shipped_forecast, language)
    assert str(escape(note)) in page
    for source in differences.sources:
        assert str(escape(source.citation)) in page
    assert note in format_forecast_text(shipped_forecast, language)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["complex-case", "transactional"])
def test_the_figures_docs_forecast_md_prints_are_what_the_command_prints_today(tmp_path, role):
    """docs/forecast.md and the README quote the strong band's ratio: they drifted once when the model moved."""
    import re
    from pathlib import Path

    out = tmp_path / "f.json"
    assert main(["audit", "forecast", "--role", role, "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    lower = min(data["selection"]["strong"], key=lambda row: row["impact_ratio"])
    docs = (Path(__file__).parents[2] / "docs" / "forecast.md").read_text(encoding="utf-8")
    row = re.search(
        rf"^\| {role} \| strong \| (\w+) \| .*? \| ([0-9.]+) \[([0-9.]+)–([0-9.]+)\] \| (\d+) % \|$", docs, re.M
    )
    assert row is not None, role
    group, ratio, low, high, below = row.groups()
    assert group == lower["group"]
    # Printed to two decimals; a tolerance of one in the last place for another CPU's rounding.
    assert abs(float(ratio) - lower["impact_ratio"]) <= 0.006
    assert abs(float(low) - lower["impact_ratio_interval"][0]) <= 0.006
    assert abs(float(high) - lower["impact_ratio_interval"][1]) <= 0.006
    assert abs(int(below) - 100 * lower["share_of_draws_below_four_fifths"]) <= 3
