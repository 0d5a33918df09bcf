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


_NEEDS_SIGHUP = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on Windows")


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


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), pytest.param("SIGHUP", 129, marks=_NEEDS_SIGHUP)])
def test_sigterm_or_sighup_removes_partial_files_and_exits_128_plus_the_signal(
    tmp_path, monkeypatch, capsys, name, code
):
    """SIGHUP is what a closed terminal or SSH session sends: it cleans up as SIGTERM and Ctrl-C do."""
    number = getattr(signal, name)
    before = signal.getsignal(number)
    _stop_after_first_chunk(monkeypatch, lambda: os.kill(os.getpid(), number))
    assert main(["score", "sample", "-o", str(tmp_path / "r.csv"), "--chunk-size", "20"]) == code
    assert capsys.readouterr().err == f"profilefit: stopped ({name}); no output was written\n"
    assert _files(tmp_path) == set()
    assert signal.getsignal(number) is before  # the handler is put back


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


# ---- the commit: results and rejects move into place together, or the old pair stays -----------

_OLD = {"results": b"PREVIOUS RESULTS", "rejects": b"PREVIOUS REJECTS"}


class _Injected(Exception):
    """Stands in for any failure inside the commit."""


def _commit_steps(monkeypatch, step: int, how: str) -> list[str]:
    """Make the ``step``-th file move of the commit (0-based) fail, raise KeyboardInterrupt, or receive
    a real SIGINT (``how``: ``oserror``, ``exception``, ``interrupt``, ``sigint``); return the moves made."""
    import profilefit.data.batch._writers as writers

    real = os.replace
    moves: list[str] = []

    def replace(source, target):
        moves.append(Path(target).name)
        if len(moves) - 1 == step:
            if how == "oserror":
                raise OSError(28, "No space left on device")
            if how == "exception":
                raise _Injected
            if how == "interrupt":
                raise KeyboardInterrupt
            signal.raise_signal(signal.SIGINT)  # the handler runs at the next step, inside the commit
        return real(source, target)

    monkeypatch.setattr(writers.os, "replace", replace)
    return moves


def _pair(folder: Path, fmt: str) -> tuple[Path, Path]:
    return folder / f"r.{fmt}", folder / f"r.rejects.{fmt}"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "xlsx"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    step=st.integers(0, 6),
    how=st.sampled_from(["oserror", "exception", "interrupt", "sigint"]),
    old=st.sampled_from(["both", "none", "results"]),
)
def test_property_a_commit_stopped_at_any_step_leaves_the_new_pair_or_exactly_the_old_one(
    tmp_path_factory, screener, monkeypatch, fmt, step, how, old
):
    """Rule: for any step of the commit at which a failure or an interrupt is injected, the folder
    afterwards holds either the complete new pair or exactly the old pair (bytes equal), nothing else."""
    from profilefit.data.batch import score_file

    folder = tmp_path_factory.mktemp("commit")
    export = folder / "in.csv"
    export.write_text(EXPORT, encoding="utf-8")
    results, rejects = _pair(folder, fmt)
    before = {}
    if old in ("both", "results"):
        before[results.name] = _OLD["results"]
    if old == "both":
        before[rejects.name] = _OLD["rejects"]
    for name, content in before.items():
        (folder / name).write_bytes(content)
    with monkeypatch.context() as patch:
        moves = _commit_steps(patch, step, how)
        outcome: BaseException | None = None
        try:
            score_file(export, results, screener=screener)
        except (OSError, _Injected, KeyboardInterrupt) as error:
            outcome = error
    files = {path.name: path.read_bytes() for path in folder.iterdir() if path.name != export.name}
    if step >= len(moves) or how == "sigint":  # not stopped, or stopped only once the moves were over
        assert set(files) == {results.name, rejects.name}, files.keys()
        assert files[results.name] != _OLD["results"] and files[rejects.name] != _OLD["rejects"]
        assert files[results.name][:2] in (b'"c', b'{"', b"PA", b"PK")  # a finished file of its format
        if how == "sigint" and step < len(moves):
            assert isinstance(outcome, KeyboardInterrupt)
            assert outcome.__notes__ == [f"{results} and {rejects} had been written in full"]
        else:
            assert outcome is None
    else:
        assert files == before
        assert outcome is not None and not getattr(outcome, "__notes__", None)


def test_the_reported_case_ctrl_c_between_the_two_moves_keeps_the_previous_pair(export, tmp_path, monkeypatch, capsys):
    """A KeyboardInterrupt as the rejects move in used to delete the previous results."""
    results, rejects = _pair(tmp_path, "csv")
    results.write_bytes(_OLD["results"])
    rejects.write_bytes(_OLD["rejects"])
    moves = _commit_steps(monkeypatch, 3, "interrupt")  # aside, aside, results in, rejects in
    assert main(["score", str(export), "-o", str(results)]) == 130
    assert moves[2:] == ["r.csv", "r.rejects.csv", "r.rejects.csv", "r.csv"]  # in, in (stopped), put back twice
    assert capsys.readouterr().err == "profilefit: interrupted; no output was written\n"
    assert results.read_bytes() == _OLD["results"] and rejects.read_bytes() == _OLD["rejects"]
    assert _files(tmp_path) == {"in.csv", "r.csv", "r.rejects.csv"}


@pytest.mark.parametrize(
    ("how", "code", "said"),
    [
        ("sigint", 130, "interrupted"),
        ("sigterm", 143, "stopped (SIGTERM)"),
        pytest.param("sighup", 129, "stopped (SIGHUP)", marks=_NEEDS_SIGHUP),
    ],
)
def test_a_stop_request_during_the_commit_waits_and_the_message_says_the_run_had_finished(
    export, tmp_path, monkeypatch, capsys, how, code, said
):
    import profilefit.data.batch._writers as writers

    real = os.replace

    def replace(source, target):
        if Path(target).name == "r.csv":  # between the two moves into place
            signal.raise_signal(getattr(signal, how.upper()))
        return real(source, target)

    monkeypatch.setattr(writers.os, "replace", replace)
    results, rejects = _pair(tmp_path, "csv")
    assert main(["score", str(export), "-o", str(results)]) == code
    assert capsys.readouterr().err == (
        f"profilefit: {said}; the run had finished: {results} and {rejects} had been written in full\n"
    )
    assert results.read_text(encoding="utf-8").startswith('"candidate_id"')
    assert rejects.read_text(encoding="utf-8").startswith("row,")
    assert _files(tmp_path) == {"in.csv", "r.csv", "r.rejects.csv"}


def test_an_interrupt_once_the_command_has_finished_keeps_its_exit_code(export, tmp_path, monkeypatch, capsys):
    """An interrupt as main() puts the SIGTERM handler back used to end the process by SIGINT (exit -2)."""
    import profilefit.apps.cli._main as cli

    real = signal.signal

    def late_interrupt(signum, handler):
        previous = real(signum, handler)
        if signum == signal.SIGTERM and handler is signal.SIG_DFL:  # main() putting it back: the command is done
            raise KeyboardInterrupt
        return previous

    monkeypatch.setattr(cli.signal, "signal", late_interrupt)
    assert main(["score", str(export), "-o", str(tmp_path / "r.csv")]) == 1
    monkeypatch.undo()
    assert "interrupted" not in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_held_signals_deliver_after_the_block_and_nest():
    from profilefit.data.batch._writers import held_signals

    order = []
    with pytest.raises(KeyboardInterrupt), held_signals():
        with held_signals():
            signal.raise_signal(signal.SIGINT)
            order.append("inner block ran on")
        order.append("outer block ran on")
    assert order == ["inner block ran on", "outer block ran on"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_process_command_line_ignores_stop_requests_once_finished(export, tmp_path, monkeypatch):
    """Run as the program (no argv), main() leaves SIGINT and SIGTERM ignored while the process exits,
    so a late Ctrl-C cannot turn a finished run into exit -2."""
    monkeypatch.setattr(sys, "argv", ["profilefit", "score", str(export), "-o", str(tmp_path / "r.csv")])
    try:
        assert main() == 1
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
        if hasattr(signal, "SIGHUP"):
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.mark.slow
def test_a_real_ctrl_c_after_the_command_finished_keeps_the_exit_code(export, tmp_path):
    """The reported case: a SIGINT just after completion ended the process by SIGINT (exit -2), no message."""
    program = (
        "import os, signal, sys\n"
        "from profilefit.apps.cli import main\n"
        f"sys.argv = ['profilefit', 'score', {str(export)!r}, '-o', {str(tmp_path / 'r.csv')!r}]\n"
        "code = main()\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "interrupted" not in done.stderr
    assert {"r.csv", "r.rejects.csv"} <= _files(tmp_path)


@_NEEDS_SIGHUP
def test_under_nohup_sighup_stays_ignored_and_the_run_goes_on(tmp_path, monkeypatch, capsys):
    """nohup ignores SIGHUP so that a run outlives its terminal: main() must not take that back."""
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        seen = []
        _stop_after_first_chunk(monkeypatch, lambda: seen.append(signal.getsignal(signal.SIGHUP)))
        code = main(["score", "sample", "-o", str(tmp_path / "r.csv"), "--chunk-size", "20"])
        assert code in (0, 1) and seen == [signal.SIG_IGN]
        assert (tmp_path / "r.csv").exists()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


@pytest.mark.skipif(os.name != "posix", reason="permission bits")
def test_a_results_file_kept_from_others_stays_so_when_a_new_run_replaces_it(export, tmp_path):
    """A trial: chmod 600 on results and rejects (they hold candidate data), then a new run: both were 644 again."""
    results, rejects = tmp_path / "r.csv", tmp_path / "r.rejects.csv"
    main(["score", str(export), "-o", str(results)])
    for path in (results, rejects):
        path.chmod(0o600)
    seen = {}
    original = os.replace

    def moved(source, target):  # the temporary file's permissions while the run writes it
        seen[Path(source).name] = oct(Path(source).stat().st_mode & 0o777)
        return original(source, target)

    import profilefit.data.batch._writers as writers

    writers.os.replace = moved
    try:
        main(["score", str(export), "-o", str(results)])
    finally:
        writers.os.replace = original
    assert [oct(path.stat().st_mode & 0o777) for path in (results, rejects)] == ["0o600", "0o600"]
    assert seen["r.csv.partial"] == seen["r.rejects.csv.partial"] == "0o600"
