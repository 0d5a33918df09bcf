"""The files shipped next to a forced-choice instrument file, written from the simulation.

- ``x.parameters.json``: the simulation's Thurstonian parameters (:func:`write_parameters`);
- ``x.norms.json``: a norm group of honest, attentive simulated applicants' trait estimates,
  scored with those parameters (:func:`write_norms`).

``python -m profilefit.data.simulate parameters`` and ``... norms`` rewrite them from the shipped
instrument; tests/data/test_forced_choice_simulation.py fails when they have drifted apart from it,
so both are regenerated whenever the instrument changes (parameters first: the norms are scored with them).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

from profilefit.core.instrument import Instrument
from profilefit.core.scoring import NormGroup
from profilefit.core.thurstonian import ThurstonianParameters, score
from profilefit.data.simulate._config import SimulationConfig
from profilefit.data.simulate._faking import presentation
from profilefit.data.simulate._forced_choice import simulate_forced_choice, simulation_parameters

#: The norm group's simulated applicants: how many, and their seed (the day the norms were first written).
NORM_PEOPLE = 20_000
NORM_SEED = 20261207
#: Estimates are stored to this many decimals: a hundredth of a trait SD, far below the standard
#: error (about 0.5), keeps the file to a few hundred values per scale.
NORM_DECIMALS = 2

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


def norms_file(instrument_file: str | Path) -> Path:
    """The norm file that goes with an instrument file: ``x.json`` -> ``x.norms.json``."""
    path = Path(instrument_file)
    return path.with_name(path.name.removesuffix(path.suffix) + ".norms.json")


def simulation_norms(
    instrument: Instrument,
    parameters: ThurstonianParameters,
    *,
    n: int = NORM_PEOPLE,
    seed: int = NORM_SEED,
    config: SimulationConfig | None = None,
) -> NormGroup:
    """A norm group of honest, attentive simulated applicants' MAP trait estimates on a forced-choice instrument.

    ``n`` applicants of the reference simulation (careless ones drawn and then left out) answer
    honestly and are scored with ``parameters``; estimates are rounded to ``NORM_DECIMALS``.
    """
    config = config or SimulationConfig.reference()
    honest = presentation("honest", instrument)
    sim = simulate_forced_choice(n, instrument, seed=seed, config=config, presentation=honest)
    model = parameters.to_model(instrument.forced_choice_design())
    estimates = np.round(score(model, sim.positions).estimate[~sim.careless], NORM_DECIMALS)
    description = (
        f"{int((~sim.careless).sum())} honest, attentive applicants of the simulation {config.name!r} (seed {seed}), "
        f"MAP estimates with the {parameters.source} parameters of {instrument.id} {instrument.version}, "
        f"rounded to {NORM_DECIMALS} decimals. Regenerate with: python -m profilefit.data.simulate norms"
    )
    return NormGroup.from_scores(
        f"{instrument.id} {instrument.version}, honest simulated applicants",
        instrument.scale_ids,
        estimates,
        description,
    )


def write_norms(instrument_file: str | Path | None = None, out: str | Path | None = None) -> Path:
    """Write :func:`simulation_norms` of an instrument file next to it (or to ``out``).

    Scored with the parameters file next to the instrument when there is one, else with
    :func:`simulation_parameters`.

    Returns
    -------
    Path
        Where the file was written.
    """
    source = Path(instrument_file) if instrument_file is not None else shipped_instrument_file()
    instrument = Instrument.model_validate_json(source.read_text("utf-8"))
    params_path = parameters_file(source)
    parameters = ThurstonianParameters.load(params_path) if params_path.is_file() else simulation_parameters(instrument)
    target = Path(out) if out is not None else norms_file(source)
    norms = simulation_norms(instrument, parameters)
    target.write_text(json.dumps(norms.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n", "utf-8")
    return target
