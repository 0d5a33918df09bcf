"""The built wheel, installed in a fresh virtual environment, holds everything profilefit needs.

The editable install the other tests use reads data files from the source tree, so it cannot
notice a file missing from the wheel. This test builds the wheel from a copy of the project,
installs it (without its dependencies, which it borrows from this environment) into a new
virtual environment, and runs profilefit there from outside the source tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.packaging

CHECK = """
import pathlib, sys
import profilefit
from profilefit.core.artifact import load_artifact
from profilefit.data.datasets import sample_export_path
from profilefit.core.screening import Screener

here = pathlib.Path(profilefit.__file__).resolve()
assert pathlib.Path(sys.prefix).resolve() in here.parents, here  # the wheel's copy, not the source tree
load_artifact()  # the model and its manifest travelled, and their checksum matches
result = Screener.load().score({"candidate_id": "c1", "tc1": 5})
assert result.fit is not None and sample_export_path().is_file()
from profilefit.core.instrument import load_instrument
assert sample_export_path(load_instrument("customer-contact-2.0")).name == "sample_export_2.csv"
assert sample_export_path(load_instrument("customer-contact-2.0")).is_file()  # the 2.0 sample travelled too
print(profilefit.__version__)
"""


def _run(*command: str | Path, cwd: Path, code: int = 0) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stdout + done.stderr
    return done.stdout


def test_the_wheel_installs_in_a_fresh_environment_and_runs(tmp_path):
    pytest.importorskip("setuptools", minversion="77")
    pytest.importorskip("wheel")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, project / name)
    for folder in ("src", "models"):
        shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    dist = tmp_path / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        dist,
        ".",
        cwd=project,
    )
    (wheel,) = dist.glob("profilefit-*.whl")

    # Every data file of the source tree is in the wheel.
    inside = set(zipfile.ZipFile(wheel).namelist())
    data = [path for path in (ROOT / "src").rglob("data/*") if path.is_file() and "__pycache__" not in path.parts]
    expected = {str(path.relative_to(ROOT / "src")) for path in data}
    expected |= {f"profilefit/models/{path.relative_to(ROOT / 'models')}" for path in (ROOT / "models").rglob("*.*")}
    assert expected - inside == set()

    fresh = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=True).create(fresh)
    python = fresh / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    # Dependencies (numpy, scikit-learn, pydantic, ...) come from this environment's site-packages,
    # added after the fresh one's: its .pth files (the editable profilefit) are not read.
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip()
    (Path(site) / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    version = _run(python, "-c", CHECK, cwd=tmp_path).strip()
    assert (
        version == _run(sys.executable, "-c", "import profilefit; print(profilefit.__version__)", cwd=tmp_path).strip()
    )
    out = _run(
        fresh / "bin" / "profilefit", "score", "sample", "-o", tmp_path / "results.csv", cwd=tmp_path, code=1
    )  # 1: the sample holds two bad rows on purpose
    assert "400 scored" in out
