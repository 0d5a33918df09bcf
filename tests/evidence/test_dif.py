"""profilefit dif: planted item bias is found, clean items stay clean, inputs and outputs behave."""

import csv
import json

import numpy as np
import pytest

from profilefit.apps.cli import main
from profilefit.data.simulate import simulate_groups
from profilefit.evidence.dif import (
    dif_comparison,
    dif_files,
    dif_languages,
    dif_strings,
    dif_to_dict,
    dif_to_html,
    format_dif_text,
)
from profilefit.exceptions import DifInputError

PLANTED = {"em2": 1.0, "tc3": -1.0, "pr3": 1.0}


@pytest.fixture(scope="module")
def planted():
    """The one moderate run: two groups of 700 that differ in traits (impact) and on three planted items."""
    sim = simulate_groups(
        {"men": 700, "women": 700},
        differences={"women": {"empathy": 0.4, "accommodation": 0.3, "composure": -0.3, "taking_charge": -0.1}},
        item_dif={"women": PLANTED},
        seed=11,
    )
    return sim, dif_comparison(sim.responses, sim.groups, reference="men", focal="women")


def test_planted_items_are_found_with_the_direction_of_the_shift(planted):
    _, comparison = planted
    by_field = {a.field: a for a in comparison.answers}
    for field, shift in PLANTED.items():
        answer = by_field[field]
        assert answer.flagged, field
        assert answer.ets in ("BB", "CC"), (field, answer.ets)
        assert answer.jodoin_gierl in ("B", "C"), (field, answer.jodoin_gierl)
        # Thresholds up (shift > 0): the focal group answers lower at the same rest score.
        assert np.sign(answer.mantel.smd) == -np.sign(shift)
        assert np.sign(answer.logistic.group_coef) == -np.sign(shift)
        # A threshold shift moves answers at every level, so the uniform test always finds it (the
        # interaction may be significant too: the rest score is not the latent trait).
        assert answer.dif_type in ("uniform", "both")


def test_clean_items_reach_class_c_no_more_than_the_nominal_share(planted):
    """Rule: items without planted bias (but with group differences in traits) rarely reach class C."""
    _, comparison = planted
    clean = [a for a in comparison.answers if a.kind == "likert" and a.field not in PLANTED]
    large = [a.field for a in clean if a.large]
    assert len(large) <= 0.05 * len(clean), large


def test_purification_leaves_step_one_flags_out_of_the_matching_scores(planted):
    _, comparison = planted
    assert set(PLANTED) <= set(comparison.step1_flagged)
    for answer in comparison.answers:
        if answer.kind == "likert" and answer.field not in PLANTED:
            assert not set(answer.matched_on) & set(comparison.step1_flagged)
    em1 = next(a for a in comparison.answers if a.field == "em1")
    assert em1.purified and "em2" not in em1.matched_on


def test_options_and_checks_get_binary_mh_with_ets_classes(planted):
    sim, comparison = planted
    options = [a for a in comparison.answers if a.kind == "option"]
    checks = [a for a in comparison.answers if a.kind == "check"]
    counts = comparison.class_counts()
    assert sum(counts["option"].values()) == len(options) and sum(counts["likert"].values()) == len(
        sim.responses.instrument.items
    )
    assert counts["likert"]["CC"] + counts["likert"]["BB"] >= len(PLANTED)
    assert len(options) == sum(len(s.options) for s in sim.responses.instrument.scenarios) and len(checks) == 2
    assert all(a.mh is not None and a.ets in ("A", "B", "C") for a in options + checks)
    assert sum(a.ets == "C" for a in options + checks) <= 0.05 * len(options + checks)


def test_a_planted_option_preference_is_found():
    sim = simulate_groups({"a": 600, "b": 600}, seed=12)
    choices = sim.responses.choices
    rng = np.random.default_rng(0)
    # A third of group b picks option a of the first scenario whatever their traits: option DIF.
    switch = (sim.groups == "b") & (rng.random(len(sim.groups)) < 0.35)
    choices[switch, 0] = 0
    comparison = dif_comparison(sim.responses, sim.groups, reference="a", focal="b", logistic=False)
    option = next(a for a in comparison.answers if a.field == "sj1.a")
    assert option.ets == "C" and option.mh.delta > 1.5  # the focal group chooses it more often


def test_multiple_comparisons_and_small_groups_are_reported(planted):
    sim, comparison = planted
    small = dif_comparison(sim.responses.take(np.arange(0, 1400, 5)), sim.groups[::5], reference="men", focal="women")
    assert [code for code, _ in small.warnings] == ["warning_small_group", "warning_small_group"]
    assert not comparison.warnings
    q = np.array([a.q_mh for a in comparison.answers])
    p = np.array([a.p_mh for a in comparison.answers])
    assert np.all(q >= p - 1e-15)


def test_groups_must_exist_and_differ(planted):
    sim, _ = planted
    with pytest.raises(ValueError, match="no candidate is in group 'other'"):
        dif_comparison(sim.responses, sim.groups, reference="men", focal="other")
    with pytest.raises(ValueError, match="must differ"):
        dif_comparison(sim.responses, sim.groups, reference="men", focal="men")


# ---- files, CLI and outputs -----------------------------------------------------------------


@pytest.fixture(scope="module")
def export_files(tmp_path_factory, planted):
    sim, _ = planted
    folder = tmp_path_factory.mktemp("dif")
    records = sim.responses.to_records()
    export = folder / "export.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in records[:400] + records[700:1100]) + "\n", encoding="utf-8")
    demographics = folder / "demographics.csv"
    with demographics.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["candidate_id", "sex"])
        for record, group in zip(records, sim.groups, strict=True):
            label = "Man" if group == "men" else "<script>alert('w')</script> ‮Woman"
            writer.writerow([record["candidate_id"], label])
    return export, demographics


@pytest.fixture(scope="module")
def file_report(export_files):
    export, demographics = export_files
    return dif_files(export, demographics, by="sex", reference="Man")


def test_dif_files_reads_the_export_through_the_batch_reader(file_report):
    report = file_report
    assert report.inputs.rows_read == 800 and report.inputs.rows_rejected == 0
    assert report.inputs.counts() == {"<script>alert('w')</script> ‮Woman": 400, "Man": 400}
    (comparison,) = report.comparisons
    assert comparison.n_focal + comparison.n_reference == 800


def test_html_escapes_and_isolates_every_group_name(file_report):
    page = dif_to_html(file_report, "nl")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<bdi>&lt;script&gt;alert(&#x27;w&#x27;)&lt;/script&gt; \u202eWoman</bdi> (focale groep" in page
    assert 'role="img"' in page and "aria-label=" in page
    assert "overflow-x: auto" in page and "<bdi>" in page
    assert "script-src 'none'" in page  # the page's policy allows no script at all
    assert "Benjamini–Hochberg" in page and 'lang="nl"' in page
    assert "Lijndiagram van het gemiddelde antwoord op <bdi>em2</bdi>" in page  # item curves of a flagged item


def test_every_language_has_every_string_and_the_text_is_translated(file_report):
    assert dif_languages() == ("en", "nb", "sv", "nl")
    for key, texts in dif_strings().items():
        assert set(texts) == set(dif_languages()), key
    report = file_report
    assert format_dif_text(report, "nb").startswith("Skjeve spørsmål (DIF) etter kjønn")
    # A name with a right-to-left override is isolated on the terminal too; plain names stay plain.
    text = format_dif_text(report)
    assert "\u2068<script>alert('w')</script> \u202eWoman\u2069 (focal group" in text and "\u2068Man" not in text
    assert format_dif_text(report, "sv").startswith("Snedvridna frågor (DIF) efter kön")
    data = dif_to_dict(report)
    json.dumps(data, allow_nan=False)
    assert data["comparisons"][0]["reference"] == "Man"
    assert {a["field"] for a in data["comparisons"][0]["answers"] if a["flagged"]} >= set(PLANTED)


def test_cli_writes_json_and_html_and_exits_zero(export_files, tmp_path, capsys):
    export, demographics = export_files
    code = main(
        [
            "dif",
            str(export),
            "--demographics",
            str(demographics),
            "--reference",
            "Man",
            "--json",
            str(tmp_path / "dif.json"),
            "--html",
            str(tmp_path / "dif.html"),
            "--lang",
            "sv",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Benjamini–Hochberg" in out and "em2" in out
    assert json.loads((tmp_path / "dif.json").read_text(encoding="utf-8"))["by"] == "sex"
    assert (tmp_path / "dif.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_names_what_is_wrong_with_the_inputs(export_files, tmp_path, capsys):
    export, demographics = export_files
    assert main(["dif", str(export), "--demographics", str(demographics), "--by", "age_band"]) == 2
    assert "no age or age_band column" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("candidate_id,tc1,tc99\nx,3,4\n", encoding="utf-8")
    assert main(["dif", str(bad), "--demographics", str(demographics)]) == 2
    err = capsys.readouterr().err
    assert "note: " in err and "'tc99'" in err  # ignored, and named once, as profilefit score does
    nameless = tmp_path / "nameless.csv"
    nameless.write_text("who,tc1\nx,3\n", encoding="utf-8")
    assert main(["dif", str(nameless), "--demographics", str(demographics)]) == 2
    assert "there is no candidate_id column" in capsys.readouterr().err
    assert main(["dif", str(export), "--demographics", str(demographics), "--focal", "Nobody"]) == 2
    assert "'Nobody'" in capsys.readouterr().err


def test_a_group_named_in_another_case_is_the_group(capsys):
    """Rule: ``--reference male`` names the group the data writes ``Male`` (as docs/dif.md shows it)."""
    assert main(["dif", "sample", "--demographics", "sample", "--focal", "female", "--reference", "male"]) == 0
    lowered = capsys.readouterr().out
    assert main(["dif", "sample", "--demographics", "sample", "--focal", "Female", "--reference", "Male"]) == 0
    assert lowered == capsys.readouterr().out  # the same groups, named as the data writes them
    assert "Female (focal group, n = 200) compared with Male (reference group" in lowered


def test_a_name_two_groups_share_but_for_case_is_not_guessed():
    from profilefit.evidence.dif._report import _group_named

    assert _group_named("male", {"Male": 3, "Female": 4}) == "Male"
    assert _group_named(" FEMALE ", {"Male": 3, "Female": 4}) == "Female"
    assert _group_named("male", {"Male": 3, "MALE": 4}) is None
    assert _group_named("MALE", {"Male": 3, "MALE": 4}) == "MALE"


def test_the_bundled_sample_runs_and_warns_about_its_small_groups(capsys):
    assert main(["dif", "sample", "--demographics", "sample"]) == 0
    out = capsys.readouterr().out
    assert "Below about 200 per group" in out


def test_a_custom_instrument_works_the_same_way(custom_instrument, tmp_path, capsys):
    rng = np.random.default_rng(3)
    export, demographics = tmp_path / "acme.csv", tmp_path / "people.csv"
    with export.open("w", newline="", encoding="utf-8") as e, demographics.open("w", newline="", encoding="utf-8") as d:
        answers, people = csv.writer(e), csv.writer(d)
        answers.writerow(["candidate_id", *custom_instrument.item_ids, "check1"])
        people.writerow(["candidate_id", "sex"])
        for k in range(500):
            sex = "F" if k % 2 else "M"
            traits = {"calm": rng.normal(), "drive": rng.normal()}
            row = []
            for item in custom_instrument.items:
                lean = traits[item.scale] * (-1 if item.reverse else 1)
                if item.id == "calm1" and sex == "F":
                    lean -= 1.2  # planted: calm1 is harder to agree with for F at equal calm
                row.append(int(np.clip(round(3 + 1.1 * lean + rng.normal(0, 0.7)), 1, 5)))
            answers.writerow([f"acme-{k}", *row, 4])
            people.writerow([f"acme-{k}", sex])
    instrument_file = "examples/data/custom_instrument.toml"
    code = main(["dif", str(export), "--demographics", str(demographics), "--instrument", instrument_file])
    out = capsys.readouterr().out
    assert code == 0
    assert "acme-service-pulse" in out
    report = dif_files(export, demographics, instrument=instrument_file, reference="M")
    flagged = {a.field for a in report.comparisons[0].flagged}
    assert "calm1" in flagged


def test_an_export_without_known_groups_is_refused_with_the_counts(export_files, tmp_path):
    export, _ = export_files
    nobody = tmp_path / "nobody.csv"
    nobody.write_text("candidate_id,sex\nsomeone-else,F\n", encoding="utf-8")
    with pytest.raises(DifInputError, match="800 rows read, 0 rejected, 800 without a demographics row"):
        dif_files(export, nobody)


def test_an_unknown_column_is_refused_with_the_columns_there_are(export_files):
    export, demographics = export_files
    with pytest.raises(DifInputError, match="has no column 'height'; it has: candidate_id, sex"):
        dif_files(export, demographics, by="height")


def test_any_other_column_such_as_the_test_language_can_split_the_groups(planted, tmp_path):
    """Translation DIF: the same item answered differently in two language versions."""
    sim, _ = planted
    records = sim.responses.to_records()
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    people = tmp_path / "people.csv"
    lines = ["candidate_id;Language"]  # semicolons and a capital letter, as spreadsheets write them
    unknown = 0
    for record, group in zip(records, sim.groups, strict=True):
        language = "nb" if group == "men" else "sv"
        if group == "women" and record["candidate_id"].endswith("7"):
            language, unknown = "Unknown", unknown + 1
        lines.append(f"{record['candidate_id']};{language}")
    people.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = dif_files(export, people, by="Language", reference="nb")
    assert report.inputs.unknown_category == unknown > 0
    assert set(PLANTED) <= {a.field for a in report.comparisons[0].flagged}
    assert format_dif_text(report, "nb").startswith("Skjeve spørsmål (DIF) etter språk")


def test_the_instrument_can_come_from_a_model_file(export_files, capsys):
    from profilefit.core.artifact import reference_model_path

    export, demographics = export_files
    assert main(["dif", str(export), "--demographics", str(demographics), "--model", str(reference_model_path())]) == 0
    assert "customer-contact" in capsys.readouterr().out
    both = ["dif", str(export), "--demographics", str(demographics), "--model", "m", "--instrument", "i"]
    assert main(both) == 2


@pytest.mark.slow
def test_the_example_script_runs_and_finds_the_planted_items(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parents[2] / "examples" / "item_bias.py"
    done = subprocess.run(
        [sys.executable, str(script), "--n", "500", "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Planted: em2, tc3, pr3. Flagged: tc3, em2, pr3." in done.stdout
    assert (tmp_path / "dif.html").exists() and (tmp_path / "dif.json").exists()


@pytest.mark.parametrize(("language", "thousand"), [("en", ","), ("nb", "\u00a0")])
def test_every_count_on_the_page_and_in_the_text_is_grouped(language, thousand):
    """docs/pages.md, one number rule: group sizes, rows read and n per item as every page writes counts."""
    import re

    from profilefit.evidence.dif import DifInputs, dif_report

    simulated = simulate_groups({"a": 1000, "b": 1100}, seed=2)
    inputs = DifInputs(simulated.responses, simulated.groups, "sex", len(simulated.groups), 0, 0, 0, 0)
    report = dif_report(inputs, simulated.responses.instrument, reference="a")
    page = re.sub(r"<style>.*?</style>|<[^>]+>", " ", dif_to_html(report, language), flags=re.DOTALL)
    for output in (page, format_dif_text(report, language)):
        assert f"2{thousand}100" in output and f"1{thousand}000/1{thousand}100" in output
        assert not re.findall(r"(?<![\d.,])(?!19\d\d|20\d\d)\d{4,}(?![\d.,])", output)  # a year may stand ungrouped


@pytest.mark.parametrize("language", ["en", "nb", "sv", "nl"])
def test_the_dif_page_explains_its_statistical_headings_in_plain_words(language):
    """Reviewer: ZT, JG, ΔR² and α stood as headings with their meaning only in a legend of citations."""
    import re

    from profilefit.evidence.dif import DifInputs, dif_report
    from profilefit.evidence.dif._strings import DifText

    simulated = simulate_groups({"a": 400, "b": 400}, seed=3)
    inputs = DifInputs(simulated.responses, simulated.groups, "sex", len(simulated.groups), 0, 0, 0, 0)
    page = dif_to_html(dif_report(inputs, simulated.responses.instrument, reference="a"), language)
    terms = re.search(r'<section id="terms">\s*<h2>([^<]+)</h2>(.*?)</section>', page, flags=re.S)
    assert terms is not None
    explained = [term for term in re.findall(r"<dt>([^<]+)</dt><dd>[^<]{40,}</dd>", terms.group(2))]
    named = {name for term in explained for name in term.split(", ")}
    words = DifText(language, simulated.responses.instrument)
    plain = ("item", "scale", "option", "key", "check", "n", "flag", "statement", "block")
    shown = set(re.findall(r'<th scope="col">([^<]+)</th>', page)) - {words.t(f"column_{key}") for key in plain}
    assert len(shown) >= 5 and shown <= named, shown - named  # every other heading the tables show is explained


def test_spellings_of_one_group_are_one_group_with_a_warning(planted, tmp_path, capsys):
    """Rule: ``Vrouw``, ``vrouw`` and `` VROUW `` are one group in DIF, as in the audit; ``--focal`` finds it."""
    sim, _ = planted
    records = sim.responses.to_records()
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    spellings = ["Vrouw", "vrouw", " VROUW ", "Vrouw"]
    tidy, messy = tmp_path / "tidy.csv", tmp_path / "messy.csv"
    tidy_lines, messy_lines = ["candidate_id;sex"], ["candidate_id;sex"]
    for k, (record, group) in enumerate(zip(records, sim.groups, strict=True)):
        tidy_lines.append(f"{record['candidate_id']};{'Man' if group == 'men' else 'Vrouw'}")
        messy_lines.append(f"{record['candidate_id']};{'Man' if group == 'men' else spellings[k % 4]}")
    tidy.write_text("\n".join(tidy_lines) + "\n", encoding="utf-8")
    messy.write_text("\n".join(messy_lines) + "\n", encoding="utf-8")
    expected = dif_files(export, tidy, reference="Man")
    merged = dif_files(export, messy, reference="Man")
    assert merged.inputs.counts() == expected.inputs.counts() == {"Man": 700, "Vrouw": 700}
    assert dif_to_dict(merged)["comparisons"] == dif_to_dict(expected)["comparisons"]
    assert [m.spellings for m in merged.inputs.merged] == [(("Vrouw", 350), ("vrouw", 175), ("VROUW", 175))]
    assert main(["dif", str(export), "--demographics", str(messy), "--focal", " vrouw", "--reference", "MAN"]) == 0
    err = capsys.readouterr().err
    assert "profilefit dif: warning: sex: 'Vrouw' (350), 'vrouw' (175) and 'VROUW' (175) counted as one" in err
