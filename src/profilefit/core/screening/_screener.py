"""The Screener: load a model once, then score candidates one call at a time or in batches.

Batches run the vectorized core (:meth:`Screener.score_responses`) on a
:class:`~profilefit.core.scoring.Responses`. One candidate
(:meth:`Screener.score`, which the service and ``score-one`` call) takes a one-row path in plain
Python, where numpy's per-call overhead on one-row arrays cost more than the arithmetic: each of its
steps is the one-row form of the batch rule, defined beside it, with the same operations in the same
order, so the candidate gets the batch's decision and numbers (tests/core/test_one_row.py checks it by
property). A forced-choice candidate's Thurstonian scores come from ``map_row``, the batch's Newton
steps for one person in Python floats, bit for bit the batch's.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from profilefit._version import installed_version
from profilefit.core.artifact import ModelArtifact, load_artifact
from profilefit.core.decisions import DecisionLog, now
from profilefit.core.fit import (
    DEFAULT_ROLE,
    FitScores,
    ProfileLogits,
    RoleFit,
    RoleFitScorer,
    RoleProfile,
    construct_trusted,
    linear_row,
    load_role,
    softmax_row,
)
from profilefit.core.instrument import BLOCK_ANSWERS, BLOCK_LABELS
from profilefit.core.profiles import PROFILE_IDS
from profilefit.core.schema import AssessmentBase, assessment_model, validate_row
from profilefit.core.scoring import (
    BLOCK_POSITIONS,
    NO_ANSWER,
    NO_CHOICE,
    NormGroup,
    Responses,
    ScaleScores,
    filled_scale_row,
    filled_scale_scores,
    forced_choice_row,
    load_parameters,
    score_responses,
    score_row,
    situational_row,
)
from profilefit.core.screening._result import (
    NOTICE,
    UNDETERMINED,
    Contribution,
    Explanation,
    ModelInfo,
    ScaleResult,
    ScreeningResult,
    ValidityFlag,
)
from profilefit.core.validity import (
    ValidityFlags,
    forced_choice_validity_row,
    role_order_table,
    validity_flags,
    validity_row,
)

if TYPE_CHECKING:
    from profilefit.core.thurstonian import ThurstonianModel


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
        Role fit when the screener has a role (see :mod:`profilefit.core.fit`): arrays ``score``
        (0–100), ``band`` (``""`` where the fit is incomplete) and ``incomplete`` per
        candidate, and the numbers behind the reasons.
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
        """A person must look closer: a validity flag fired or the fit is incomplete.

        An undetermined profile alone is shown, not a reason for review, when the fit is complete:
        the fit reads the scales, not the profile label, and a flag that fires for a third of
        candidates teaches recruiters to ignore it. Without a role (no fit), an undetermined
        profile still asks for a person, since the profile is then all there is.
        """
        if self.fit is None:
            review: NDArray[np.bool_] = ~self.determined | self.validity.any
            return review
        review = self.validity.any | self.fit.incomplete
        return review


class Screener:
    """Scores assessments with a loaded model.

    Thread-safe: scoring reads the model and writes nothing shared except the
    optional decision log, which is written under a lock.

    Parameters
    ----------
    artifact : ModelArtifact
        A model loaded with :func:`profilefit.core.artifact.load_artifact`.
    norms : NormGroup, optional
        Norm group for percentiles; by default the one stored with the model (for the
        reference model, the bundled simulated applicants).
    min_confidence : float, optional
        Below this top-profile probability the profile is reported as undetermined;
        by default the value in the model's manifest. A number from 0 to 1; anything
        else (2, -1, NaN) raises ``ValueError``.
    decision_log : str, Path or DecisionLog, optional
        A JSON Lines file to append one record per scored candidate to, on every path
        (:meth:`score`, :meth:`score_many`, ``profilefit.data.batch.score_batch``, ``profilefit score``), and the
        reviews of :meth:`record_review`. Candidates appear only as a keyed pseudonym;
        answers and names are never written (see docs/decision-log.md).
    role : RoleProfile, str, Path or None, default="default"
        The role to compute fit for: a built-in role id (see
        :func:`profilefit.core.fit.builtin_roles`), a role file, or a RoleProfile. The
        default is ``"complex-case"`` when the model's instrument has that role's
        scales (the shipped one does) and no role otherwise, so a model trained on
        an organisation's own instrument still loads; ``None`` leaves ``fit`` out.
    parameters : str, Path or ThurstonianModel, optional
        Forced-choice instruments only: the Thurstonian parameters to score with, as a file or a
        model. By default the file shipped with the built-in instrument the model reads
        (:func:`profilefit.core.scoring.load_parameters`); an organisation's own forced-choice
        instrument needs its file here.

    Examples
    --------
    >>> screener = Screener.load()
    >>> result = screener.score({"candidate_id": "c-1", "tc1": 5, "tc4": 6})
    >>> sorted(result.probabilities) == sorted(screener.profile_ids)
    True
    >>> result.fit.role, result.fit.incomplete, result.fit.band  # most scales unanswered: no band
    ('complex-case', True, None)
    """

    def __init__(
        self,
        artifact: ModelArtifact,
        *,
        norms: NormGroup | None = None,
        min_confidence: float | None = None,
        decision_log: str | Path | DecisionLog | None = None,
        role: RoleProfile | str | Path | None = "default",
        parameters: str | Path | ThurstonianModel | None = None,
    ) -> None:
        self.artifact = artifact
        self.assessment_model: type[AssessmentBase] = assessment_model(artifact.instrument)
        # Score with the schema's instrument object, so derived tables are cached once.
        self.instrument = self.assessment_model.instrument
        #: The Thurstonian model of a forced-choice instrument (``None`` on agreement instruments).
        self.thurstonian: ThurstonianModel | None = None
        if self.instrument.format == "forced_choice":
            if parameters is None or isinstance(parameters, str | Path):
                self.thurstonian = load_parameters(self.instrument, parameters)
            else:
                self.thurstonian = parameters
        elif parameters is not None:
            raise ValueError(
                f"parameters are for forced-choice instruments; {self.instrument.id} {self.instrument.version} "
                "is answered on an agreement scale"
            )
        self.norms = norms if norms is not None else artifact.norms
        self.min_confidence = _checked_confidence(
            artifact.manifest.min_confidence if min_confidence is None else min_confidence
        )
        classes = [str(label) for label in artifact.linear.classes]
        # Report profiles in the published order (controller first), not scikit-learn's sorted order.
        self.profile_ids: tuple[str, ...] = tuple(
            [p for p in PROFILE_IDS if p in classes] + [c for c in classes if c not in PROFILE_IDS]
        )
        columns = [classes.index(p) for p in self.profile_ids]
        core = artifact.linear
        self._mean, self._scale = core.mean, core.scale
        self._coef, self._intercept = core.coef[columns], core.intercept[columns]
        self.decision_log: DecisionLog | None = (
            decision_log if isinstance(decision_log, DecisionLog) or decision_log is None else DecisionLog(decision_log)
        )
        manifest = artifact.manifest
        self.model_info = ModelInfo(
            model_id=manifest.model_id,
            sha256=manifest.sha256,
            trained_on=manifest.trained_on,
            instrument_id=manifest.instrument_id,
            instrument_version=manifest.instrument_version,
        )
        self.role, self._fit_scorer = self._bind_role(role)
        self._blank_blocks = self._least_wanted_blocks()
        # On forced choice the idealised flag also reads whether blocks were answered in the role's order.
        self._role_pull = (
            None
            if self.role is None or not self.instrument.blocks
            else np.array([self.role.pull(s.scale, s.reverse) for s in self.instrument.statements], dtype=np.float64)
        )
        # The same as lists, for one candidate at a time (_score_row).
        self._role_order: tuple[list[list[list[bool]]], list[bool]] | None = None
        if self._role_pull is not None:
            tables, pulled = role_order_table(self.instrument, self._role_pull)
            self._role_order = tables.tolist(), pulled.tolist()
        self._role_sha256 = (
            None if self.role is None else hashlib.sha256(self.role.model_dump_json().encode("utf-8")).hexdigest()
        )
        # Plain lists of the same numbers for one candidate at a time (_score_row).
        self._mean_list, self._scale_list = self._mean.tolist(), self._scale.tolist()
        self._coef_list, self._intercept_list = self._coef.tolist(), self._intercept.tolist()
        self._option_index = [{option.id: k for k, option in enumerate(s.options)} for s in self.instrument.scenarios]
        scale = self.instrument.response_scale
        self._least_wanted_items = (
            [] if self._fit_scorer is None else self._fit_scorer.least_wanted(scale.min, scale.max).tolist()
        )

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
        features = self.instrument.feature_names
        scales = tuple(s for s in self.instrument.scale_ids if s in features)
        columns = [features.index(s) for s in scales]
        logits = ProfileLogits(scale_ids=scales, coef=self._coef[:, columns], intercept=self._intercept)
        scorer = RoleFitScorer(
            loaded,
            self.instrument.scale_ids,
            self.profile_ids,
            profile_logits=logits,
            scale_names=scale_names,
            scenarios=[tuple(option.key for option in scenario.options) for scenario in self.instrument.scenarios],
        )
        return loaded, scorer

    def _least_wanted_blocks(self) -> NDArray[np.int8] | None:
        """Per block, the answer an unanswered block counts as in the fit (forced choice with a role).

        The analogue of an agreement item's least-wanted answer (docs/fit.md): the statement that
        speaks most against what the role wants is marked most, the one that speaks most for it
        least. A statement speaks for the role when its scale is wanted high and it is keyed
        positively, or wanted low and keyed negatively.
        """
        if self._fit_scorer is None or self.instrument.format != "forced_choice":
            return None
        # -1 for a scale the role wants high (its least-wanted end is low), +1 for one it wants low.
        against = self._fit_scorer.least_wanted(-1.0, 1.0)
        codes = []
        for block in self.instrument.blocks:
            push = [
                against[self.instrument.scale_ids.index(st.scale)] * (-1.0 if st.reverse else 1.0)
                for st in block.statements
            ]
            most, least = int(np.argmax(push)), int(np.argmin(push))
            if most == least:  # the three speak alike: any answer is as unwanted as another
                most, least = 0, 1
            codes.append(BLOCK_ANSWERS.index(BLOCK_LABELS[most] + BLOCK_LABELS[least]))
        return np.array(codes, dtype=np.int8)

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        norms: NormGroup | None = None,
        min_confidence: float | None = None,
        decision_log: str | Path | DecisionLog | None = None,
        role: RoleProfile | str | Path | None = "default",
        parameters: str | Path | ThurstonianModel | None = None,
    ) -> Screener:
        """Load a model (by default the shipped reference model) and build a screener.

        The keyword arguments are those of :class:`Screener`.

        Raises
        ------
        profilefit.core.artifact.ModelIntegrityError
            If the model file does not match its manifest.
        profilefit.core.artifact.ModelVersionError
            If the installed scikit-learn differs from the one that wrote the model.
        """
        return cls(
            load_artifact(path),
            norms=norms,
            min_confidence=min_confidence,
            decision_log=decision_log,
            role=role,
            parameters=parameters,
        )

    @property
    def fit_scorer(self) -> RoleFitScorer | None:
        """The role bound to this screener's scales and model (``None`` without a role)."""
        return self._fit_scorer

    # ---- scoring -----------------------------------------------------------------

    def validate(self, assessment: AssessmentBase | Mapping[str, Any] | str | bytes) -> AssessmentBase:
        """Validate one assessment given as a model, a dict, or JSON text.

        A dict or JSON text is decided by the one rule every path uses, the assessment model's own
        validation (``model_validate``, ``model_validate_json``; :func:`profilefit.core.schema.validate_row`
        picks between them): ``"4"``, ``" 4 "``, ``4.0`` and ``"4.0"`` are
        the answer 4, ``4.5`` is refused, ``"B"`` is option ``b``, ``"525,8"`` seconds is 525.8, a
        key or an id with surrounding spaces is read without them, and a key given twice is refused.

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
        return validate_row(self.assessment_model, assessment)

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
        # One dump serves both: an assessment's fields (whole numbers, option ids, seconds) dump alike in
        # Python and JSON mode, and the decision record hashes the JSON mode's.
        record = validated.model_dump(mode="json")
        result = self._score_row(record)
        if self.decision_log is not None:
            self.decision_log.append([self._result_record(result, record)])
        return result

    def _score_row(self, record: Mapping[str, Any]) -> ScreeningResult:
        """One validated candidate, scored in plain Python.

        The steps of :meth:`score_responses` and :meth:`results` for one row, each by the one-row
        form of the same rule (``score_row`` or ``forced_choice_row``, ``percentiles_row``,
        ``validity_row`` or ``forced_choice_validity_row``, ``RoleFitScorer.score_row``; the result
        built by :meth:`_result` as for a batch): numpy's overhead on one-row arrays was most of a call.
        The numbers equal the batch path's to the last bit or within 1e-9 where a sum's order differs,
        and the decision is the same (tests/core/test_one_row.py checks both by property).
        """
        instrument = self.instrument
        nan = math.nan
        items = [nan if (value := record.get(item_id)) is None else float(value) for item_id in instrument.item_ids]
        options = self._option_index
        choices = [
            NO_CHOICE if (value := record.get(scenario_id)) is None else options[column][value]
            for column, scenario_id in enumerate(instrument.scenario_ids)
        ]
        checks = [nan if (value := record.get(check_id)) is None else float(value) for check_id in instrument.check_ids]
        seconds = record.get("completion_seconds")
        seconds = nan if seconds is None else float(seconds)

        blocks: list[int] = []
        errors: list[float] | None = None
        person_fit = math.nan
        if self.thurstonian is not None:
            blocks = [
                NO_ANSWER if (value := record.get(block_id)) is None else BLOCK_ANSWERS.index(value)
                for block_id in instrument.block_ids
            ]
            scales, errors, answered, person_fit = forced_choice_row(instrument, self.thurstonian, blocks)
        else:
            scales, answered = score_row(instrument, items)
        situational = situational_row(instrument, choices)
        features = scales + situational
        # The classifier: _standardise, _logits and _softmax of score_responses, the same operations in the
        # same order (exp is numpy's there and here: math.exp differs in the last bit for some inputs).
        standardised = [
            ((mean if value != value else value) - mean) / scale
            for value, mean, scale in zip(features, self._mean_list, self._scale_list, strict=True)
        ]
        probabilities = softmax_row(linear_row(standardised, self._coef_list, self._intercept_list))
        order = sorted(range(len(probabilities)), key=lambda k: -probabilities[k])  # stable, as argsort
        top, second = order[0], order[1]
        confidence = probabilities[top]
        determined = confidence >= self.min_confidence and all(value == value for value in features)
        percentiles = self.norms.percentiles_row(scales, instrument.scale_ids)
        if self.thurstonian is not None:
            validity = forced_choice_validity_row(
                instrument,
                blocks,
                checks,
                seconds,
                scales,
                situational,
                self._role_order,
                person_fit,
                self.thurstonian.person_fit_line,
            )
        else:
            validity = validity_row(instrument, items, checks, seconds, scales, situational)

        fit = None
        if self._fit_scorer is None:
            review = not determined or validity.any
        else:
            fit_percentiles = percentiles
            if self._blank_blocks is not None and NO_ANSWER in blocks:  # blank blocks: the role's least-wanted end
                responses = Responses.from_records(instrument, [record])
                filled_block = self._least_wanted_scales(responses, np.isnan(np.array([scales])))
                fit_percentiles = self.norms.percentiles_row(filled_block[0].tolist(), instrument.scale_ids)
            elif any(answer != answer for answer in items):  # blanks count at the role's least-wanted end
                filled = filled_scale_row(instrument, items, self._least_wanted_items)
                fit_percentiles = self.norms.percentiles_row(filled, instrument.scale_ids)
            row_fit = self._fit_scorer.score_row(fit_percentiles, [x != x for x in scales], choices)
            fit = self._fit_scorer.explain_row(row_fit, top=top, probability=confidence, determined=determined)
            review = validity.any or row_fit.incomplete
        top_coef, second_coef = self._coef_list[top], self._coef_list[second]
        return self._result(
            candidate_id=str(record["candidate_id"]),
            probabilities=probabilities,
            top=top,
            second=second,
            confidence=confidence,
            determined=determined,
            features=features,
            contributions=[z * (a - b) for z, a, b in zip(standardised, top_coef, second_coef, strict=True)],
            scales=scales,
            percentiles=percentiles,
            answered=answered,
            errors=errors,
            situational=situational,
            flags=[(flag, validity.detail(flag)) for flag in validity.ids()],
            fit=fit,
            needs_human_review=review,
        )

    def score_responses(self, responses: Responses) -> ScoredBatch:
        """Score many candidates at once into arrays (the core both paths share)."""
        if responses.instrument is not self.instrument and responses.instrument != self.instrument:
            raise ValueError("these responses belong to another instrument than the model's")
        scores = score_responses(responses, self.thurstonian)
        features = scores.features()
        probabilities = _softmax(self._logits(self._standardise(features)))
        order = np.argsort(-probabilities, axis=1, kind="stable")
        top, second = order[:, 0], order[:, 1]
        confidence = probabilities[np.arange(len(top)), top]
        percentiles = self.norms.percentiles(scores.scales, self.instrument.scale_ids)
        fit = None if self._fit_scorer is None else self._fit(responses, scores, percentiles)
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
            validity=validity_flags(responses, scores, self._role_pull),
            fit=fit,
        )

    def _fit(self, responses: Responses, scores: ScaleScores, percentiles: NDArray[np.float64]) -> FitScores:
        assert self._fit_scorer is not None
        fit_percentiles = percentiles
        blank = responses.blocks == NO_ANSWER
        if self._blank_blocks is not None and blank.any():  # blank blocks count at the role's least-wanted end
            filled_scales = scores.scales.copy()
            rows = np.flatnonzero(blank.any(axis=1))
            filled_scales[rows] = self._least_wanted_scales(responses.take(rows), np.isnan(scores.scales[rows]))
            fit_percentiles = self.norms.percentiles(filled_scales, self.instrument.scale_ids)
        elif np.isnan(responses.items).any():  # blanks count at the role's least-wanted end (docs/fit.md)
            scale = self.instrument.response_scale
            filled = filled_scale_scores(responses, self._fit_scorer.least_wanted(scale.min, scale.max))
            fit_percentiles = self.norms.percentiles(filled, self.instrument.scale_ids)
        return self._fit_scorer.score(fit_percentiles, missing=np.isnan(scores.scales), choices=responses.choices)

    def _least_wanted_scales(self, responses: Responses, missing: NDArray[np.bool_]) -> NDArray[np.float64]:
        """Scale scores with each blank block answered as the fit likes least, block by block (docs/fit.md).

        Every blank block starts at :meth:`_least_wanted_blocks`' answer; then, blank block by blank
        block in the instrument's order, each takes whichever of the six answers gives the lowest fit
        with the others as they stand. So one blank block counts exactly as the answer the fit likes
        least, and each step can only lower the fit. Costs six Thurstonian scorings per blank block of
        the candidates who left it blank (five from the second on: the answer the block holds already
        was scored by the step before); only what the fit reads is computed for them (the estimates
        without standard errors, the percentiles of the weighted scales, the fit points), and each
        candidate's scores are those of the answer its last step kept, not scored again.
        """
        assert self._fit_scorer is not None and self._blank_blocks is not None and self.thurstonian is not None
        from profilefit.core.thurstonian import score as thurstonian_score

        blank = responses.blocks == NO_ANSWER
        blocks = np.where(blank, self._blank_blocks[None, :], responses.blocks).astype(np.int8)
        # Only the weighted scales' percentiles enter the fit: the others are left nan, so not searched.
        unread = np.ones(len(self.instrument.scale_ids), dtype=bool)
        unread[[self.instrument.scale_ids.index(s) for s in self._fit_scorer.weighted_scales]] = False
        filled = np.empty((len(responses), len(self.instrument.scale_ids)))
        n_answers = len(BLOCK_ANSWERS)
        # Step k takes every candidate's k-th blank block at once, so the work grows with the most blanks
        # any candidate left, not with the number of blocks.
        order = np.argsort(~blank, axis=1, kind="stable")  # each row's blank blocks first, in block order
        counts = blank.sum(axis=1)
        for step in range(int(counts.max(initial=0))):
            rows = np.flatnonzero(counts > step)
            columns = order[rows, step]
            # The six answers of every row's block at once, stacked answer by answer: one scoring call.
            answer = np.repeat(np.arange(n_answers, dtype=np.int8), rows.size)
            stacked = np.tile(rows, n_answers)
            trial = np.tile(blocks[rows], (n_answers, 1))
            trial[np.arange(trial.shape[0]), np.tile(columns, n_answers)] = answer
            scales = np.empty((trial.shape[0], len(self.instrument.scale_ids)))
            # From the second step on, the answer the block holds (its starting answer) is the answers the
            # step before kept: their estimates are at hand (scoring a person does not depend on the batch).
            known = (
                np.zeros(trial.shape[0], dtype=bool)
                if step == 0
                else answer == np.tile(blocks[rows, columns], n_answers)
            )
            scales[known] = filled[stacked[known]]
            # Every block of a trial is answered, so every trial gets scale scores (no minimum to check).
            scales[~known] = thurstonian_score(
                self.thurstonian,
                BLOCK_POSITIONS.take((trial if step == 0 else trial[~known]).astype(np.intp), axis=0),
                standard_errors=False,
            ).estimate
            read = np.where(unread, np.nan, scales)
            percentiles = self.norms.percentiles(read, self.instrument.scale_ids)
            fit = self._fit_scorer.points(percentiles, choices=responses.choices[stacked]).reshape(n_answers, rows.size)
            # The first lowest answer wins a tie; a fit that cannot be computed (nan) never wins.
            best = np.argmin(np.nan_to_num(fit, nan=np.inf), axis=0)
            computed = ~np.isnan(fit).all(axis=0)
            kept = np.where(computed, best, blocks[rows, columns])
            blocks[rows, columns] = kept
            filled[rows] = scales.reshape(n_answers, rows.size, -1)[kept, np.arange(rows.size)]
        unsearched = np.flatnonzero(counts == 0)  # no blank block: the answers as given
        if unsearched.size:
            filled[unsearched] = thurstonian_score(
                self.thurstonian,
                BLOCK_POSITIONS.take(blocks[unsearched].astype(np.intp), axis=0),
                standard_errors=False,
            ).estimate
        return filled

    def _logits(self, standardised: NDArray[np.float64]) -> NDArray[np.float64]:
        # Term by term in feature order rather than one matrix product, whose blocked sums differ in the
        # last bit from one candidate's plain sum: _score_row repeats these steps exactly. The additions
        # run on whole contiguous columns into one array per profile (out=): the same floats, about a
        # fifth of the time of adding (n, profiles) arrays feature by feature.
        columns = np.ascontiguousarray(standardised.T)
        term = np.empty(columns.shape[1])
        by_profile = np.zeros((self._coef.shape[0], columns.shape[1]))
        for row, coef, intercept in zip(by_profile, self._coef, self._intercept.tolist(), strict=True):
            for column, c in zip(columns, coef.tolist(), strict=True):
                np.multiply(column, c, out=term)
                np.add(row, term, out=row)
            np.add(row, intercept, out=row)
        result: NDArray[np.float64] = np.ascontiguousarray(by_profile.T)
        return result

    def _standardise(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        # The same arithmetic as ProfileClassifier: the feature layout is fixed by the
        # instrument, so the estimator's per-call input checks are not repeated here.
        filled = np.where(np.isnan(features), self._mean, features)
        standardised: NDArray[np.float64] = (filled - self._mean) / self._scale
        return standardised

    def results(self, batch: ScoredBatch) -> list[ScreeningResult]:
        """Build typed results from a scored batch."""
        contributions = self._standardise(batch.features) * (self._coef[batch.top] - self._coef[batch.second])
        errors = batch.scores.standard_errors
        review = batch.needs_human_review
        results = []
        for row in range(len(batch)):
            top, second = int(batch.top[row]), int(batch.second[row])
            determined = bool(batch.determined[row])
            confidence = float(batch.confidence[row])
            fit = None
            if self._fit_scorer is not None and batch.fit is not None:
                fit = self._fit_scorer.explain(batch.fit, row, top=top, probability=confidence, determined=determined)
            results.append(
                self._result(
                    candidate_id=str(batch.responses.candidate_ids[row]),
                    probabilities=batch.probabilities[row].tolist(),
                    top=top,
                    second=second,
                    confidence=confidence,
                    determined=determined,
                    # One row's numbers as Python floats once (tolist gives the values float() gives).
                    features=batch.features[row].tolist(),
                    contributions=contributions[row].tolist(),
                    scales=batch.scores.scales[row].tolist(),
                    percentiles=batch.percentiles[row].tolist(),
                    answered=batch.scores.answered[row].tolist(),
                    errors=None if errors is None else errors[row].tolist(),
                    situational=batch.scores.situational[row].tolist(),
                    flags=[(flag, batch.validity.detail(row, flag)) for flag in batch.validity.ids(row)],
                    fit=fit,
                    needs_human_review=bool(review[row]),
                )
            )
        return results

    def _result(
        self,
        *,
        candidate_id: str,
        probabilities: list[float],
        top: int,
        second: int,
        confidence: float,
        determined: bool,
        features: list[float],
        contributions: list[float],
        scales: list[float],
        percentiles: list[float],
        answered: list[int],
        errors: list[float] | None,
        situational: list[float],
        flags: list[tuple[str, str]],
        fit: RoleFit | None,
        needs_human_review: bool,
    ) -> ScreeningResult:
        """One candidate's typed result from its numbers: the one builder both paths use.

        Built without validation (:func:`~profilefit.core.fit.construct_trusted`): every value is
        computed here, in the types the model declares (tests/core/test_one_row.py validates
        such results again and compares).
        """
        ids = self.profile_ids
        feature_names = self.instrument.feature_names
        order = sorted(range(len(contributions)), key=lambda k: -abs(contributions[k]))  # stable, as argsort
        explanation = construct_trusted(
            Explanation,
            towards=ids[top],
            against=ids[second],
            contributions=[
                construct_trusted(
                    Contribution,
                    feature=feature_names[k],
                    score=_number(features[k]),
                    contribution=round(contributions[k], 6),
                )
                for k in order
            ],
        )
        scale_results = [
            construct_trusted(
                ScaleResult,
                scale=scale_id,
                score=_number(scales[k]),
                percentile=_number(percentiles[k]),
                answered_items=int(answered[k]),
                standard_error=None if errors is None else _number(errors[k]),
            )
            for k, scale_id in enumerate(self.instrument.scale_ids)
        ]
        return construct_trusted(
            ScreeningResult,
            schema_version="profilefit.result/1",
            candidate_id=candidate_id,
            model=self.model_info,
            probabilities=dict(zip(ids, probabilities, strict=True)),
            profile=ids[top] if determined else UNDETERMINED,
            top_profile=ids[top],
            second_profile=ids[second],
            confidence=confidence,
            min_confidence=self.min_confidence,
            explanation=explanation,
            scales=scale_results,
            situational={key: _number(situational[k]) for k, key in enumerate(self.instrument.situational_keys)},
            norm_group=self.norms.name,
            flags=[construct_trusted(ValidityFlag, flag=flag, detail=detail) for flag, detail in flags],
            fit=fit,
            needs_human_review=needs_human_review,
            notice=NOTICE,
        )

    def score_many(self, assessments: Sequence[AssessmentBase | Mapping[str, Any]]) -> list[ScreeningResult]:
        """Validate and score several candidates; raises on the first invalid one."""
        validated = [self.validate(a) for a in assessments]
        responses = Responses.from_records(self.instrument, [v.model_dump() for v in validated])
        batch = self.score_responses(responses)
        results = self.results(batch)
        if self.decision_log is not None:
            self.decision_log.append(self.decision_records(batch, inputs=validated))
        return results

    # ---- record keeping ----------------------------------------------------------

    def decision_records(
        self, batch: ScoredBatch, *, inputs: Sequence[AssessmentBase] | None = None
    ) -> list[dict[str, Any]]:
        """One decision-log record per candidate of a scored batch (see docs/decision-log.md).

        Every record names the profilefit version, the model and its sha256, the instrument,
        the norm group, ``min_confidence``, the role and a sha256 of its definition, the
        candidate's keyed pseudonym and the result. With ``inputs`` (the validated
        assessments) it adds a sha256 of each input's canonical JSON.

        Raises
        ------
        ValueError
            If the screener has no decision log (the pseudonym needs its key).
        """
        if self.decision_log is None:
            raise ValueError("this screener has no decision log; give decision_log= to Screener.load")
        time = now()
        ids = self.profile_ids
        records = []
        for row in range(len(batch)):
            fit = None
            if batch.fit is not None and self.role is not None:
                score = float(batch.fit.score[row])
                fit = (None if score != score else score, str(batch.fit.band[row]) or None)
            top = str(ids[batch.top[row]])
            records.append(
                self._decision_record(
                    time,
                    str(batch.responses.candidate_ids[row]),
                    None if inputs is None else inputs[row].model_dump(mode="json"),
                    profile=top if batch.determined[row] else UNDETERMINED,
                    top_profile=top,
                    second_profile=str(ids[batch.second[row]]),
                    confidence=float(batch.confidence[row]),
                    probabilities={pid: float(batch.probabilities[row, k]) for k, pid in enumerate(ids)},
                    validity_flags=list(batch.validity.ids(row)),
                    fit=fit,
                    needs_human_review=bool(batch.needs_human_review[row]),
                )
            )
        return records

    def _result_record(self, result: ScreeningResult, dumped: dict[str, Any]) -> dict[str, Any]:
        """The decision record of one result (what :meth:`decision_records` gives for its row)."""
        fit = None if result.fit is None else (_number(result.fit.score), result.fit.band)
        return self._decision_record(
            now(),
            result.candidate_id,
            dumped,
            profile=result.profile,
            top_profile=result.top_profile,
            second_profile=result.second_profile,
            confidence=result.confidence,
            probabilities=dict(result.probabilities),
            validity_flags=[flag.flag for flag in result.flags],
            fit=fit,
            needs_human_review=result.needs_human_review,
        )

    def _decision_record(
        self,
        time: str,
        candidate_id: str,
        dumped: dict[str, Any] | None,
        *,
        profile: str,
        top_profile: str,
        second_profile: str,
        confidence: float,
        probabilities: dict[str, float],
        validity_flags: list[str],
        fit: tuple[float | None, str | None] | None,
        needs_human_review: bool,
    ) -> dict[str, Any]:
        """The one layout of a decision record (docs/decision-log.md).

        ``dumped`` is the validated input's ``model_dump(mode="json")`` (hashed), ``fit`` (score, band) with a role.
        """
        assert self.decision_log is not None
        record: dict[str, Any] = {
            "kind": "decision",
            "time": time,
            "profilefit": installed_version(),
            "model_id": self.model_info.model_id,
            "model_sha256": self.model_info.sha256,
            "instrument": f"{self.instrument.id} {self.instrument.version}",
            "norm_group": self.norms.name,
            "min_confidence": self.min_confidence,
            "role": None if self.role is None else self.role.id,
            "role_sha256": self._role_sha256,
        }
        record["candidate"] = self.decision_log.pseudonym(candidate_id)
        if dumped is not None:
            canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
            record["input_sha256"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        record["result"] = {
            "profile": profile,
            "top_profile": top_profile,
            "second_profile": second_profile,
            "confidence": confidence,
            "probabilities": probabilities,
            "validity_flags": validity_flags,
            "fit": None
            if fit is None or self.role is None
            else {"role": self.role.id, "score": fit[0], "band": fit[1]},  # an incomplete fit has no band
            "needs_human_review": needs_human_review,
        }
        return record

    def record_review(
        self, candidate_id: str, *, reviewer: str, decision: str, note: str | None = None
    ) -> dict[str, Any]:
        """Record what a person decided about a candidate's result, in the decision log.

        profilefit supports a human decision and never makes it; this records who reviewed a
        result, when, and what they decided (EU AI Act Art. 14, human oversight).

        Parameters
        ----------
        candidate_id : str
            As scored; the log holds only its pseudonym.
        reviewer : str
            Who reviewed (a name or a staff id, as your records use).
        decision : str
            What they decided, in your own terms (``"invite"``, ``"decline"``, ``"hold"``).
        note : str, optional

        Returns
        -------
        dict
            The record appended.
        """
        if self.decision_log is None:
            raise ValueError("this screener has no decision log; give decision_log= to Screener.load")
        return self.decision_log.review(candidate_id, reviewer=reviewer, decision=decision, note=note)


def _checked_confidence(value: Any) -> float:
    """``min_confidence`` as a float, refusing what cannot be a probability (2, -1, NaN, text)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"min_confidence must be a number from 0 to 1, got {value!r}") from None
    if not 0.0 <= number <= 1.0:  # false for nan
        raise ValueError(f"min_confidence must be a number from 0 to 1, got {value!r}")
    return number


def _number(value: float) -> float | None:
    number = float(value)
    return None if number != number else number  # nan is the only value unequal to itself


def _softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    # numpy rather than scipy.special: importing scipy costs the HR system's start-up time. The total is
    # summed column by column, as _score_row sums one candidate's (a reduction's order is numpy's own).
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    total = np.zeros(shifted.shape[0])
    for column in np.ascontiguousarray(shifted.T):
        np.add(total, column, out=total)
    result: NDArray[np.float64] = shifted / total[:, None]
    return result
