from profilefit.data.datasets import (
    BUNDLED_NORMS,
    SAMPLE_EXPORT,
    SAMPLE_LABELLED,
    sample_export_path,
    write_bundled_data,
)
from profilefit.data.io import read_assessments


def test_bundled_data_is_what_the_code_generates(tmp_path):
    # Regenerate with:
    # python -c "from profilefit.data.datasets import write_bundled_data as w; w('src/profilefit/data')"
    write_bundled_data(tmp_path)
    bundled = sample_export_path().parent
    for name in (SAMPLE_EXPORT, SAMPLE_LABELLED, BUNDLED_NORMS):
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), f"{name} is stale"


def test_sample_export_is_written_as_nordic_excel_does(instrument):
    raw = sample_export_path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw and b";" in raw.splitlines()[0]
    responses, _, rejected = read_assessments(sample_export_path(), instrument)
    assert len(responses) == 400
    assert {(r["row"], r["field"]) for r in rejected} == {(401, "tc1"), (402, "sj1")}
