"""What was audited: the model that classified the candidates and the role their fit was computed for.

An audit speaks in the terms of the tool actually used: an organisation's own model is audited over
its own classifications and never described as the reference model trained on simulated candidates.
The model is known from its manifest (given, or the reference model when the results name it);
otherwise from what the results file shows (its ``model_id`` and ``p_<profile>`` columns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from profilefit.core.artifact import SHIPPED_MODELS, Manifest, model_file, read_manifest, reference_model_path
from profilefit.core.fit import RoleProfile
from profilefit.core.profiles import PROFILE_IDS
from profilefit.data.results import stored_role
from profilefit.evidence.audit._inputs import ResultsFile
from profilefit.exceptions import AuditInputError

#: The classification of a candidate whose top profile is too uncertain to report.
UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class AuditedTool:
    """The model and role behind the audited results, as far as they are known.

    Attributes
    ----------
    model_id : str or None
        The model's id, from its manifest or the results' ``model_id`` column.
    trained_on : {"simulation", "organisation data"} or None
        From the model's manifest; ``None`` when the audit was not given the model.
    is_reference : bool
        The model is profilefit's shipped reference model (same sha256).
    classifications : tuple of str
        The profile ids the model reports (``"undetermined"`` not included).
    instrument_id, instrument_version : str or None
        The instrument the model reads (``customer-contact``, ``2.0``), from its manifest.
    role_id : str or None
        The role the fit was computed for: the one the results record, else the one the audit was told.
    role_name : dict of str to str
        The role's name by language code.
    role_scales : tuple of str
        Ids of the scales the role weighs.
    bands : tuple of (float, float) or None
        The role's ``(strong, possible)`` band thresholds.
    role_recorded : bool, default True
        The results file records the role of its fit (``fit_role``); false for a file written
        before that column, whose role is only what the audit was told.
    """

    model_id: str | None = None
    trained_on: str | None = None
    is_reference: bool = False
    classifications: tuple[str, ...] = ()
    instrument_id: str | None = None
    instrument_version: str | None = None
    role_id: str | None = None
    role_name: Mapping[str, str] = field(default_factory=dict)
    role_scales: tuple[str, ...] = ()
    bands: tuple[float, float] | None = None
    role_recorded: bool = True


def order_classifications(listed: Iterable[str], assigned: Iterable[str]) -> tuple[str, ...]:
    """The classifications to audit: those the model lists, then any other assigned profile, sorted.

    The seven reference profiles keep their published order; ``"undetermined"`` is left out
    (the audit adds it last). When the model lists nothing and every assigned profile is a
    reference profile, all seven are audited, as the reference model reports them.

    Examples
    --------
    >>> order_classifications(["rock", "controller"], ["rock", "undetermined"])
    ('controller', 'rock')
    >>> order_classifications(["team lead", "specialist"], ["specialist", "other"])
    ('team lead', 'specialist', 'other')
    >>> len(order_classifications([], ["rock", "undetermined"]))
    7
    """
    ordered = list(dict.fromkeys(listed))
    extra = sorted(set(assigned) - set(ordered) - {UNDETERMINED})
    ordered += extra
    if not listed and set(ordered) <= set(PROFILE_IDS):
        return PROFILE_IDS
    if set(ordered) <= set(PROFILE_IDS):
        return tuple(profile for profile in PROFILE_IDS if profile in ordered)
    return tuple(ordered)


def _manifest(path: str | Path) -> Manifest:
    path = model_file(path)  # a shipped model by name, as `profilefit score --model reference-2.0` takes it
    try:
        return read_manifest(path)
    except FileNotFoundError as error:
        raise AuditInputError(str(error)) from error
    except ValidationError as error:
        problems = error.error_count()
        raise AuditInputError(f"{path}: the model's manifest is not valid ({problems} problem(s))") from error


def describe_tool(
    results: ResultsFile,
    *,
    model: str | Path | None = None,
    role: RoleProfile | str | Path | None = None,
) -> AuditedTool:
    """Describe the model and role behind a results file.

    Parameters
    ----------
    results : ResultsFile
    model : str or Path, optional
        The model file that scored the results, or the name of a shipped model (``reference-2.0``);
        its manifest is read (the model is not loaded). By default a shipped reference model's
        manifest (1.2 or 2.0) when every result names that model.
    role : RoleProfile, str or Path, optional
        A built-in role id or a role file; by default the role the results record. It must be
        the recorded one (see :func:`profilefit.data.results.stored_role`).

    Returns
    -------
    AuditedTool

    Raises
    ------
    AuditInputError
        If the model has no valid manifest, or the results name another model than the one given.
    profilefit.exceptions.ResultsRoleError
        If the results record another role than ``role``, or more than one role.
    """
    source = results.path or "the results"
    chosen = stored_role(source, results.roles(), role)
    shipped = [read_manifest(reference_model_path(name)) for name in SHIPPED_MODELS]
    shipped_ids = {(m.sha256, m.model_id) for m in shipped}
    named = sorted({c.model_id for c in results.candidates if c.model_id is not None})
    manifest: Manifest | None = None
    if model is not None:
        manifest = _manifest(model)
        others = [model_id for model_id in named if model_id != manifest.model_id]
        if others:
            raise AuditInputError(
                f"{source}: the results were scored by model {others[0]!r}, not by {manifest.model_id!r} "
                f"({model}); audit each model's results with its own model (--model FILE), or score the export "
                "again with this one"
            )
    else:
        manifest = next((m for m in shipped if named == [m.model_id]), None)
    role_profile = chosen.profile()
    listed = manifest.profile_ids if manifest else results.classifications
    assigned = [] if listed else [c.profile for c in results.candidates]
    return AuditedTool(
        model_id=manifest.model_id if manifest else (named[0] if len(named) == 1 else None),
        trained_on=manifest.trained_on if manifest else None,
        is_reference=manifest is not None and (manifest.sha256, manifest.model_id) in shipped_ids,
        classifications=order_classifications(listed, assigned),
        instrument_id=manifest.instrument_id if manifest else None,
        instrument_version=manifest.instrument_version if manifest else None,
        role_id=role_profile.id if role_profile else (chosen.stored or None),
        role_name=dict(role_profile.name) if role_profile else {},
        role_scales=tuple(role_profile.scales) if role_profile else (),
        bands=(role_profile.bands.strong, role_profile.bands.possible) if role_profile else None,
        role_recorded=chosen.stored is not None,
    )
