"""The Screener: load a model once, then score candidates one call at a time or in batches.

Both paths run the same vectorized core (:meth:`Screener.score_responses`) on a
:class:`~profilefit.scoring.Responses`, so one candidate scored alone gets exactly
the numbers it gets inside a batch.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from profilefit.artifact import ModelArtifact, load_artifact
from profilefit.fit import DEFAULT_ROLE, FitScores, RoleFitScorer, RoleProfile, load_role
from profilefit.fit._result import construct_trusted
from profilefit.profiles import PROFILE_IDS
from profilefit.schema import AssessmentBase, assessment_model
from profilefit.scoring import NormGroup, Responses, ScaleScores, score_responses
from profilefit.screening._result import (
    UNDETERMINED,
    Contribution,
    Explanation,
    ModelInfo,
    ScaleResult,
    ScreeningResult,
    ValidityFlag,
)
from profilefit.validity import ValidityFlags, validity_flags


@dataclass(frozen=True, eq=False)
class ScoredBatch:
    """Scores of ``n`` candidates as arrays: what batch writers use without building objects.

    Attributes
    ----------
    responses : Responses
    scores : ScaleScores
    features : ndarray of shape (n, n_features)
    probabilities : ndarray of shape (n, n_profiles)
        Columns in ``profile_ids`` order.
    profile_ids : tuple of str
    top, second : ndarray of int, shape (n,)
        Column index of the most and second most probable profile.
    confidence : ndarray of shape (n,)
        Probability of the top profile.
    determined : ndarray of bool, shape (n,)
        Whether ``confidence`` reaches the screener's ``min_confidence`` and every scale and
        situational score could be computed.
    percentiles : ndarray of shape (n, n_scales)
    validity : ValidityFlags
        Response-validity flags of each candidate.
    fit : FitScores or None
        Role fit when the screener has a role (see :mod:`profilefit.fit`): arrays ``score``
        (0–100) and ``band`` per candidate, and the numbers behind the reasons.
    """

    responses: Responses
    scores: ScaleScores
    features: NDArray[np.float64]
    probabilities: NDArray[np.float64]
    profile_ids: tuple[str, ...]
    top: NDArray[np.intp]
    second: NDArray[np.intp]
    confidence: NDArray[np.float64]
    determined: NDArray[np.bool_]
    percentiles: NDArray[np.float64]
    validity: ValidityFlags
    fit: FitScores | None = None

    def __len__(self) -> int:
        return int(self.probabilities.shape[0])

    @property
    def needs_human_review(self) -> NDArray[np.bool_]:
        """A person must look closer: a validity flag fired or the profile is undetermined."""
        review: NDArray[np.bool_] = ~self.determined | self.validity.any
        return review


class Screener:
    """Scores assessments with a loaded model.

    Thread-safe: scoring reads the model and writes nothing shared except the
    optional decision log, which is written under a lock.

    Parameters
    ----------
    artifact : ModelArtifact
        A model loaded with :func:`profilefit.artifact.load_artifact`.
    norms : NormGroup, optional
        Norm group for percentiles; by default the one stored with the model (for the
        reference model, the bundled simulated applicants).
    min_confidence : float, optional
        Below this top-profile probability the profile is reported as undetermined;
        by default the value in the model's manifest.
    decision_log : str or Path, optional
        A JSON Lines file to append one record per scored candidate to (see
        :meth:`score`). Answers and names are never written.
    role : RoleProfile, str, Path or None, default="default"
        The role to compute fit for: a built-in role id (see
        :func:`profilefit.fit.builtin_roles`), a role file, or a RoleProfile. The
        default is ``"complex-case"`` when the model's instrument has that role's
        scales (the shipped one does) and no role otherwise, so a model trained on
        an organisation's own instrument still loads; ``None`` leaves ``fit`` out.

    Examples
    --------
    >>> screener = Screener.load()
    >>> result = screener.score({"candidate_id": "c-1", "tc1": 5, "tc4": 6})
    >>> sorted(result.probabilities) == sorted(screener.profile_ids)
    True
    >>> result.fit.role, result.fit.band in ("strong", "possible", "weak")
    ('complex-case', True)
    """

    def __init__(
        self,
        artifact: ModelArtifact,
        *,
        norms: NormGroup | None = None,
        min_confidence: float | None = None,
        decision_log: str | Path | None = None,
        role: RoleProfile | str | Path | None = "default",
    ) -> None:
        self.artifact = artifact
        self.assessment_model: type[AssessmentBase] = assessment_model(artifact.instrument)
        # Score with the schema's instrument object, so derived tables are cached once.
        self.instrument = self.assessment_model.instrument
        self.norms = norms if norms is not None else artifact.norms
        self.min_confidence = artifact.manifest.min_confidence if min_confidence is None else float(min_confidence)
        classes = [str(label) for label in artifact.linear.classes]
        # Report profiles in the published order (controller first), not scikit-learn's sorted order.
        self.profile_ids: tuple[str, ...] = tuple(
            [p for p in PROFILE_IDS if p in classes] + [c for c in classes if c not in PROFILE_IDS]
        )
        columns = [classes.index(p) for p in self.profile_ids]
        core = artifact.linear
        self._mean, self._scale = core.mean, core.scale
        self._coef, self._intercept = core.coef[columns], core.intercept[columns]
        self.decision_log = Path(decision_log) if decision_log is not None else None
        self._log_lock = threading.Lock()
        manifest = artifact.manifest
        self.model_info = ModelInfo(
            model_id=manifest.model_id,
            sha256=manifest.sha256,
            trained_on=manifest.trained_on,
            instrument_id=manifest.instrument_id,
            instrument_version=manifest.instrument_version,
        )
        self.role, self._fit_scorer = self._bind_role(role)

    def _bind_role(self, role: RoleProfile | str | Path | None) -> tuple[RoleProfile | None, RoleFitScorer | None]:
        if role is None:
            return None, None
        scale_names = {s.id: s.name.get("en", next(iter(s.name.values()))) for s in self.instrument.scales}
        if isinstance(role, str) and role == "default":
            default = load_role(DEFAULT_ROLE)
            if not set(default.scales) <= set(self.instrument.scale_ids) or not set(self.profile_ids) <= set(
                default.profiles
            ):
                return None, None  # an organisation's own instrument or labels: no built-in role applies
            role = default
        loaded = load_role(role)
        return loaded, RoleFitScorer(loaded, self.instrument.scale_ids, self.profile_ids, scale_names=scale_names)

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        norms: NormGroup | None = None,
        min_confidence: float | None = None,
        decision_log: str | Path | None = None,
        role: RoleProfile | str | Path | None = "default",
    ) -> Screener:
        """Load a model (by default the shipped reference model) and build a screener.

        The keyword arguments are those of :class:`Screener`.

        Raises
        ------
        profilefit.artifact.ModelIntegrityError
            If the model file does not match its manifest.
        profilefit.artifact.ModelVersionError
            If the installed scikit-learn differs from the one that wrote the model.
        """
        return cls(
            load_artifact(path), norms=norms, min_confidence=min_confidence, decision_log=decision_log, role=role
        )

    # ---- scoring -----------------------------------------------------------------

    def validate(self, assessment: AssessmentBase | Mapping[str, Any] | str | bytes) -> AssessmentBase:
        """Validate one assessment given as a model, a dict, or JSON text.

        Raises
        ------
        pydantic.ValidationError
            Naming each bad field, its value and what is allowed.
        """
        if isinstance(assessment, AssessmentBase):
            if type(assessment).instrument is not self.instrument and type(assessment).instrument != self.instrument:
                raise ValueError(
                    f"assessment is for instrument {type(assessment).instrument.id!r}, "
                    f"but this model reads {self.instrument.id!r}"
                )
            return assessment
        if isinstance(assessment, str | bytes):
            return self.assessment_model.model_validate_json(assessment)
        return self.assessment_model.model_validate(assessment)

    def score(self, assessment: AssessmentBase | Mapping[str, Any] | str | bytes) -> ScreeningResult:
        """Score one candidate: the one call an HR system makes.

        Parameters
        ----------
        assessment : Assessment, dict or JSON str
            The candidate's answers; validated against the instrument's schema.

        Returns
        -------
        ScreeningResult
        """
        validated = self.validate(assessment)
        responses = Responses.from_records(self.instrument, [validated.model_dump()])
        batch = self.score_responses(responses)
        result = self.results(batch)[0]
        if self.decision_log is not None:
            self._log(validated, result)
        return result

    def score_responses(self, responses: Responses) -> ScoredBatch:
        """Score many candidates at once into arrays (the core both paths share)."""
        if responses.instrument is not self.instrument and responses.instrument != self.instrument:
            raise ValueError("these responses belong to another instrument than the model's")
        scores = score_responses(responses)
        features = scores.features()
        logits = self._standardise(features) @ self._coef.T + self._intercept
        probabilities = _softmax(logits)
        order = np.argsort(-probabilities, axis=1, kind="stable")
        top, second = order[:, 0], order[:, 1]
        confidence = probabilities[np.arange(len(top)), top]
        percentiles = self.norms.percentiles(scores.scales, self.instrument.scale_ids)
        fit = None if self._fit_scorer is None else self._fit_scorer.score(percentiles, probabilities)
        return ScoredBatch(
            responses=responses,
            scores=scores,
            features=features,
            probabilities=probabilities,
            profile_ids=self.profile_ids,
            top=top,
            second=second,
            confidence=confidence,
            # Too little evidence is undetermined too: when a scale or the situational scores
            # could not be computed, the probabilities lean on the training means.
            determined=(confidence >= self.min_confidence) & ~np.isnan(features).any(axis=1),
            percentiles=percentiles,
            validity=validity_flags(responses, scores),
            fit=fit,
        )

    def _standardise(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        # The same arithmetic as ProfileClassifier: the feature layout is fixed by the
        # instrument, so the estimator's per-call input checks are not repeated here.
        filled = np.where(np.isnan(features), self._mean, features)
        standardised: NDArray[np.float64] = (filled - self._mean) / self._scale
        return standardised

    def results(self, batch: ScoredBatch) -> list[ScreeningResult]:
        """Build typed results from a scored batch."""
        ids = self.profile_ids
        features = self.instrument.feature_names
        scale_ids = self.instrument.scale_ids
        towards = np.asarray(ids)[batch.top]
        against = np.asarray(ids)[batch.second]
        contributions = self._standardise(batch.features) * (self._coef[batch.top] - self._coef[batch.second])
        results = []
        for row in range(len(batch)):
            order = np.argsort(-np.abs(contributions[row]), kind="stable")
            explanation = construct_trusted(
                Explanation,
                towards=str(towards[row]),
                against=str(against[row]),
                contributions=[
                    construct_trusted(
                        Contribution,
                        feature=features[k],
                        score=_number(batch.features[row, k]),
                        contribution=round(float(contributions[row, k]), 6),
                    )
                    for k in order
                ],
            )
            scales = [
                construct_trusted(
                    ScaleResult,
                    scale=scale_id,
                    score=_number(batch.scores.scales[row, k]),
                    percentile=_number(batch.percentiles[row, k]),
                    answered_items=int(batch.scores.answered[row, k]),
                )
                for k, scale_id in enumerate(scale_ids)
            ]
            determined = bool(batch.determined[row])
            fit = None
            if self._fit_scorer is not None and batch.fit is not None:
                fit = self._fit_scorer.explain(
                    batch.fit,
                    row,
                    top=int(batch.top[row]),
                    probability=float(batch.confidence[row]),
                    determined=determined,
                )
            results.append(
                ScreeningResult(
                    candidate_id=str(batch.responses.candidate_ids[row]),
                    model=self.model_info,
                    probabilities={pid: float(batch.probabilities[row, k]) for k, pid in enumerate(ids)},
                    profile=str(towards[row]) if determined else UNDETERMINED,
                    top_profile=str(towards[row]),
                    second_profile=str(against[row]),
                    confidence=float(batch.confidence[row]),
                    min_confidence=self.min_confidence,
                    explanation=explanation,
                    scales=scales,
                    situational={
                        key: _number(batch.scores.situational[row, k])
                        for k, key in enumerate(self.instrument.situational_keys)
                    },
                    norm_group=self.norms.name,
                    flags=[
                        construct_trusted(ValidityFlag, flag=flag, detail=batch.validity.detail(row, flag))
                        for flag in batch.validity.ids(row)
                    ],
                    fit=fit,
                    needs_human_review=bool(batch.needs_human_review[row]),
                )
            )
        return results

    def score_many(self, assessments: Sequence[AssessmentBase | Mapping[str, Any]]) -> list[ScreeningResult]:
        """Validate and score several candidates; raises on the first invalid one."""
        validated = [self.validate(a) for a in assessments]
        responses = Responses.from_records(self.instrument, [v.model_dump() for v in validated])
        return self.results(self.score_responses(responses))

    def score_batch(self, data: Any, **options: Any) -> Any:
        """Score a data frame, a file path or an iterable of dicts; see :func:`profilefit.batch.score_batch`."""
        from profilefit.batch import score_batch  # the batch layer imports this module

        return score_batch(self, data, **options)

    # ---- record keeping ----------------------------------------------------------

    def _log(self, assessment: AssessmentBase, result: ScreeningResult) -> None:
        """Append a decision record: time, model, a hash of the input, the result; no answers, no names."""
        canonical = json.dumps(assessment.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "model_id": result.model.model_id,
            "model_sha256": result.model.sha256,
            "input_sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
            "result": result.model_dump(
                mode="json",
                include={
                    "profile": True,
                    "top_profile": True,
                    "second_profile": True,
                    "confidence": True,
                    "probabilities": True,
                    "flags": True,
                    "fit": {"role", "score", "band"},
                    "needs_human_review": True,
                },
            ),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        assert self.decision_log is not None
        with self._log_lock, self.decision_log.open("a", encoding="utf-8") as stream:
            stream.write(line)


def _number(value: float) -> float | None:
    number = float(value)
    return None if number != number else number  # nan is the only value unequal to itself


def _softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    # numpy rather than scipy.special: importing scipy costs the HR system's start-up time.
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return result
