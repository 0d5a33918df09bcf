"""Batch scoring of instrument 2.0 against 1.2, time per row, with a share of blank blocks: docs/performance.md.

Usage::

    python benchmarks/forced_choice_batch.py                         # 50,000 rows, 2 % of blocks blank
    python benchmarks/forced_choice_batch.py --rows 20000 --blank-blocks 0.05 --repeat 2

It writes three simulated exports once (Nordic Excel CSV: BOM, semicolons, CRLF; ``--keep DIR`` keeps
them for the next run): 1.2 answers with 1 % of items blank (as benchmarks/batch.py writes them),
2.0 answers with no blank block, and the same 2.0 answers with ``--blank-blocks`` of the blocks left
blank at random. Then ``score_file`` (read, validate, score, fit, write results and rejects: what
``profilefit score`` runs) scores each with its shipped model (``reference``, ``reference-2.0``) and
the default role, in ``--repeat`` interleaved rounds so all three meet the same spells of a shared
machine's slowness; the best round of each counts. It prints microseconds per row and the ratios
to 1.2 (the target: 2.0 with blank blocks at most twice 1.2's time per row).

Only public functions are used, so the same script measures an older checkout side by side.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from profilefit.core.instrument import BLOCK_ANSWERS, Instrument, load_instrument
from profilefit.core.screening import Screener
from profilefit.data.batch import score_file
from profilefit.data.datasets import export_csv
from profilefit.data.simulate import simulate, simulate_forced_choice

#: The target: 2.0 with blank blocks within twice 1.2's time per row.
TARGET = 2.0


def write_agreement_export(path: Path, rows: int, seed: int) -> None:
    """1.2 answers, 1 % of items blank, as Excel writes CSV in Oslo."""
    sim = simulate(rows, seed=seed).responses
    rng = np.random.default_rng(seed)
    sim.items[rng.random(sim.items.shape) < 0.01] = np.nan
    path.write_bytes(("\ufeff" + export_csv(sim)).encode("utf-8"))


def write_forced_choice_export(path: Path, rows: int, seed: int, blank_share: float, instrument: Instrument) -> None:
    """2.0 answers with ``blank_share`` of the blocks blank, one two-letter column per block."""
    sim = simulate_forced_choice(rows, instrument, seed=seed)
    blocks = sim.blocks.copy()
    blocks[np.random.default_rng(seed + 1).random(blocks.shape) < blank_share] = -1
    columns = ["candidate_id", "completion_seconds", *instrument.block_ids, *instrument.scenario_ids]
    columns += list(instrument.check_ids)
    letters = [[scenario.options[k].id for k in range(len(scenario.options))] for scenario in instrument.scenarios]
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
        writer.writerow(columns)
        for row in range(rows):
            cells = [str(sim.candidate_ids[row]), f"{sim.seconds[row]:.1f}".replace(".", ",")]
            cells += [BLOCK_ANSWERS[code] if code >= 0 else "" for code in blocks[row].tolist()]
            cells += [letters[k][c] if c >= 0 else "" for k, c in enumerate(sim.choices[row].tolist())]
            cells += ["" if np.isnan(v) else str(int(v)) for v in sim.checks[row].tolist()]
            writer.writerow(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000, help="rows of each export (default: 50,000)")
    parser.add_argument(
        "--blank-blocks", type=float, default=0.02, help="share of 2.0 blocks left blank (default: 0.02)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; the best of each counts")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", metavar="DIR", help="write the exports here and keep them (reused when present)")
    args = parser.parse_args()

    instrument = load_instrument("customer-contact-2.0")
    directory = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="profilefit-fc-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    share = f"{args.blank_blocks:g}".replace(".", "_")
    exports = {
        "1.2": directory / f"export-1.2-{args.rows}-{args.seed}.csv",
        "2.0": directory / f"export-2.0-{args.rows}-{args.seed}-blank-0.csv",
        "2.0 blank": directory / f"export-2.0-{args.rows}-{args.seed}-blank-{share}.csv",
    }
    try:
        if not exports["1.2"].exists():
            write_agreement_export(exports["1.2"], args.rows, args.seed)
        for name, blank in (("2.0", 0.0), ("2.0 blank", args.blank_blocks)):
            if not exports[name].exists():
                write_forced_choice_export(exports[name], args.rows, args.seed, blank, instrument)
        screeners = {"1.2": Screener.load(), "2.0": Screener.load("reference-2.0")}
        seconds: dict[str, list[float]] = {name: [] for name in exports}
        for _ in range(args.repeat):
            for name, path in exports.items():
                screener = screeners[name.split()[0]]
                started = time.perf_counter()
                summary = score_file(path, directory / "results.csv", screener=screener)
                seconds[name].append(time.perf_counter() - started)
                if summary.rows_scored != args.rows:
                    raise RuntimeError(f"{name}: {summary.rows_scored} of {args.rows} rows scored")
        per_row = {name: min(values) / args.rows * 1e6 for name, values in seconds.items()}
        labels = {
            "1.2": "1.2, 1 % of items blank",
            "2.0": "2.0, no blank block",
            "2.0 blank": f"2.0, {args.blank_blocks:.0%} of blocks blank",
        }
        print(f"score_file, {args.rows:,} rows per export, best of {args.repeat} interleaved rounds")
        for name, label in labels.items():
            runs = ", ".join(f"{value:.2f} s" for value in seconds[name])
            print(f"    {label:<28} {per_row[name]:7.1f} us/row   runs: {runs}")
        ratio = per_row["2.0 blank"] / per_row["1.2"]
        print(f"    2.0 no blank / 1.2      {per_row['2.0'] / per_row['1.2']:.2f}")
        print(f"    2.0 blank / 1.2         {ratio:.2f}   target <= {TARGET}: {'yes' if ratio <= TARGET else 'NO'}")
        print(f"    2.0 blank / 2.0 no blank {per_row['2.0 blank'] / per_row['2.0']:.2f}")
        print(f"python {sys.version.split()[0]}")
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
