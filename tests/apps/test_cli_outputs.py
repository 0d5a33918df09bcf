"""Every command writes --json/--html/--csv one way (profilefit.apps.cli._outputs).

The rules a user relies on: an output never overwrites an input; a failed or interrupted write
leaves no half-written file and an older file of that name untouched; standard output holds only
the report, and one line on standard error names each file written.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.apps.cli import main
from profilefit.apps.cli._exit import ExitCode
from profilefit.apps.cli._outputs import add_output_options, refused_outputs, write_outputs
from profilefit.data.datasets import sample_export_path
from profilefit.evidence.audit import sample_demographics_path


def _args(**values: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_output_options(parser, what="thing", formats=("csv", "json", "html"))
    namespace = parser.parse_args([])
    for name, value in values.items():
        setattr(namespace, name, value)
    return namespace


@pytest.fixture
def results(tmp_path: Path) -> Path:
    path = tmp_path / "results.csv"
    assert main(["score", str(sample_export_path()), "-o", str(path)]) in (ExitCode.OK, ExitCode.REJECTS)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("option", ["--json", "--html", "--csv"])
def test_an_output_that_names_an_input_is_refused_and_the_input_is_never_touched(results, option, capsys):
    before = _digest(results)
    same = str(results.parent / "." / results.name)  # the same file, written another way
    code = main(["audit", str(results), "--demographics", str(sample_demographics_path()), option, same])
    assert code == ExitCode.USAGE
    assert "one of the input files" in capsys.readouterr().err
    assert _digest(results) == before


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(["a.json", "b.html", "a.json", "in.csv", "c.csv"]), min_size=3, max_size=3))
def test_outputs_are_refused_exactly_when_one_names_an_input_or_another_output(tmp_path, names):
    inputs = [tmp_path / "in.csv"]
    args = _args(csv=str(tmp_path / names[0]), json=str(tmp_path / names[1]), html=str(tmp_path / names[2]))
    expected = "in.csv" in names or len(set(names)) < 3
    assert refused_outputs("x", args, inputs=inputs) is expected


def test_a_failed_writer_leaves_no_partial_file_and_the_old_file_untouched(tmp_path, capsys):
    old = tmp_path / "out.json"
    old.write_text("the old file", encoding="utf-8")

    def failing(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    code = write_outputs("x", _args(json=str(old)), {"json": failing})
    assert code == ExitCode.USAGE
    assert "cannot write" in capsys.readouterr().err
    assert old.read_text(encoding="utf-8") == "the old file"
    assert sorted(os.listdir(tmp_path)) == ["out.json"]


def test_an_interrupted_writer_leaves_no_partial_file(tmp_path):
    def interrupted(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_outputs("x", _args(html=str(tmp_path / "page.html")), {"html": interrupted})
    assert os.listdir(tmp_path) == []


def test_every_analysis_command_names_its_files_on_standard_error_only(results, tmp_path, capsys):
    json_path, html_path = tmp_path / "audit.json", tmp_path / "audit.html"
    code = main(
        [
            "audit",
            str(results),
            "--demographics",
            str(sample_demographics_path()),
            "--json",
            str(json_path),
            "--html",
            str(html_path),
        ]
    )
    captured = capsys.readouterr()
    assert code == ExitCode.OK
    assert f"wrote {json_path}" in captured.err and f"wrote {html_path}" in captured.err
    assert "wrote" not in captured.out.lower()
    assert json_path.exists() and html_path.exists()
    assert [name for name in os.listdir(tmp_path) if "partial" in name] == []


def test_shortlist_norms_and_decision_logs_never_overwrite_their_input(results, tmp_path, capsys):
    before = _digest(results)
    export = tmp_path / "export.csv"
    export.write_bytes(sample_export_path().read_bytes())
    export_before = _digest(export)
    candidate = tmp_path / "candidate.json"
    candidate.write_text('{"candidate_id": "c1"}', encoding="utf-8")
    assert main(["shortlist", str(results), "--html", str(results)]) == ExitCode.USAGE
    assert main(["norms", str(export), "--name", "x", "--out", str(export)]) == ExitCode.USAGE
    assert main(["score-one", str(candidate), "--decision-log", str(candidate)]) == ExitCode.USAGE
    assert main(["score", str(export), "-o", str(tmp_path / "r.csv"), "--decision-log", str(export)]) == ExitCode.USAGE
    assert capsys.readouterr().err.count("one of the input files") == 4
    results_copy = tmp_path / "r.csv"
    code = main(["score", str(export), "-o", str(results_copy), "--decision-log", str(results_copy)])
    assert code == ExitCode.USAGE and "--output and --decision-log name the same file" in capsys.readouterr().err
    assert _digest(results) == before and _digest(export) == export_before
    assert candidate.read_text(encoding="utf-8") == '{"candidate_id": "c1"}'


def test_an_output_in_a_folder_that_does_not_exist_is_refused_before_the_work(results, tmp_path, capsys):
    code = main(
        [
            "audit",
            str(results),
            "--demographics",
            str(sample_demographics_path()),
            "--html",
            str(tmp_path / "no" / "a.html"),
        ]
    )
    captured = capsys.readouterr()
    assert code == ExitCode.USAGE
    assert "does not exist" in captured.err and captured.out == ""  # refused before the audit ran


def test_a_link_is_written_through_and_a_hard_link_to_an_input_is_refused(results, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "a.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert (
        write_outputs("x", _args(json=str(link)), {"json": lambda path: path.write_text("new", encoding="utf-8")}) == 0
    )
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"
    hard = tmp_path / "hard.csv"
    os.link(results, hard)
    assert refused_outputs("x", _args(csv=str(hard)), inputs=[results]) is True


def test_a_pipe_or_device_is_written_as_it_is(tmp_path):
    written = []
    code = write_outputs("x", _args(json=os.devnull), {"json": lambda path: written.append(path)})
    assert code == ExitCode.OK and written == [Path(os.devnull)]
    assert Path(os.devnull).exists() and not Path(os.devnull).is_file()


def test_ctrl_c_while_the_command_is_still_loading_is_one_line_not_a_traceback(monkeypatch, capsys):
    """An interrupt during the command's imports or argument parsing (before its own handlers) ends it as
    an interrupt later does: one line, exit 130, nothing written."""
    import profilefit.apps.cli._main as cli
    from profilefit.apps.cli import main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert main(["score", "sample", "-o", "never.csv"]) == 130
    err = capsys.readouterr().err
    assert err == "profilefit: interrupted; no output was written\n"
