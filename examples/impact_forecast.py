"""Adverse-impact forecast before use, for both built-in roles.

    python examples/impact_forecast.py                       # both built-in roles, shipped sex differences
    python examples/impact_forecast.py --differences my.json # your own group differences
    python examples/impact_forecast.py --select-band strong --draws 100

Simulates applicants whose traits differ as the published sources report, scores them with
the reference model and each role, and prints selection-rate and scoring-rate impact
ratios per band with simulation intervals, and the sources of the differences. Writes
forecast_<role>.json and forecast_<role>.html to the output directory. A warning light before use, not a verdict:
only the audit of real results shows actual impact. See docs/forecast.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from profilefit.core.fit import builtin_roles
from profilefit.core.screening import Screener
from profilefit.evidence.forecast import (
    SELECTABLE_BANDS,
    forecast_impact,
    forecast_languages,
    format_forecast_text,
    write_forecast_html,
    write_forecast_json,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--differences", default="sex", help="built-in 'sex' (default) or a .json/.toml file")
    parser.add_argument("--select-band", choices=SELECTABLE_BANDS, default="possible")
    parser.add_argument("--n", type=int, default=2000, help="applicants per group and draw (default: 2000)")
    parser.add_argument("--draws", type=int, default=40, help="repeated draws (default: 40)")
    parser.add_argument("--lang", choices=forecast_languages(), default="en")
    parser.add_argument(
        "folder", nargs="?", default="out", help="output folder (default: out); files go in FOLDER/forecast"
    )
    parser.add_argument("--out-dir", help="exactly where to write the files (default: FOLDER/forecast)")
    args = parser.parse_args()

    out_dir = Path(args.out_dir or Path(args.folder) / "forecast")
    out_dir.mkdir(parents=True, exist_ok=True)
    screener = Screener.load()
    for role in builtin_roles():
        forecast = forecast_impact(
            screener,
            role=role,
            differences=args.differences,
            select_band=args.select_band,
            n_per_group=args.n,
            draws=args.draws,
        )
        print(format_forecast_text(forecast, args.lang))
        print(f"Wrote {write_forecast_json(forecast, out_dir / f'forecast_{role}.json')}")
        print(f"Wrote {write_forecast_html(forecast, out_dir / f'forecast_{role}.html', args.lang)}\n")


if __name__ == "__main__":
    main()
