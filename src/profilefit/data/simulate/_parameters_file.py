"""The shipped ``.parameters.json`` of a forced-choice instrument file: written from the simulation.

``python -m profilefit.data.simulate parameters`` rewrites the shipped file from the shipped
instrument; tests/data/test_forced_choice_simulation.py fails when the two have drifted apart, so the
file is regenerated whenever the instrument changes.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from profilefit.core.instrument import Instrument
from profilefit.data.simulate._config import SimulationConfig
from profilefit.data.simulate._forced_choice import simulation_parameters

#: The shipped forced-choice instrument, in the package's instrument data.
SHIPPED_FORCED_CHOICE = "customer_contact_2.json"


def shipped_instrument_file() -> Path:
    """Where the shipped forced-choice instrument file lives (it may not exist yet)."""
    return Path(str(resources.files("profilefit.core.instrument").joinpath("data", SHIPPED_FORCED_CHOICE)))


def parameters_file(instrument_file: str | Path) -> Path:
    """The parameters file that goes with an instrument file: ``x.json`` -> ``x.parameters.json``."""
    path = Path(instrument_file)
    return path.with_name(path.name.removesuffix(path.suffix) + ".parameters.json")


def write_parameters(
    instrument_file: str | Path | None = None,
    out: str | Path | None = None,
    *,
    config: SimulationConfig | None = None,
) -> Path:
    """Write :func:`simulation_parameters` of an instrument file next to it (or to ``out``).

    Parameters
    ----------
    instrument_file : str or Path, optional
        A forced-choice instrument file (JSON); by default the shipped one.
    out : str or Path, optional
        By default :func:`parameters_file` of the instrument file.
    config : SimulationConfig, optional
        By default the reference simulation.

    Returns
    -------
    Path
        Where the file was written.

    Raises
    ------
    FileNotFoundError
        When the instrument file does not exist.
    """
    source = Path(instrument_file) if instrument_file is not None else shipped_instrument_file()
    instrument = Instrument.model_validate_json(source.read_text("utf-8"))
    target = Path(out) if out is not None else parameters_file(source)
    simulation_parameters(instrument, config).save(target)
    return target
