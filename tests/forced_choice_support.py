"""A draft forced-choice instrument for the simulation's tests and benchmarks, until the real 2.0 file lands.

Built in memory from the shipped 1.2 instrument (its scales, scenarios and attention checks) and
:func:`~profilefit.core.thurstonian.balanced_design` (24 triplets on the eight scales, a third of the
statements reverse-keyed), with placeholder texts and desirability ratings matched within each block
(a block level between -0.5 and 1.5, each statement within a quarter point of it). Nothing here
reads a statement's text: the simulation must work on any forced-choice instrument.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import numpy as np

from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.thurstonian import balanced_design


@cache
def draft_instrument(n_blocks: int = 24, seed: int = 1) -> Instrument:
    """The draft 2.0 instrument (cached: one object, so the simulation's caches hit)."""
    base = load_instrument()
    design = balanced_design(n_traits=len(base.scales), n_blocks=n_blocks, seed=seed)
    rng = np.random.default_rng(seed)
    blocks = []
    for k, block in enumerate(design.blocks):
        level = rng.uniform(-0.5, 1.5)
        statements = []
        for j, statement in enumerate(block):
            rating = float(np.clip(np.round((level + rng.uniform(-0.25, 0.25)) * 4) / 4, -2.0, 2.0))
            statements.append(
                {
                    "id": f"s{k + 1:02d}{'abc'[j]}",
                    "scale": base.scale_ids[int(statement.trait[1:]) - 1],
                    "reverse": statement.keyed == -1,
                    "text": dict.fromkeys(base.languages, f"draft statement {k + 1}{'abc'[j]}"),
                    "desirability": rating,
                    "desirability_reason": "draft rating",
                }
            )
        blocks.append({"id": f"b{k + 1:02d}", "statements": statements})
    raw = base.model_dump(mode="json")
    raw.update(schema_version="2", format="forced_choice", version="2.0-draft", items=[], blocks=blocks)
    return Instrument.model_validate_json(json.dumps(raw))


def shipped_forced_choice() -> Instrument | None:
    """The shipped 2.0 instrument file, when it is in the package (``None`` before it lands)."""
    path = resources.files("profilefit.core.instrument").joinpath("data", "customer_contact_2.json")
    if not path.is_file():
        return None
    return Instrument.model_validate_json(path.read_text("utf-8"))
