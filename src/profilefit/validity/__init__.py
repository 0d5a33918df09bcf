"""Response-validity flags: straight-lining, attention checks, speed, contradictions, missing answers."""

from profilefit.validity._flags import (
    CONTRADICTION_SCALES,
    CONTRADICTION_SHARE,
    FLAG_IDS,
    LONG_STRING_SHARE,
    MIN_SECONDS_PER_SCENARIO,
    MISSING_SHARE,
    MODAL_SHARE,
    ValidityFlags,
    minimum_plausible_seconds,
    validity_flags,
)

__all__ = [
    "CONTRADICTION_SCALES",
    "CONTRADICTION_SHARE",
    "FLAG_IDS",
    "LONG_STRING_SHARE",
    "MIN_SECONDS_PER_SCENARIO",
    "MISSING_SHARE",
    "MODAL_SHARE",
    "ValidityFlags",
    "minimum_plausible_seconds",
    "validity_flags",
]
