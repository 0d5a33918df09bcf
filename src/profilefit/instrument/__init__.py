"""The instrument: what the candidate answers, as a validated data file."""

from profilefit.instrument._model import (
    RESERVED_FIELDS,
    AttentionCheck,
    Instrument,
    Item,
    Option,
    ResponseScale,
    Scale,
    Scenario,
    SecondsRange,
    Timing,
    instrument_to_json,
    load_instrument,
)

__all__ = [
    "RESERVED_FIELDS",
    "AttentionCheck",
    "Instrument",
    "Item",
    "Option",
    "ResponseScale",
    "Scale",
    "Scenario",
    "SecondsRange",
    "Timing",
    "instrument_to_json",
    "load_instrument",
]
