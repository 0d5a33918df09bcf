"""One candidate's report from the bundled sample export: on screen, and as text, JSON and HTML files.

    python examples/candidate_report.py            # writes into ./out
    python examples/candidate_report.py reports --lang nb --candidate cand-0042 --role transactional

Also writes the candidate's answers as ``candidate.json``, the input ``profilefit report`` reads:

    profilefit report out/candidate.json --lang nb --html out/rapport.html
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from profilefit.core.screening import Screener
from profilefit.data.datasets import sample_export_path
from profilefit.data.io import read_assessments
from profilefit.pages.reports import report_languages, text_report, write_reports


def main() -> None:
    parser = argparse.ArgumentParser(description="One candidate's report from the bundled sample export.")
    parser.add_argument("out", nargs="?", default="out", help="folder to write into (default: ./out)")
    parser.add_argument("--candidate", default="cand-0001", help="candidate id in the sample (default: cand-0001)")
    parser.add_argument("--lang", default="en", choices=report_languages(), help="report language (default: en)")
    parser.add_argument("--role", default="complex-case", help="built-in role or role file (default: complex-case)")
    args = parser.parse_args()

    screener = Screener.load(role=args.role)
    responses, _, rejected = read_assessments(sample_export_path(), screener.instrument)
    records = {record["candidate_id"]: record for record in responses.to_records()}
    if args.candidate not in records:
        raise SystemExit(f"no candidate {args.candidate!r} in the sample; try cand-0001 … cand-0400")
    record = records[args.candidate]

    result = screener.score(record)
    print(text_report(result, language=args.lang, role=screener.role))

    out = Path(args.out)
    paths = write_reports(result, out, language=args.lang, role=screener.role)
    answers = out / "candidate.json"
    answers.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {', '.join(str(p) for p in paths.values())} and {answers}")
    print(f"(the sample has {len(responses)} valid candidates; {len({p['row'] for p in rejected})} rows were rejected)")


if __name__ == "__main__":
    main()
