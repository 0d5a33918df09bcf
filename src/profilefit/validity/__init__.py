"""Response-validity flags: straight-lining, attention checks, speed, contradictions, missing, idealised answers."""

from profilefit.validity._flags import (
    CONTRADICTION_SCALES,
    CONTRADICTION_SHARE,
    FLAG_IDS,
    IDEALISED_STATEMENTS_ONLY,
    IDEALISED_THRESHOLD,
    LONG_STRING_SHARE,
    MIN_SECONDS_PER_SCENARIO,
    MISSING_SHARE,
    MODAL_SHARE,
    ValidityFlags,
    idealised_index,
    idealised_parts,
    minimum_plausible_seconds,
    validity_flags,
)

__all__ = [
    "CONTRADICTION_SCALES",
    "CONTRADICTION_SHARE",
    "FLAG_IDS",
    "IDEALISED_STATEMENTS_ONLY",
    "IDEALISED_THRESHOLD",
    "LONG_STRING_SHARE",
    "MIN_SECONDS_PER_SCENARIO",
    "MISSING_SHARE",
    "MODAL_SHARE",
    "ValidityFlags",
    "idealised_index",
    "idealised_parts",
    "minimum_plausible_seconds",
    "validity_flags",
]
