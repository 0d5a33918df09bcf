"""Nothing a user can lose: the input is never overwritten, outputs come as a pair or not at all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.apps.cli import main

pytest.importorskip("pyarrow")

EXPORT = "candidate_id;tc1;sj1\nc1;4;a\nc2;9;b\n"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return path


def _files(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-o", "in.csv"], "is the input"),
        (["-o", "./x/../in.csv"], "is the input"),
        (["-o", "r.csv", "--rejects", "in.csv"], "is the input"),
        (["-o", "link.csv"], "is the input"),
        (["-o", "hard.csv"], "is the input"),
        (["-o", "same.csv", "--rejects", "same.csv"], "are the same file"),
        (["-o", "same.csv", "--rejects", "./x/../same.csv"], "are the same file"),
        (["-o", "folder.csv"], "is a folder"),
        (["-o", "r.csv", "--rejects", "folder.csv"], "is a folder"),
        (["-o", "missing/r.csv"], "does not exist"),
        (["-o", "r.csv", "--rejects", "missing/r.csv"], "does not exist"),
    ],
)
def test_outputs_that_are_the_input_or_each_other_are_refused_before_anything_is_written(
    export, tmp_path, monkeypatch, capsys, arguments, message
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x").mkdir()
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "link.csv").symlink_to(export)
    os.link(export, tmp_path / "hard.csv")
    before = _files(tmp_path)
    assert main(["score", export.name, *arguments]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert export.read_text(encoding="utf-8") == EXPORT
    assert _files(tmp_path) == before


def test_a_failed_write_leaves_neither_file_nor_a_partial(export, tmp_path, monkeypatch, capsys):
    """Rejects that cannot be moved into place take the results with them: a pair or neither."""
    import profilefit.data.batch._writers as writers

    real = os.replace

    def refuse_rejects(source, target):
        if str(target).endswith("rejects.csv"):
            raise OSError(28, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(writers.os, "replace", refuse_rejects)
    before = _files(tmp_path)
    assert main(["score", str(export), "-o", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {tmp_path / 'r.rejects.csv'}: No space left on device" in err
    assert _files(tmp_path) == before


@pytest.mark.slow
def test_a_full_disk_names_the_file_and_leaves_nothing_behind(tmp_path):
    """A file-size limit stands in for a full disk: writing fails half way, in the writer thread."""
    import resource

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    output = tmp_path / "results.csv"
    done = subprocess.run(
        [sys.executable, "-m", "profilefit", "score", "sample", "-o", str(output), "--chunk-size", "50"],
        capture_output=True,
        text=True,
        preexec_fn=small_files,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert f"cannot write {output}: File too large" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert _files(tmp_path) == set()


def _stop_after_first_chunk(monkeypatch, how):
    """Make the run stop, by ``how``, after the first chunk has been handed to the writer."""
    import profilefit.data.batch._score as score

    real = score._validated_chunks

    def chunks(screener, source):
        for number, chunk in enumerate(real(screener, source)):
            if number == 1:
                how()
            yield chunk

    monkeypatch.setattr(score, "_validated_chunks", chunks)


def test_sigterm_removes_partial_files_and_exits_143(tmp_path, monkeypatch, capsys):
    _stop_after_first_chunk(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGTERM))
    assert main(["score", "sample", "-o", str(tmp_path / "r.csv"), "--chunk-size", "20"]) == 143
    assert capsys.readouterr().err == "profilefit: stopped (SIGTERM); no output was written\n"
    assert _files(tmp_path) == set()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


def test_ctrl_c_removes_partial_files_and_exits_130_with_one_line(tmp_path, monkeypatch, capsys):
    def interrupt():
        raise KeyboardInterrupt

    _stop_after_first_chunk(monkeypatch, interrupt)
    assert main(["score", "sample", "-o", str(tmp_path / "r.csv"), "--chunk-size", "20"]) == 130
    assert capsys.readouterr().err == "profilefit: interrupted; no output was written\n"
    assert _files(tmp_path) == set()


def test_an_internal_error_exits_4_with_one_line_and_debug_gives_the_traceback(tmp_path, monkeypatch, capsys):
    from profilefit.core.screening import Screener

    def broken(*args, **kwargs):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(Screener, "load", broken)
    assert main(["score", "sample", "-o", str(tmp_path / "r.csv")]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (RuntimeError: something inside broke)" in err
    assert "--debug" in err and "Traceback" not in err
    assert main(["--debug", "score", "sample", "-o", str(tmp_path / "r.csv")]) == 4
    assert "Traceback (most recent call last)" in capsys.readouterr().err


_SPELLINGS = ["in.csv", "./in.csv", "x/../in.csv", "link.csv", "hard.csv", "r.csv", "x/r.csv", "same.csv", "folder.csv"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(output=st.sampled_from(_SPELLINGS), rejects=st.one_of(st.none(), st.sampled_from(_SPELLINGS)))
def test_property_the_input_file_is_never_touched(tmp_path_factory, output, rejects):
    """Rule: whatever the output and rejects paths, the input's bytes and mtime stay as they were,
    and results and rejects exist as a pair or not at all."""
    folder = tmp_path_factory.mktemp("run")
    export = folder / "in.csv"
    export.write_text(EXPORT, encoding="utf-8")
    os.utime(export, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    (folder / "x").mkdir()
    (folder / "folder.csv").mkdir()
    (folder / "link.csv").symlink_to(export)
    os.link(export, folder / "hard.csv")
    before = _files(folder)
    arguments = ["score", str(export), "-o", str(folder / output)]
    if rejects is not None:
        arguments += ["--rejects", str(folder / rejects)]
    code = main(arguments)
    assert export.read_text(encoding="utf-8") == EXPORT
    assert export.stat().st_mtime_ns == 1_000_000_000_000_000_000
    created = _files(folder) - before
    assert not any(name.endswith(".partial") for name in created)
    if code == 2 and not created:
        return  # refused before anything was written
    assert code in (0, 1), code
    results = folder / output
    rejects_path = folder / rejects if rejects is not None else results.with_name(results.stem + ".rejects.csv")
    assert results.is_file() and rejects_path.is_file()
