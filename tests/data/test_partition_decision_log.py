"""score_partition writes the decision log too: the same records as score_batch, safe from threads and processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from profilefit.core.decisions import KEY_ENVIRONMENT, DecisionLog
from profilefit.core.screening import Screener
from profilefit.data.batch import score_batch, score_partition
from profilefit.data.datasets import sample_export_path
from profilefit.exceptions import DecisionLogError

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def export_frame():
    """The bundled export read as text (402 rows, two of them rejected), as docs/batch.md tells Dask users."""
    return pd.read_csv(sample_export_path(), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _without_time(records):
    return [{key: value for key, value in record.items() if key != "time"} for record in records]


def test_a_partition_logs_what_score_batch_logs(export_frame, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENVIRONMENT, "partition-test-key")
    part = export_frame.iloc[380:]  # 22 rows, the two bad ones among them
    out = score_partition(part, decision_log=tmp_path / "partition.jsonl")
    score_batch(Screener.load(decision_log=tmp_path / "batch.jsonl"), part)
    logged = _lines(tmp_path / "partition.jsonl")
    assert len(logged) == (out["status"] == "scored").sum() == 20
    assert _without_time(logged) == _without_time(_lines(tmp_path / "batch.jsonl"))


def test_threads_scoring_partitions_at_once_lose_no_line(export_frame, tmp_path, monkeypatch):
    """Rule: n partitions scored concurrently into one log leave one whole line per scored row, no more."""
    monkeypatch.setenv(KEY_ENVIRONMENT, "partition-test-key")
    log = tmp_path / "decisions.jsonl"
    parts = [export_frame.iloc[k : k + 67] for k in range(0, len(export_frame), 67)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outs = list(pool.map(lambda part: score_partition(part, decision_log=log, chunk_size=16), parts))
    scored = pd.concat(outs)
    scored = scored[scored["status"] == "scored"]
    pseudonym = DecisionLog(log).pseudonym
    assert Counter(record["candidate"] for record in _lines(log)) == Counter(
        pseudonym(candidate) for candidate in scored["candidate_id"]
    )


_WORKER = """
import sys
import pandas as pd
from profilefit.data.batch import score_partition
from profilefit.data.datasets import sample_export_path
frame = pd.read_csv(sample_export_path(), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
start = int(sys.argv[2])
out = score_partition(frame.iloc[start : start + 100], decision_log=sys.argv[1], chunk_size=10)
print(int((out["status"] == "scored").sum()))
"""


@pytest.mark.slow
def test_processes_sharing_a_log_and_its_key_file_agree(export_frame, tmp_path):
    """Four processes start at once on a log that has no key yet: one key file, every line whole and keyed by it."""
    log = tmp_path / "shared" / "decisions.jsonl"
    environment = {name: value for name, value in os.environ.items() if name != KEY_ENVIRONMENT}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(log), str(start)], stdout=subprocess.PIPE, text=True, env=environment
        )
        for start in (0, 100, 200, 300)
    ]
    counts = [int(worker.communicate(timeout=300)[0]) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0, 0]
    assert sorted(path.name for path in log.parent.iterdir()) == ["decisions.jsonl", "decisions.jsonl.key"]
    pseudonym = DecisionLog(log).pseudonym
    ids = [
        c
        for start in (0, 100, 200, 300)
        for c in score_partition(export_frame.iloc[start : start + 100]).query("status == 'scored'")["candidate_id"]
    ]
    assert sum(counts) == len(ids) == 400
    assert Counter(record["candidate"] for record in _lines(log)) == Counter(pseudonym(c) for c in ids)


def test_dask_map_partitions_writes_one_line_per_scored_row(export_frame, tmp_path, monkeypatch):
    dd = pytest.importorskip("dask.dataframe")
    monkeypatch.setenv(KEY_ENVIRONMENT, "partition-test-key")
    from profilefit.data.batch import partition_meta

    log = tmp_path / "dask.jsonl"
    frame = dd.from_pandas(export_frame, npartitions=4)
    out = frame.map_partitions(score_partition, decision_log=str(log), meta=partition_meta()).compute(
        scheduler="threads"
    )
    assert len(_lines(log)) == (out["status"] == "scored").sum() == 400


def test_an_empty_key_file_is_refused_not_used(tmp_path, monkeypatch):
    """A key file is linked into place whole, so an empty one is damage: pseudonyms under it would protect nobody."""
    monkeypatch.delenv(KEY_ENVIRONMENT, raising=False)
    log = tmp_path / "decisions.jsonl"
    (tmp_path / "decisions.jsonl.key").write_bytes(b"")
    with pytest.raises(DecisionLogError, match="key file is empty"):
        DecisionLog(log).pseudonym("c1")


def test_a_new_key_file_is_whole_owner_only_and_leaves_no_draft(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENVIRONMENT, raising=False)
    log = tmp_path / "decisions.jsonl"
    first = DecisionLog(log).pseudonym("c1")
    assert DecisionLog(log).pseudonym("c1") == first
    key = tmp_path / "decisions.jsonl.key"
    assert len(key.read_bytes().strip()) == 64 and key.stat().st_mode & 0o777 == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == ["decisions.jsonl.key"]
