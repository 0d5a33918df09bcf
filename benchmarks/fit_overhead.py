"""What role fit costs a single `Screener.score` call: calls per second with and without a role, in one run.

    python benchmarks/fit_overhead.py

Prints the rate of one-candidate calls for a screener without a role and for each
built-in role, and their ratio. Rates move with the machine; the ratio is what to compare.
"""

from __future__ import annotations

import timeit

from profilefit.fit import builtin_roles
from profilefit.screening import Screener


def calls_per_second(screener: Screener, record: dict[str, object], number: int = 2000) -> float:
    """Best of five runs of ``number`` calls."""
    screener.score(record)  # warm caches
    return number / min(timeit.repeat(lambda: screener.score(record), number=number, repeat=5))


def main() -> None:
    without = Screener.load(role=None)
    record: dict[str, object] = {"candidate_id": "bench-1", "completion_seconds": 600.0}
    record.update({item_id: 2 + k % 4 for k, item_id in enumerate(without.instrument.item_ids)})
    record.update({check.id: check.expected for check in without.instrument.attention_checks})
    record.update({scenario.id: scenario.options[k % 2].id for k, scenario in enumerate(without.instrument.scenarios)})
    base = calls_per_second(without, record)
    print(f"{'role':16s} {'calls/s':>9s} {'vs no role':>11s}")
    print(f"{'(none)':16s} {base:9.0f} {1.0:11.2f}")
    for role in builtin_roles():
        rate = calls_per_second(Screener.load(role=role), record)
        print(f"{role:16s} {rate:9.0f} {rate / base:11.2f}")


if __name__ == "__main__":
    main()
