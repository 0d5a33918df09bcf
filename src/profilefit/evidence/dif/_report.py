"""A DIF report: every comparison of one demographic dimension, from the files an organisation has."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import load_parameters
from profilefit.data.batch import CollectedResponses
from profilefit.data.demographics import category_key
from profilefit.evidence.dif._analysis import DifComparison, dif_comparison
from profilefit.evidence.dif._inputs import DifInputs, dif_inputs
from profilefit.exceptions import DifInputError

#: Groups smaller than this are not compared unless named as focal groups: their figures would be noise.
MIN_COMPARED = 30


@dataclass(frozen=True, eq=False)
class DifReport:
    """DIF of an export by one demographic dimension.

    Attributes
    ----------
    instrument : Instrument
    inputs : DifInputs
        What was read, and the counts of rows left out and why.
    comparisons : tuple of DifComparison
        One per focal group, each against the reference group.
    skipped : dict of str to int
        Groups left out of the default comparisons because they had fewer than
        :data:`MIN_COMPARED` people (name one with ``focal`` to compare it anyway).
    """

    instrument: Instrument
    inputs: DifInputs
    comparisons: tuple[DifComparison, ...]
    skipped: dict[str, int] = field(default_factory=dict)


def dif_report(
    inputs: DifInputs,
    instrument: Instrument,
    *,
    reference: str | None = None,
    focal: Sequence[str] | None = None,
    purify: bool = True,
    parameters: str | Path | None = None,
) -> DifReport:
    """Compare every focal group with the reference group.

    Parameters
    ----------
    inputs : DifInputs
    instrument : Instrument
    reference : str, optional
        The reference group; by default the largest group (other than a single named focal group).
    focal : sequence of str, optional
        The focal groups; by default every other group.
    purify : bool, default=True
    parameters : str or Path, optional
        Forced choice: the Thurstonian parameters file the matching estimates use; by default the
        file shipped with a built-in instrument.

    Raises
    ------
    DifInputError
        When a named group has nobody in it, or there are fewer than two groups.
    ParametersError
        For a forced-choice instrument whose parameters are not found or are for another instrument.
    """
    model = load_parameters(instrument, parameters) if instrument.format == "forced_choice" else None
    counts = inputs.counts()
    if not counts:
        raise DifInputError(
            f"no valid row of the export has a known {inputs.by}: {inputs.rows_read} rows read, "
            f"{inputs.rows_rejected} rejected, {inputs.without_demographics} without a demographics row, "
            f"{inputs.unknown_category} with an unknown category"
        )
    found = ", ".join(f"{g} ({n})" for g, n in counts.items()) or "(none)"
    for name in [reference, *(focal or [])]:
        if name is not None and _group_named(name, counts) is None:
            raise DifInputError(f"no candidate of the export is in group {name!r} of {inputs.by}; found: {found}")
    reference = None if reference is None else _group_named(reference, counts)
    focal = None if focal is None else [str(_group_named(name, counts)) for name in focal]
    if reference is None:
        others = [g for g in counts if not focal or g not in focal]
        if not others:
            raise DifInputError(f"give --reference: every group found is a focal group ({found})")
        reference = others[0]
    skipped: dict[str, int] = {}
    if focal:
        focal_groups = list(focal)
    else:
        focal_groups = [g for g, n in counts.items() if g != reference and n >= MIN_COMPARED]
        skipped = {g: n for g, n in counts.items() if g != reference and n < MIN_COMPARED}
    if not focal_groups:
        raise DifInputError(
            f"DIF compares two groups, but {inputs.by} has no group besides {reference!r} with at least "
            f"{MIN_COMPARED} people: {found}; name a smaller group with --focal to compare it anyway"
        )
    comparisons = tuple(
        dif_comparison(inputs.responses, inputs.groups, reference=reference, focal=group, purify=purify, model=model)
        for group in focal_groups
    )
    return DifReport(instrument, inputs, comparisons, skipped)


def _group_named(name: str, counts: dict[str, int]) -> str | None:
    """The group ``name`` names, or ``None`` when there is no such group.

    Written as the data writes it, or differing only in case, spacing or Unicode form (``vrouw`` for
    ``Vrouw``): the rule by which the demographics reader counts spellings as one category
    (:func:`profilefit.data.demographics.category_key`), so at most one group answers to a name.
    """
    if name in counts:
        return name
    alike = [group for group in counts if category_key(group) == category_key(name)]
    return alike[0] if len(alike) == 1 else None


def dif_files(
    export: str | Path | CollectedResponses,
    demographics: str | Path,
    *,
    by: str = "sex",
    reference: str | None = None,
    focal: Sequence[str] | None = None,
    instrument: Instrument | str | Path | None = None,
    ignore_columns: tuple[str, ...] = (),
    purify: bool = True,
    parameters: str | Path | None = None,
) -> DifReport:
    """Read an export and a demographics file and analyse DIF by ``by``.

    Parameters
    ----------
    export : str, Path or CollectedResponses
        Assessment export, as ``profilefit score`` reads it (or what ``collect_responses`` read from it).
    demographics : str or Path
        The audit's demographics CSV.
    by : {"sex", "race_ethnicity", "age_band"}, default="sex"
    reference, focal : optional
        See :func:`dif_report`.
    instrument : Instrument, str or Path, optional
        The instrument answered: an object, a built-in name or an instrument file; by default
        the shipped customer-contact instrument.
    ignore_columns : tuple of str, optional
    purify : bool, default=True
    parameters : str or Path, optional
        Forced choice: see :func:`dif_report`.

    Returns
    -------
    DifReport

    Examples
    --------
    >>> from profilefit.data.datasets import sample_export_path
    >>> from profilefit.evidence.audit import sample_demographics_path
    >>> from profilefit.evidence.dif import dif_files, format_dif_text
    >>> report = dif_files(sample_export_path(), sample_demographics_path(), by="sex")
    >>> format_dif_text(report, "nb").splitlines()[0]
    'Skjeve spørsmål (DIF) etter kjønn'
    """
    loaded = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    inputs = dif_inputs(export, demographics, by=by, instrument=loaded, ignore_columns=ignore_columns)
    return dif_report(inputs, loaded, reference=reference, focal=focal, purify=purify, parameters=parameters)
