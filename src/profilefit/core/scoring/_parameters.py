"""The Thurstonian parameters a forced-choice instrument is scored with, found and checked.

A built-in forced-choice instrument ships its parameters beside its file: ``NAME.json`` and
``NAME.parameters.json`` in the instrument's data folder. An organisation's own forced-choice
instrument gives the path of its parameters file (written by ``profilefit calibrate``). Either way
the file must name the instrument's id and version and hold parameters for exactly its statements.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from profilefit.core.identity_cache import identity_cache
from profilefit.core.instrument import Instrument, builtin_instrument_file, builtin_instrument_name
from profilefit.exceptions import ParametersError

if TYPE_CHECKING:
    # The engine brings scipy, which an agreement instrument's scoring never imports (start-up time).
    from profilefit.core.thurstonian import ThurstonianModel

#: A parameters file's name is its instrument file's name with this ending instead of ``.json``.
PARAMETERS_SUFFIX = ".parameters.json"


def load_parameters(instrument: Instrument, path: str | Path | None = None) -> ThurstonianModel:
    """The Thurstonian model a forced-choice instrument is scored with.

    Parameters
    ----------
    instrument : Instrument
        A forced-choice instrument (``format="forced_choice"``).
    path : str or Path, optional
        A parameters file (``*.parameters.json``). By default the file shipped beside the
        built-in instrument with the same id and version.

    Returns
    -------
    ThurstonianModel
        The instrument's blocks with the file's utilities, loadings, uniquenesses and trait
        correlations.

    Raises
    ------
    ParametersError
        For an agreement instrument; when no path is given and the instrument is not built in;
        when the file is missing or is not a parameters file; when it names another instrument or
        version, other traits, or other statements; when a loading's sign is against its statement's
        keying. The message names the file.

    Examples
    --------
    >>> from profilefit.core.instrument import load_instrument
    >>> model = load_parameters(load_instrument("customer-contact-2.0"))
    >>> model.design.traits == load_instrument("customer-contact-2.0").scale_ids
    True
    """
    if instrument.format != "forced_choice":
        raise ParametersError(
            f"instrument {instrument.id} {instrument.version} is answered on an agreement scale; "
            "only a forced-choice instrument has Thurstonian parameters"
        )
    if path is None:
        return _bundled(instrument)
    return _from_file(instrument, Path(path), str(path))


@identity_cache()
def _bundled(instrument: Instrument) -> ThurstonianModel:
    # Once per instrument object: reading and checking 72 statements takes a few milliseconds.
    name = builtin_instrument_name(instrument.id, instrument.version)
    if name is None:
        raise ParametersError(
            f"instrument {instrument.id} {instrument.version} is not built in, so no parameters file ships "
            "with it; give the path of its parameters file (profilefit calibrate writes one)"
        )
    file_name = builtin_instrument_file(name).removesuffix(".json") + PARAMETERS_SUFFIX
    resource = resources.files("profilefit.core.instrument").joinpath("data", file_name)
    with resources.as_file(resource) as path:
        return _from_file(instrument, path, f"the bundled {file_name}")


def _problems(error: ValidationError) -> str:
    """A parameters file's problems in one line: each field, the value found and what was wrong."""
    shown = []
    for problem in error.errors(include_url=False)[:5]:
        field = ".".join(str(part) for part in problem["loc"]) or "(file)"
        value = problem.get("input")
        found = "" if problem["type"] == "missing" or isinstance(value, dict | list) else f" {value!r}"
        shown.append(f"{field}{found}: {problem['msg'][:1].lower()}{problem['msg'][1:]}")
    more = error.error_count() - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def _from_file(instrument: Instrument, path: Path, where: str) -> ThurstonianModel:
    from profilefit.core.thurstonian import ThurstonianParameters

    if not path.is_file():
        raise ParametersError(f"{where}: no such parameters file for instrument {instrument.id} {instrument.version}")
    try:
        parameters = ThurstonianParameters.load(path)
    except ValidationError as error:
        raise ParametersError(f"{where} is not a Thurstonian parameters file: {_problems(error)}") from None
    except (ValueError, UnicodeDecodeError) as error:  # not JSON, not UTF-8, a key twice
        raise ParametersError(f"{where} is not a Thurstonian parameters file: {error}") from None
    if (parameters.instrument, parameters.instrument_version) != (instrument.id, instrument.version):
        raise ParametersError(
            f"{where} holds parameters for instrument {parameters.instrument} {parameters.instrument_version}, "
            f"not for {instrument.id} {instrument.version}"
        )
    try:
        model = parameters.to_model(instrument.forced_choice_design())
    except ValueError as error:
        raise ParametersError(
            f"{where} does not fit instrument {instrument.id} {instrument.version}: {error}"
        ) from None
    # A loading against its statement's keying scores that statement the wrong way round (calibrate refuses
    # to write such a file; one edited by hand is refused here, before anyone is scored with it).
    against = [
        f"{statement.id} (keyed {'+' if statement.keyed > 0 else '-'}, loading {loading:+.2f})"
        for statement, loading in zip(model.design.statements, model.loading, strict=True)
        if loading * statement.keyed <= 0
    ]
    if against:
        raise ParametersError(
            f"{where}: {len(against)} statement(s) have a loading against their keying: {'; '.join(against)}. "
            "Such a file would score them the wrong way round; check the file, or the statements' keying "
            "(reverse) in the instrument"
        )
    return model
