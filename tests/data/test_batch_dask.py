"""The chunk scorer runs unchanged on Dask: one function of a data frame, the engine does the rest."""

from __future__ import annotations

import json

import pytest

from profilefit.data.batch import partition_meta, partition_schema_ddl, result_columns, score_batch, score_partition
from profilefit.data.datasets import sample_export_path

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def export_frame():
    """The bundled export read as text, as docs/batch.md tells Dask users to read CSV."""
    return pd.read_csv(sample_export_path(), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_score_partition_keeps_every_row_and_the_index(screener, export_frame):
    part = export_frame.iloc[390:].set_axis(range(1000, 1012))
    out = score_partition(part)
    assert list(out.index) == list(part.index)
    assert list(out.columns) == [*result_columns(screener), "status", "problems"]
    assert out["status"].tolist() == ["scored"] * 10 + ["rejected"] * 2
    problems = [json.loads(text) for text in out["problems"].iloc[10:]]
    assert [p[0]["field"] for p in problems] == ["tc1", "sj1"]
    assert out["candidate_id"].iloc[10:].isna().all()
    expected = score_batch(screener, part).results
    assert out["p_controller"].iloc[:10].astype(float).tolist() == pytest.approx(
        expected["p_controller"].tolist(), abs=1e-12
    )


def test_partition_meta_matches_what_score_partition_returns(export_frame):
    meta = partition_meta()
    out = score_partition(export_frame.iloc[:3])
    assert list(meta.columns) == list(out.columns)
    assert meta.dtypes.tolist() == out.dtypes.tolist()


def test_the_spark_schema_names_every_output_column(screener):
    ddl = partition_schema_ddl()
    columns = dict(part.split(" ") for part in ddl.split(", "))
    assert list(columns) == [*result_columns(screener), "status", "problems"]
    assert columns["p_controller"] == "double" and columns["needs_review"] == "boolean"
    assert columns["candidate_id"] == columns["problems"] == "string"


def test_map_partitions_on_a_local_cluster_equals_score_batch(screener, export_frame):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    expected = score_batch(screener, export_frame).results
    # An in-process cluster: one worker, two threads, no dashboard (it would need a free port).
    with (
        distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster,
        distributed.Client(cluster),
    ):
        frame = dd.from_pandas(export_frame, npartitions=4)
        out = frame.map_partitions(score_partition, meta=partition_meta()).compute()
    assert len(out) == len(export_frame) == 402
    assert out["status"].value_counts().to_dict() == {"scored": 400, "rejected": 2}
    scored = out[out["status"] == "scored"]
    assert scored["candidate_id"].tolist() == expected["candidate_id"].tolist()
    for column in ("p_controller", "p_empathizer", "confidence"):
        assert scored[column].astype(float).tolist() == pytest.approx(expected[column].tolist(), abs=1e-12)
    assert scored["top_profile"].tolist() == expected["top_profile"].tolist()
