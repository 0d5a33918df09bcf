"""Shortlist benchmark: page size and peak memory of ``profilefit shortlist`` on a large results file.

Usage::

    python benchmarks/shortlist.py                  # 1M results (about 2 minutes, 1 GB of disk)
    python benchmarks/shortlist.py --rows 100000    # a quick look

It writes a simulated export with ``benchmarks/batch.py``'s generator, scores it with
``profilefit score`` into a results CSV (the file a user hands to ``shortlist``), then runs
``profilefit shortlist results.csv --html page.html`` (the default ``--top``, 500) in a
fresh process and prints the results file's size, the page's size, the wall time and the
peak resident memory of that process (``getrusage(RUSAGE_CHILDREN)`` in a wrapper process
of its own). Targets (issue 13): a page under 50 MB and under 1 GB of memory at 1M results.
Temporary files are deleted at the end.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from batch import _RUN_AND_REPORT_PEAK, write_export  # the same export as the batch benchmark

PAGE_TARGET_MB = 50.0
MEMORY_TARGET_MIB = 1024.0


def _program() -> list[str]:
    script = Path(sys.executable).with_name("profilefit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "profilefit"]


def _measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of a command in its own process tree."""
    report = subprocess.run([sys.executable, "-c", _RUN_AND_REPORT_PEAK, *command], capture_output=True, text=True)
    code, seconds, peak_kib = report.stdout.split()
    if int(code) not in (0, 1):
        raise RuntimeError(f"{' '.join(command[-4:])} failed with exit code {code}: {report.stderr}")
    return float(seconds), int(peak_kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="results in the file (default: 1,000,000)")
    parser.add_argument("--top", type=int, default=None, help="--top for the shortlist (default: the command's)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="profilefit-shortlist-"))
    try:
        export, results, page = folder / "export.csv", folder / "results.csv", folder / "shortlist.html"
        write_export(export, args.rows)
        score_seconds, _ = _measured([*_program(), "score", str(export), "-o", str(results), "--no-progress"])
        export.unlink()
        top = [] if args.top is None else ["--top", str(args.top)]
        seconds, peak = _measured([*_program(), "shortlist", str(results), "--html", str(page), *top])
        page_mb = page.stat().st_size / 1e6
        size_mb = results.stat().st_size / 1e6
        print(f"results file: {args.rows:,} rows, {size_mb:,.1f} MB (scored in {score_seconds:.1f} s)")
        print(f"profilefit shortlist{' ' + ' '.join(top) if top else ''}: {seconds:.1f} s")
        print(f"  page size      {page_mb:,.2f} MB   (target < {PAGE_TARGET_MB:.0f} MB)")
        print(f"  peak memory    {peak:,.0f} MiB   (target < {MEMORY_TARGET_MIB:,.0f} MiB)")
        print(f"  rows listed    {page.read_text(encoding='utf-8').count('<tr data-band='):,}")
        within = page_mb < PAGE_TARGET_MB and peak < MEMORY_TARGET_MIB
        print("within both targets" if within else "NOT within the targets")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
