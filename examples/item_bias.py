"""Item bias (DIF): find items that people of equal standing answer differently by group.

    python examples/item_bias.py                 # a simulated study with three planted biased items
    python examples/item_bias.py --lang nb       # the same, report in Norwegian
    python examples/item_bias.py --out-dir dif/
    python examples/item_bias.py --instrument customer-contact-2.0 out   # the same study on instrument 2.0

Simulates 800 applicants per group whose traits differ as published sex differences suggest
(that alone is *not* item bias) and plants bias in three items: at equal empathy, the focal
group agrees less with em2; at equal taking charge, more with tc3; at equal procedure, less
with pr3. It writes the export and a demographics file as an organisation would have them,
runs the same analysis as `profilefit dif EXPORT --demographics FILE --by sex`, prints the
report and writes dif.json and dif.html. The planted items should be the ones flagged.

On instrument 2.0 (forced choice) the bias is planted in three block statements instead: at equal
traits the focal group marks em_01 (empathy, block b01) and pr_09 (procedure, b06) most less readily,
and tc_01 (taking charge, b03) more readily. The analysis is `profilefit dif EXPORT --demographics FILE
--by sex --instrument customer-contact-2.0`: each statement marked most and marked least. A planted
statement moves its block-mates too, so read the flags per block. See docs/dif.md.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from profilefit.core.instrument import Instrument, load_instrument
from profilefit.data.simulate import simulate_groups
from profilefit.evidence.dif import dif_files, dif_languages, format_dif_text, write_dif_html, write_dif_json
from profilefit.evidence.forecast import load_differences

PLANTED = {"em2": 0.9, "tc3": -0.9, "pr3": 0.9}
#: On a forced-choice instrument: statement ids, each in its own block; positive lowers the statement's
#: utility for the focal group (marked most less readily at equal traits), in probit units.
PLANTED_2 = {"em_01": 0.9, "tc_01": -0.9, "pr_09": 0.9}


def planted_for(instrument: Instrument) -> dict[str, float]:
    return PLANTED_2 if instrument.format == "forced_choice" else PLANTED


def write_study(folder: Path, n_per_group: int, seed: int, instrument: Instrument) -> tuple[Path, Path]:
    """Simulate the applicants and write export.jsonl and demographics.csv into ``folder``."""
    differences = load_differences("sex").d_values()  # women minus men, as published (docs/forecast.md)
    simulated = simulate_groups(
        {"men": n_per_group, "women": n_per_group},
        differences=differences,
        item_dif={"women": planted_for(instrument)},
        seed=seed,
        instrument=instrument,
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
    parser.add_argument(
        "--instrument",
        default="customer-contact",
        help="the instrument answered: customer-contact (1.2, the default) or customer-contact-2.0 (forced choice)",
    )
    parser.add_argument("folder", nargs="?", default="out", help="output folder (default: out)")
    parser.add_argument(
        "--out-dir", help="exactly where to write the files (default: FOLDER/dif, or FOLDER/dif-2.0 for 2.0)"
    )
    args = parser.parse_args()

    # The 2.0 study in its own folder, so that one run does not replace the other's files.
    default = "dif-2.0" if args.instrument.endswith("2.0") else "dif"
    out_dir = Path(args.out_dir or Path(args.folder) / default)
    out_dir.mkdir(parents=True, exist_ok=True)
    instrument = load_instrument(args.instrument)
    export, demographics = write_study(out_dir, args.n, args.seed, instrument)
    report = dif_files(export, demographics, by="sex", reference="male", focal=["female"], instrument=instrument)
    print(format_dif_text(report, args.lang))
    comparison = report.comparisons[0]
    if instrument.format == "forced_choice":
        blocks = {s.id: b.id for b in instrument.blocks for s in b.statements}
        planted = ", ".join(f"{statement} ({blocks[statement]})" for statement in PLANTED_2)
        flagged = "; ".join(f"{block}: {', '.join(flags)}" for block, flags in comparison.flagged_blocks().items())
    else:
        planted = ", ".join(PLANTED)
        flagged = ", ".join(answer.field for answer in comparison.flagged)
    print(f"Planted: {planted}. Flagged: {flagged or 'none'}.")
    for path in (write_dif_json(report, out_dir / "dif.json"), write_dif_html(report, out_dir / "dif.html", args.lang)):
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
