"""Every example runs exactly as the README's Examples table writes it (the server-side ATS client aside)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each runs a program, a browser or a server

ROOT = Path(__file__).resolve().parents[1]
#: Needs a running `profilefit serve`; tests/test_service_*.py cover the API it calls.
NEEDS_A_SERVER = {"ats_client.py"}


def _documented_runs() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Examples", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `((?:[A-Z_]+=\S+ )?python examples/\S+\.py[^`]*)` \|", table, flags=re.MULTILINE)


def test_every_example_script_is_in_the_readme_table():
    documented = {re.search(r"examples/(\S+\.py)", run)[1] for run in _documented_runs()}
    assert documented == {path.name for path in (ROOT / "examples").glob("*.py")}


@pytest.mark.slow
@pytest.mark.parametrize("run", [run for run in _documented_runs() if not any(name in run for name in NEEDS_A_SERVER)])
def test_an_example_runs_as_the_readme_writes_it(run, tmp_path):
    words = shlex.split(run)
    script = ROOT / words[1]
    done = subprocess.run(
        [sys.executable, str(script), *words[2:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    if " out" in run:
        assert (tmp_path / "out").is_dir(), f"{run} wrote nothing into the folder it was given"
