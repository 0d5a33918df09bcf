import json
import re
import shutil

import pytest

from profilefit.apps.cli import main
from profilefit.core.artifact import manifest_path, reference_model_path
from profilefit.data.datasets import sample_export_path


def test_schema_prints_both_json_schemas(capsys):
    assert main(["schema"]) == 0
    schemas = json.loads(capsys.readouterr().out)
    assert set(schemas) == {"assessment", "result"}
    assert schemas["assessment"]["additionalProperties"] is False
    assert schemas["assessment"]["properties"]["tc1"]["anyOf"][0] == {"maximum": 6, "minimum": 1, "type": "integer"}


def test_schema_of_a_custom_instrument(capsys):
    assert main(["schema", "--which", "assessment", "--instrument", "examples/data/custom_instrument.toml"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "calm1" in schema["properties"] and "tc1" not in schema["properties"]


def test_reliability_prints_alpha_per_scale_and_counts_rejects(capsys):
    assert main(["reliability", str(sample_export_path())]) == 1  # the sample holds two bad rows
    captured = capsys.readouterr()
    assert "402 rows read, 400 used, 2 rejected" in captured.out
    assert "taking_charge" in captured.out and "alpha" in captured.out
    assert "row 401, field tc1: value 7" in captured.err


def test_instrument_check_summarises_a_custom_file(capsys):
    assert main(["instrument-check", "examples/data/custom_instrument.toml"]) == 0
    out = capsys.readouterr().out
    assert "acme-service-pulse 2026.1: valid" in out and "1..5" in out


def test_instrument_check_reports_an_invalid_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nversion = "1"\nlanguages = ["en"]\ntitle = { en = "X" }\n', encoding="utf-8")
    assert main(["instrument-check", str(bad)]) == 2
    assert "scales" in capsys.readouterr().err


def test_norms_command_writes_a_norm_group(tmp_path, capsys):
    out = tmp_path / "norms.json"
    assert main(["norms", str(sample_export_path()), "--name", "Sample 2026", "--out", str(out)]) == 1
    assert json.loads(out.read_text())["n"] == 400


def test_score_one_prints_a_result(tmp_path, capsys):
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps({"candidate_id": "c-9", "tc1": 5, "sj1": "b"}), encoding="utf-8")
    log = tmp_path / "log.jsonl"
    assert main(["score-one", str(candidate), "--decision-log", str(log)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["candidate_id"] == "c-9"
    assert len(log.read_text().splitlines()) == 1


def test_score_one_scores_for_the_role_given_as_score_and_report_do(tmp_path, capsys):
    """A trial: score-one had no --role and always scored for complex-case."""
    from profilefit.core.screening import Screener
    from profilefit.data.datasets import sample_export_path
    from profilefit.data.io import read_assessments

    screener = Screener.load(role="transactional")
    record = read_assessments(sample_export_path(), screener.instrument)[0].to_records()[0]
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps(record), encoding="utf-8")
    assert main(["score-one", str(candidate), "--role", "transactional"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result == screener.score(record).model_dump(mode="json") and result["fit"]["role"] == "transactional"
    assert main(["score-one", str(candidate), "--role", "none"]) == 0
    assert json.loads(capsys.readouterr().out)["fit"] is None
    assert main(["score-one", str(candidate), "--role", "no-such-role"]) != 0


def test_score_one_names_the_bad_field(tmp_path, capsys):
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps({"candidate_id": "c-9", "tc1": 8}), encoding="utf-8")
    assert main(["score-one", str(candidate)]) == 2
    assert "field tc1: value 8: allowed: a whole number from 1 to 6" in capsys.readouterr().err


def test_score_one_refuses_a_tampered_model(tmp_path, capsys):
    model = tmp_path / reference_model_path().name
    shutil.copy(reference_model_path(), model)
    shutil.copy(manifest_path(reference_model_path()), manifest_path(model))
    model.write_bytes(model.read_bytes() + b"x")
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps({"candidate_id": "c"}), encoding="utf-8")
    assert main(["score-one", str(candidate), "--model", str(model)]) == 3
    assert "refusing to load" in capsys.readouterr().err


def test_train_small_reference_prints_metrics(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path), "--n-train", "3000", "--n-test", "1000", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "macro-F1 gap to ceiling" in out and "expected calibration error" in out
    assert (tmp_path / "model-card.md").exists()


@pytest.mark.parametrize("argv", [[], ["no-such-command"]])
def test_usage_errors_exit_2(argv, capsys):
    if argv:
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
    else:
        assert main(argv) == 2


def test_starting_the_command_line_imports_no_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from profilefit.apps.cli._main import build_parser\n"
        "build_parser()\n"
        "assert 'sklearn' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_each_command_module_registers_the_commands_the_parser_names_for_it():
    import argparse
    import importlib

    from profilefit.apps.cli import _main

    for name, commands in _main._COMMANDS.items():
        subparsers = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"profilefit.apps.cli.{name}").register(subparsers)
        assert tuple(subparsers.choices) == commands, name
    full = _main.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert list(full) == [command for commands in _main._COMMANDS.values() for command in commands]
    for commands in _main._COMMANDS.values():
        for command in commands:
            one = _main.build_parser(command)._subparsers._group_actions[0].choices  # type: ignore[union-attr]
            assert tuple(one) == commands


def test_score_starts_without_the_statistics_the_simulation_and_the_pages():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from profilefit.apps.cli._main import build_parser, _named_command\n"
        "build_parser(_named_command(['--debug', 'score', 'export.csv', '-o', 'results.csv']))\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('scipy', 'sklearn', 'jinja2')]\n"
        "assert not loaded, loaded[:5]\n"
        "assert not [m for m in sys.modules if m.startswith(('profilefit.evidence', 'profilefit.pages'))]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_train_help_names_the_reference_seed():
    from profilefit.apps.cli._model_commands import REFERENCE_SEED_HELP
    from profilefit.data.simulate import REFERENCE_SEED

    assert str(REFERENCE_SEED) == REFERENCE_SEED_HELP


def _truncated_parquet(folder):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    whole = folder / "whole.parquet"
    pd.DataFrame({"candidate_id": ["c1", "c2"], "tc1": [4, 5]}).to_parquet(whole)
    data = whole.read_bytes()
    cut = folder / "cut.parquet"
    cut.write_bytes(data[: len(data) // 2])
    return cut


def test_every_file_level_problem_names_the_file(tmp_path, capsys):
    """A damaged or mis-encoded file is named in the one line of the error, at every command that reads it."""
    import gzip

    cut = _truncated_parquet(tmp_path)
    squeezed = tmp_path / "export.csv.gz"
    squeezed.write_bytes(gzip.compress(b"candidate_id,tc1\nc1,4\n")[:20])
    latin = tmp_path / "one.json"
    latin.write_bytes('{"candidate_id": "René", "tc1": 4}'.encode("latin-1"))
    cases = [
        (["score", str(cut), "-o", str(tmp_path / "r.csv")], cut),
        (["reliability", str(cut)], cut),
        (["score", str(squeezed), "-o", str(tmp_path / "r.csv")], squeezed),
        (["score-one", str(latin)], latin),
        (["report", str(latin)], latin),
    ]
    for arguments, named in cases:
        assert main(arguments) == 2, arguments
        err = capsys.readouterr().err
        assert err.startswith(f"profilefit: {named}: ") and len(err.splitlines()) == 1, err
    assert "not UTF-8 text (byte 0xE9 at byte 21)" in err
    assert not (tmp_path / "r.csv").exists()


def test_the_library_names_a_damaged_file_too(screener, tmp_path):
    from profilefit.data.batch import score_batch

    cut = _truncated_parquet(tmp_path)
    with pytest.raises(ValueError, match=f"^{re.escape(str(cut))}: cannot read this file: "):
        score_batch(screener, cut)


@pytest.mark.parametrize("argv", [["--", "score"], ["--debug", "--", "score"], ["scor", "x.csv"]])
def test_a_usage_error_before_the_command_lists_every_command(argv, capsys):
    """Only a command line that plainly names its sub-command builds that one alone; any other gets the
    whole parser, whose error names every command (not just the one the line happens to contain)."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "invalid choice" in error and all(f"'{name}'" in error for name in ("score", "train", "serve", "audit"))


def test_the_named_command_is_the_first_word_after_debug():
    from profilefit.apps.cli import _main

    assert _main._named_command(["--debug", "score", "x.csv", "-o", "y.csv"]) == "score"
    assert _main._named_command(["score", "--debug"]) == "score"
    assert _main._named_command(["--help", "score"]) is None
    assert _main._named_command(["--", "score"]) is None
    assert _main._named_command([]) is None
