"""How an HR system calls profilefit: load once, then one call per candidate, JSON in and JSON out.

Run as it is:  python examples/hr_integration.py
It reads one candidate from the bundled sample export, sends it as JSON, prints the JSON result,
shows what an invalid submission gets back, and keeps a decision log in ./out/decisions.jsonl.
"""

import json
import sys
from pathlib import Path

from pydantic import ValidationError

from profilefit.core.schema import describe_errors
from profilefit.core.screening import Screener
from profilefit.data.datasets import sample_export_path
from profilefit.data.io import read_assessments


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    # Once, when the HR system starts: loading checks the model file against its manifest.
    screener = Screener.load(decision_log=out_dir / "decisions.jsonl")

    # What arrives from the assessment platform: one candidate's answers as JSON.
    responses, _, _ = read_assessments(sample_export_path(), screener.instrument)
    incoming = json.dumps(responses.to_records()[0])

    # The one call per candidate. The result is typed and JSON-serialisable.
    result = screener.score(incoming)
    print(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
    print(
        f"\n{result.candidate_id}: profile {result.profile} (p = {result.confidence:.2f}), "
        f"runner-up {result.second_profile}; needs human review: {result.needs_human_review}",
        file=sys.stderr,
    )

    # A bad submission gets a clear error naming the field, the value and what is allowed.
    try:
        screener.score(json.dumps({"candidate_id": "c-bad", "tc1": 7, "gender": "f"}))
    except ValidationError as error:
        for problem in describe_errors(error):
            print(f"rejected: {problem['field']}: {problem['value']!r}: {problem['reason']}", file=sys.stderr)

    print(f"decision log: {out_dir / 'decisions.jsonl'}", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
