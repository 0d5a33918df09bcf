"""Conventions a Python user expects: a version, ``python -m``, logging that stays quiet, checked arguments."""

from __future__ import annotations

import logging
import math
import subprocess
import sys
from importlib import metadata

import pytest

import profilefit
from profilefit.apps.cli import main
from profilefit.core.screening import Screener
from profilefit.data.batch import score_batch


def test_the_version_is_the_installed_one_and_the_command_prints_it(capsys):
    assert profilefit.__version__ == metadata.version("profilefit")
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"profilefit {profilefit.__version__}\n"


def test_python_dash_m_profilefit_runs_the_command():
    done = subprocess.run(
        [sys.executable, "-m", "profilefit", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stdout == f"profilefit {profilefit.__version__}\n"


def test_the_library_logger_is_quiet_unless_configured():
    handlers = logging.getLogger("profilefit").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


@pytest.mark.parametrize("value", [2, -1, math.nan, math.inf, "high"])
def test_min_confidence_that_is_not_a_probability_is_refused(value):
    with pytest.raises(ValueError, match="min_confidence must be a number from 0 to 1"):
        Screener.load(min_confidence=value)


@pytest.mark.parametrize("value", [0, 0.5, 1])
def test_min_confidence_from_0_to_1_is_accepted(value):
    assert Screener.load(min_confidence=value).min_confidence == value


def test_the_results_column_does_not_hide_pandas_flags(screener):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = score_batch(screener, [{"candidate_id": "c1", "tc1": 6}]).results
    assert "validity_flags" in frame.columns and "flags" not in frame.columns
    assert isinstance(frame.flags, pd.Flags)
