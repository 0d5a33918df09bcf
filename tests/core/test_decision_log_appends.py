"""The decision log's append path: one intact line per record, what erasure removes, what a crash keeps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from profilefit.core.decisions import DecisionLog, as_line

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
SCALAR = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False) | TEXT
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4))
RECORD = st.dictionaries(TEXT, VALUE, max_size=6)


@given(RECORD)
def test_a_record_is_one_line_that_reads_back_as_the_record_json_dumps_would_write(record):
    written = as_line(record)
    assert written.endswith(b"\n") and written.count(b"\n") == 1  # JSON escapes every newline inside text
    assert json.loads(written) == record == json.loads(json.dumps(record, ensure_ascii=False))


# One step: ("append", candidate) or ("erase", candidate), candidates 0-3.
STEPS = st.lists(st.tuples(st.sampled_from(["append", "erase"]), st.integers(0, 3)), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None)
@given(STEPS)
def test_after_every_append_and_erasure_the_file_holds_exactly_the_lines_not_erased(steps):
    with tempfile.TemporaryDirectory() as folder:
        log = DecisionLog(Path(folder) / "decisions.jsonl", key="k")
        expected: list[dict[str, object]] = []  # the model: lines in order
        exists = False  # erasure on a log not yet written writes nothing
        for number, (step, candidate) in enumerate(steps):
            if step == "append":
                record = {"kind": "decision", "candidate": log.pseudonym(f"c{candidate}"), "n": number}
                assert log.append([record]) == 1
                expected.append(record)
                exists = True
            else:
                gone = log.erase(f"c{candidate}")
                wanted = log.pseudonym(f"c{candidate}")
                assert gone == sum(line.get("candidate") == wanted for line in expected)
                expected = [line for line in expected if line.get("candidate") != wanted]
                if exists:
                    expected.append({"kind": "erasure", "lines_removed": gone})
            lines = log.records()
            for line in lines:
                line.pop("time", None)
                line.pop("reason", None)
            assert lines == expected
        log.close()


def test_erasure_while_other_threads_append_removes_every_line_and_keeps_every_other(tmp_path):
    path = tmp_path / "decisions.jsonl"
    writers = [DecisionLog(path, key="k") for _ in range(3)]  # three objects: three descriptors, as three workers
    eraser = DecisionLog(path, key="k")
    erased = eraser.pseudonym("erased")
    stop = threading.Event()

    def write(log: DecisionLog, number: int) -> None:
        k = 0
        while not stop.is_set() and k < 2000:
            log.append([{"kind": "decision", "candidate": log.pseudonym(f"keep-{number}"), "n": k}])
            log.append([{"kind": "decision", "candidate": erased, "n": k}])
            k += 1

    threads = [threading.Thread(target=write, args=(log, n)) for n, log in enumerate(writers)]
    for thread in threads:
        thread.start()
    for _ in range(5):  # erasures interleaved with the appends
        eraser.erase("erased")
        time.sleep(0.01)
    stop.set()
    for thread in threads:
        thread.join()
    eraser.erase("erased")
    lines = eraser.records()
    assert not [line for line in lines if line.get("candidate") == erased]
    for number, log in enumerate(writers):
        mine = [line["n"] for line in lines if line.get("candidate") == log.pseudonym(f"keep-{number}")]
        assert mine == list(range(len(mine))) and mine  # each acknowledged line once, in order, none lost
        log.close()


def test_a_log_file_removed_or_replaced_while_open_is_opened_again(tmp_path):
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog(path, key="k")
    log.append([{"kind": "test", "n": 1}])
    path.unlink()  # an operator moved the old log away
    log.append([{"kind": "test", "n": 2}])
    assert [line["n"] for line in log.records()] == [2]
    replacement = tmp_path / "new.jsonl"
    replacement.write_text('{"kind":"test","n":3}\n', encoding="utf-8")
    replacement.replace(path)
    log.append([{"kind": "test", "n": 4}])
    assert [line["n"] for line in log.records()] == [3, 4]
    assert (tmp_path / "decisions.jsonl").stat().st_size == len(b'{"kind":"test","n":3}\n{"kind":"test","n":4}\n')
    log.close()


def test_a_writer_killed_at_any_moment_leaves_every_acknowledged_line_intact(tmp_path):
    path = tmp_path / "decisions.jsonl"
    code = (
        "import sys; from profilefit.core.decisions import DecisionLog\n"
        "log = DecisionLog(sys.argv[1], key='k')\n"
        "for k in range(1_000_000):\n"
        "    log.append([{'kind': 'test', 'n': k, 'pad': 'x' * 300}])\n"
        "    print(k, flush=True)\n"  # the acknowledgement: after append returned, as a response is sent
    )
    writer = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    acknowledged = -1
    for printed in writer.stdout:
        acknowledged = int(printed)
        if acknowledged >= 300:
            break
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()
    lines = path.read_bytes().split(b"\n")
    numbers = [json.loads(line)["n"] for line in lines[: acknowledged + 1]]
    assert numbers == list(range(acknowledged + 1))
