"""What role fit costs a single `Screener.score` call: calls per second with and without a role, in one run.

    python benchmarks/fit_overhead.py

Prints the rate of one-candidate calls for a screener without a role and for each
built-in role, and their ratio. Rates move with the machine and its load; the ratio,
measured in one run with the screeners taking turns, is what to compare.
"""

from __future__ import annotations

import timeit

from profilefit.core.fit import builtin_roles
from profilefit.core.screening import Screener


def best_rates(screeners: dict[str, Screener], record: dict[str, object], *, number: int = 1000, rounds: int = 7):
    """Calls per second of each screener, best of ``rounds``; rounds interleave the screeners so drift hits all."""
    best = dict.fromkeys(screeners, float("inf"))
    for screener in screeners.values():
        screener.score(record)  # warm caches
    for _ in range(rounds):
        for name, screener in screeners.items():
            best[name] = min(best[name], timeit.timeit(lambda s=screener: s.score(record), number=number))
    return {name: number / seconds for name, seconds in best.items()}


def main() -> None:
    screeners = {"(none)": Screener.load(role=None)}
    screeners.update({role: Screener.load(role=role) for role in builtin_roles()})
    instrument = screeners["(none)"].instrument
    record: dict[str, object] = {"candidate_id": "bench-1", "completion_seconds": 600.0}
    record.update({item_id: 2 + k % 4 for k, item_id in enumerate(instrument.item_ids)})
    record.update({check.id: check.expected for check in instrument.attention_checks if check.expected is not None})
    record.update({scenario.id: scenario.options[k % 2].id for k, scenario in enumerate(instrument.scenarios)})
    rates = best_rates(screeners, record)
    print(f"{'role':16s} {'calls/s':>9s} {'vs no role':>11s}")
    for name, rate in rates.items():
        print(f"{name:16s} {rate:9.0f} {rate / rates['(none)']:11.2f}")


if __name__ == "__main__":
    main()
