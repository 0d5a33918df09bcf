"""The figures docs/validation.md and docs/fairness.md quote are what the bundled examples print now.

They went stale once (a reviewer running every documented command found other numbers after the reference
model was retrained): each test runs the example as a user would, in a temporary folder, and checks that
the lines the page quotes are printed. When the model or the data change, the pages change with them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).parents[2]

pytestmark = pytest.mark.slow  # each runs an example end to end (about 25 s and 7 s)


def _run(script: str, folder: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(REPOSITORY / "examples" / script)],
        cwd=folder,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        check=True,
    )
    return done.stdout


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _quoted(line: str, page_lines: set[str]) -> bool:
    """Whether the page quotes ``line``: the same words, each number within one unit of its last printed digit.

    The figures come from fits and resamples whose last bits can differ between CPUs and library versions, so a
    printed figure may round the other way on another machine; a stale page is off by far more.
    """
    template = _NUMBER.sub("#", line)
    numbers = _NUMBER.findall(line)
    for candidate in page_lines:
        if _NUMBER.sub("#", candidate) != template:
            continue
        theirs = _NUMBER.findall(candidate)
        units = [10.0 ** -len(a.partition(".")[2]) for a in numbers]  # one unit of each last printed digit
        pairs = zip(numbers, theirs, units, strict=True)
        if all(abs(float(a) - float(b)) <= unit + 1e-12 for a, b, unit in pairs):
            return True
    return False


def _code_lines(page: str) -> set[str]:
    """Every line of the page's fenced blocks, without surrounding spaces."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", page, re.S)
    return {line.strip() for block in blocks for line in block.splitlines() if line.strip()}


def test_the_validation_page_quotes_what_the_validation_study_prints(tmp_path):
    printed = _run("validation_study.py", tmp_path)
    page = (REPOSITORY / "docs" / "validation.md").read_text(encoding="utf-8")
    quoted = _code_lines(page)
    wanted = [
        line.strip()
        for line in printed.splitlines()
        if re.match(r"\s*(strong|possible|weak)\s+\d+\s+\d", line)
        or line.strip().startswith(("learned on n =", "cross-validated r =", "Centre B, current", "Centre B, learned"))
    ]
    assert len(wanted) == 7, printed
    missing = [line for line in wanted if not _quoted(line, quoted)]
    assert not missing, f"docs/validation.md does not quote these lines the example prints now: {missing}"
    median = re.search(r"above the study's median, ([0-9.]+)\)", printed)
    assert median and f"of {median.group(1)}), the study printed" in page
    controllers = re.search(r"Controllers minus everyone else: [^\n]*\(Welch\)", printed)
    quoted_controllers = set(re.findall(r"`(Controllers minus everyone else: [^`]*)`", page))
    assert controllers and _quoted(controllers.group(0), quoted_controllers), controllers


def test_the_fairness_page_quotes_what_the_audit_example_prints(tmp_path):
    printed = _run("audit_report.py", tmp_path)
    page = (REPOSITORY / "docs" / "fairness.md").read_text(encoding="utf-8")
    selected = re.search(r"(\d+) of (\d+) \(([0-9.]+) ?%\)", printed)
    assert selected, printed
    count, total, share = selected.groups()
    assert f"{count} of {total} ({share} %)" in page, (selected.group(0), "not in docs/fairness.md")
    median = re.search(r"[Mm]edian fit score:? ([0-9.]+)", printed)
    assert median and f"Median fit score {median.group(1)}" in page
    # The first table (sex, selection): each group's selected count, applicants and rate, as the page says them.
    rows = re.findall(r"^(Female|Male)\s+(\d+)\s+[0-9.]+%\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)", printed, re.M)[:2]
    (_, women, women_selected, women_rate, _), (_, men, men_selected, men_rate, men_ratio) = rows
    assert f"women {women_selected} of {women} selected ({women_rate}, the reference)" in page
    assert f"men {men_selected} of {men} ({men_rate}, IR {men_ratio}" in page
