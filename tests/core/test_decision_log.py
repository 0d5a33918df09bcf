"""The decision log: every scoring path writes one pseudonymous record per decision; reviews; erasure."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import profilefit
from profilefit.apps.cli import main
from profilefit.core.decisions import KEY_ENVIRONMENT, DecisionLog
from profilefit.core.screening import Screener
from profilefit.data.batch import score_batch
from profilefit.data.datasets import sample_export_path

pytest.importorskip("pyarrow")

KEY = "organisation-secret"
RECORDS = [{"candidate_id": f"c{k}", "tc1": 1 + k % 6, "em2": 6 - k % 6, "sj1": "abcd"[k % 4]} for k in range(12)]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _comparable(record: dict) -> dict:
    record = {k: v for k, v in record.items() if k not in ("time", "input_sha256")}
    record["result"] = {
        **record["result"],
        "probabilities": {p: round(v, 9) for p, v in record["result"]["probabilities"].items()},
    }
    record["result"]["confidence"] = round(record["result"]["confidence"], 9)
    return record


def test_every_scoring_path_writes_the_same_record(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENVIRONMENT, KEY)
    logs = {name: tmp_path / f"{name}.jsonl" for name in ("score", "score_many", "score_batch", "score_file", "cli")}
    Screener.load(decision_log=logs["score"]).score(RECORDS[0])
    Screener.load(decision_log=logs["score_many"]).score_many(RECORDS[:1])
    score_batch(Screener.load(decision_log=logs["score_batch"]), RECORDS[:1])
    from profilefit.data.batch import score_file

    score_file(RECORDS[:1], tmp_path / "r.csv", screener=Screener.load(decision_log=logs["score_file"]))
    export = tmp_path / "one.jsonl"
    export.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    assert main(["score", str(export), "-o", str(tmp_path / "cli.csv"), "--decision-log", str(logs["cli"])]) == 0
    records = {name: _lines(path) for name, path in logs.items()}
    assert all(len(lines) == 1 for lines in records.values())
    first = _comparable(records["score"][0])
    for name, (record,) in records.items():
        assert _comparable(record) == first, name
    assert first["profilefit"] == profilefit.__version__ and first["kind"] == "decision"
    assert first["min_confidence"] == Screener.load().min_confidence
    assert first["norm_group"] == Screener.load().norms.name and first["role"] == "complex-case"
    assert first["candidate"] == hmac.new(KEY.encode(), b"c0", hashlib.sha256).hexdigest()
    text = "".join(path.read_text(encoding="utf-8") for path in logs.values())
    assert '"c0"' not in text and "tc1" not in text  # no ids, no answers


def test_a_changed_role_file_under_the_same_id_is_told_apart_by_its_hash(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENVIRONMENT, KEY)
    source = Path(profilefit.__file__).parent / "core" / "fit" / "data" / "complex-case.toml"
    changed = tmp_path / "complex-case.toml"
    changed.write_text(source.read_text(encoding="utf-8").replace("weight = 3", "weight = 2", 1), encoding="utf-8")
    assert changed.read_text(encoding="utf-8") != source.read_text(encoding="utf-8")
    hashes = []
    for role in (source, changed):
        log = tmp_path / f"{len(hashes)}.jsonl"
        Screener.load(role=role, decision_log=log).score(RECORDS[0])
        (record,) = _lines(log)
        assert record["role"] == "complex-case"
        hashes.append(record["role_sha256"])
    assert hashes[0] != hashes[1]


def test_a_failed_batch_run_adds_no_decision_lines(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENVIRONMENT, KEY)
    from profilefit.data.batch import score_file

    def broken():
        yield from RECORDS
        raise RuntimeError("the source broke")

    log = tmp_path / "decisions.jsonl"
    with pytest.raises(RuntimeError):
        score_file(broken(), tmp_path / "r.csv", screener=Screener.load(decision_log=log), chunk_size=4)
    assert not log.exists() or log.read_text(encoding="utf-8") == ""
    assert not list(tmp_path.glob("*.partial"))


def test_reviews_are_recorded_and_one_candidate_can_be_erased(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(KEY_ENVIRONMENT, KEY)
    log = tmp_path / "decisions.jsonl"
    screener = Screener.load(decision_log=log)
    screener.score_many(RECORDS[:3])
    review = screener.record_review("c1", reviewer="K. Berg", decision="invite", note="strong on ownership")
    assert review["candidate"] == DecisionLog(log, key=KEY).pseudonym("c1")
    assert main(["decision-log", "review", "--log", str(log), "--candidate", "c1", "--reviewer", "A. Dahl",
                 "--decision", "hold"]) == 0  # fmt: skip
    assert len(DecisionLog(log).records("c1")) == 3
    capsys.readouterr()
    assert main(["decision-log", "show", "--log", str(log), "--candidate", " c1 "]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert main(["decision-log", "erase", "--log", str(log), "--candidate", "c1"]) == 0
    lines = _lines(log)
    assert DecisionLog(log).records("c1") == []
    assert [line["kind"] for line in lines] == ["decision", "decision", "erasure"]
    assert lines[-1]["lines_removed"] == 3 and "candidate" not in lines[-1]
    with pytest.raises(ValueError, match="reviewer and the decision"):
        screener.record_review("c2", reviewer=" ", decision="invite")


def test_without_a_key_one_is_made_beside_the_log_readable_only_by_its_owner(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENVIRONMENT, raising=False)
    log = tmp_path / "decisions.jsonl"
    Screener.load(decision_log=log).score(RECORDS[0])
    key = log.with_name("decisions.jsonl.key")
    assert key.stat().st_mode & 0o777 == 0o600
    assert _lines(log)[0]["candidate"] == DecisionLog(log).pseudonym("c0")


def test_appends_from_threads_and_processes_never_interleave(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENVIRONMENT, KEY)
    log = tmp_path / "decisions.jsonl"
    screener = Screener.load(decision_log=log)
    code = (
        "import sys; from profilefit.core.decisions import DecisionLog\n"
        "log = DecisionLog(sys.argv[1], key='k')\n"
        "for k in range(200): log.append([{'kind': 'test', 'n': k, 'pad': 'x' * 5000}])\n"
    )
    others = [subprocess.Popen([sys.executable, "-c", code, str(log)]) for _ in range(2)]
    threads = [threading.Thread(target=lambda: [screener.score(r) for r in RECORDS]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(process.wait(timeout=60) == 0 for process in others)
    lines = _lines(log)  # every line parses: none was cut by another writer
    assert len(lines) == 4 * len(RECORDS) + 400


def test_the_sample_run_logs_one_line_per_scored_candidate(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENVIRONMENT, KEY)
    log = tmp_path / "decisions.jsonl"
    assert main(["score", "sample", "-o", str(tmp_path / "r.csv"), "--decision-log", str(log)]) == 1
    assert len(_lines(log)) == 400
    assert sample_export_path().exists()


def test_purge_removes_lines_older_than_the_cutoff_and_keeps_erasure_lines(tmp_path):
    from datetime import UTC, datetime

    log = DecisionLog(tmp_path / "d.jsonl", key=KEY)
    log.append(
        [
            {"kind": "decision", "time": "2025-01-01T00:00:00.000+00:00", "candidate": log.pseudonym("old")},
            {"kind": "review", "time": "2025-01-02T00:00:00.000+00:00", "candidate": log.pseudonym("old")},
            {"kind": "erasure", "time": "2025-01-03T00:00:00.000+00:00", "lines_removed": 1, "reason": "request"},
            {"kind": "decision", "time": "2026-06-01T00:00:00.000+00:00", "candidate": log.pseudonym("new")},
        ]
    )
    assert log.purge(datetime(2026, 1, 1, tzinfo=UTC)) == 2
    kinds = [(line["kind"], line.get("candidate")) for line in _lines(log.path)]
    assert kinds == [("erasure", None), ("decision", log.pseudonym("new")), ("erasure", None)]
    assert _lines(log.path)[-1]["lines_removed"] == 2
    before = log.path.read_bytes()
    assert log.purge(datetime(2026, 1, 1, tzinfo=UTC)) == 0 and log.path.read_bytes() == before  # nothing added


def test_a_new_log_and_its_folder_are_owner_only(tmp_path):
    log = DecisionLog(tmp_path / "new" / "d.jsonl", key=KEY)
    log.append([{"kind": "decision", "time": "2026-01-01T00:00:00.000+00:00"}])
    assert log.path.stat().st_mode & 0o777 == 0o600 and log.path.parent.stat().st_mode & 0o777 == 0o700
