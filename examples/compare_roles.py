"""The same candidates under both built-in roles: who fits complex-case support, who fits transactional work.

    python examples/compare_roles.py             # prints a comparison, writes ./out/compare_roles.csv
    python examples/compare_roles.py out --lang nl

Writes one shortlist page per role as well (``shortlist-<role>.html``).
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

from profilefit.core.fit import BANDS, builtin_roles
from profilefit.core.screening import Screener
from profilefit.data.datasets import sample_export_path
from profilefit.data.io import read_assessments
from profilefit.pages.reports import report_languages, shortlist_html


def main() -> None:
    parser = argparse.ArgumentParser(description="The bundled sample under every built-in role.")
    parser.add_argument("out", nargs="?", default="out", help="folder to write into (default: ./out)")
    parser.add_argument("--lang", default="en", choices=report_languages(), help="page language (default: en)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    roles = builtin_roles()
    results = {}
    for role in roles:
        screener = Screener.load(role=role)
        responses, _, _ = read_assessments(sample_export_path(), screener.instrument)
        results[role] = screener.results(screener.score_responses(responses))
        page = out / f"shortlist-{role}.html"
        page.write_text(shortlist_html(results[role], language=args.lang), encoding="utf-8")
        print(f"wrote {page}")

    first, second = roles[0], roles[1]
    pairs = list(zip(results[first], results[second], strict=True))
    table = out / "compare_roles.csv"
    with table.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["candidate_id", "profile", *(f"{r}_{k}" for r in (first, second) for k in ("fit", "band"))])
        for a, b in pairs:
            writer.writerow([a.candidate_id, a.profile, a.fit.score, a.fit.band, b.fit.score, b.fit.band])
    print(f"wrote {table}\n")

    print(f"bands: rows {first}, columns {second}")
    crossed = Counter((a.fit.band, b.fit.band) for a, b in pairs)
    print(f"  {'':10s}" + "".join(f"{band:>10s}" for band in BANDS))
    for band in BANDS:
        print(f"  {band:10s}" + "".join(f"{crossed[band, other]:10d}" for other in BANDS))

    print("\nmedian fit by most likely profile:")
    print(f"  {'profile':14s}{first:>15s}{second:>15s}")
    for profile in sorted({a.profile for a, _ in pairs}):
        chosen = [(a.fit.score, b.fit.score) for a, b in pairs if a.profile == profile]
        medians = [sorted(s)[len(s) // 2] for s in zip(*chosen, strict=True)]
        print(f"  {profile:14s}{medians[0]:15.1f}{medians[1]:15.1f}   (n={len(chosen)})")

    opposite = [(a, b) for a, b in pairs if {a.fit.band, b.fit.band} == {"strong", "weak"}]
    print(f"\nstrong for one role and weak for the other: {len(opposite)} candidates, for example")
    for a, b in opposite[:8]:
        print(f"  {a.candidate_id}: {first} {a.fit.score:.1f} {a.fit.band}, {second} {b.fit.score:.1f} {b.fit.band}")


if __name__ == "__main__":
    main()
