"""Core profilefit works without the io and dask extras; the batch layer names the extra it needs."""

from __future__ import annotations

import subprocess
import sys

# Runs in a fresh interpreter in which the optional libraries cannot be imported.
_WITHOUT_EXTRAS = """
import sys

class _Blocked:
    def find_spec(self, name, path=None, target=None):
        blocked = {"pyarrow", "pandas", "openpyxl", "python_calamine", "tqdm", "dask", "distributed"}
        if name.partition(".")[0] in blocked:
            raise ImportError(f"No module named {name!r} (blocked by the test)")

sys.meta_path.insert(0, _Blocked())
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_EXTRAS + code], capture_output=True, text=True, timeout=120, check=False
    )


def test_one_candidate_scores_without_the_extras_and_batch_names_the_extra():
    done = _run(
        """
import profilefit.data.batch  # importing the batch layer needs no extra either
from profilefit.core.screening import Screener
screener = Screener.load()
print("top", screener.score({"candidate_id": "c1", "tc1": 5, "sj1": "a"}).top_profile)
try:
    profilefit.data.batch.score_batch(screener, [{"candidate_id": "c1"}])
except ImportError as error:
    print("error", error)
"""
    )
    assert done.returncode == 0, done.stderr
    assert "top " in done.stdout
    assert 'pip install -e ".[io]"' in done.stdout and "'io' extra" in done.stdout


def test_the_score_command_exits_2_naming_the_extra(tmp_path):
    done = _run(
        f"""
from profilefit.apps.cli import main
sys.exit(main(["score", "sample", "-o", {str(tmp_path / "results.csv")!r}]))
"""
    )
    assert done.returncode == 2, done.stderr
    assert 'pip install -e ".[io]"' in done.stderr and "'io' extra" in done.stderr
    assert not (tmp_path / "results.csv").exists()


def test_every_command_that_reads_an_export_exits_2_naming_the_extra(tmp_path):
    """Not "internal error ... a bug in profilefit" (exit 4): a missing extra is a set-up step, said as one."""
    done = _run(
        f"""
from profilefit.apps.cli import main
norms = ["norms", "sample", "--name", "x", "--out", {str(tmp_path / "n.json")!r}]
codes = [main(["reliability", "sample"]), main(norms)]
sys.exit(max(codes) if set(codes) != {{2}} else 2)
"""
    )
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr
    assert done.stderr.count("from the 'io' extra") == 2 and done.stderr.count('pip install -e ".[io]"') == 2
