"""Item bias (DIF): find items that people of equal standing answer differently by group.

    python examples/item_bias.py                 # a simulated study with three planted biased items
    python examples/item_bias.py --lang nb       # the same, report in Norwegian
    python examples/item_bias.py --out-dir dif/

Simulates 800 applicants per group whose traits differ as published sex differences suggest
(that alone is *not* item bias) and plants bias in three items: at equal empathy, the focal
group agrees less with em2; at equal taking charge, more with tc3; at equal procedure, less
with pr3. It writes the export and a demographics file as an organisation would have them,
runs the same analysis as `profilefit dif EXPORT --demographics FILE --by sex`, prints the
report and writes dif.json and dif.html. The planted items should be the ones flagged.
See docs/dif.md.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from profilefit.data.simulate import simulate_groups
from profilefit.evidence.dif import dif_files, dif_languages, format_dif_text, write_dif_html, write_dif_json
from profilefit.evidence.forecast import load_differences

PLANTED = {"em2": 0.9, "tc3": -0.9, "pr3": 0.9}


def write_study(folder: Path, n_per_group: int, seed: int) -> tuple[Path, Path]:
    """Simulate the applicants and write export.jsonl and demographics.csv into ``folder``."""
    differences = load_differences("sex").d_values()  # women minus men, as published (docs/forecast.md)
    simulated = simulate_groups(
        {"men": n_per_group, "women": n_per_group},
        differences=differences,
        item_dif={"women": PLANTED},
        seed=seed,
    )
    export, demographics = folder / "export.jsonl", folder / "demographics.csv"
    records = simulated.responses.to_records()
    export.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with demographics.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["candidate_id", "sex"])
        for record, group in zip(records, simulated.groups, strict=True):
            writer.writerow([record["candidate_id"], "female" if group == "women" else "male"])
    return export, demographics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=800, help="applicants per group (default: 800)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lang", choices=dif_languages(), default="en")
    parser.add_argument("folder", nargs="?", default="out", help="output folder (default: out)")
    parser.add_argument("--out-dir", help="exactly where to write the files (default: FOLDER/dif)")
    args = parser.parse_args()

    out_dir = Path(args.out_dir or Path(args.folder) / "dif")
    out_dir.mkdir(parents=True, exist_ok=True)
    export, demographics = write_study(out_dir, args.n, args.seed)
    report = dif_files(export, demographics, by="sex", reference="male", focal=["female"])
    print(format_dif_text(report, args.lang))
    flagged = [answer.field for answer in report.comparisons[0].flagged]
    print(f"Planted: {', '.join(PLANTED)}. Flagged: {', '.join(flagged) or 'none'}.")
    for path in (write_dif_json(report, out_dir / "dif.json"), write_dif_html(report, out_dir / "dif.html", args.lang)):
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
