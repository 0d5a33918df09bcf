"""DIF of every agreement item, situational option and attention check, with two-step purification.

What each kind of answer is matched on (a person's standing, which must not come from the
answer under test):

- **Agreement items**: the *rest score* of the item's own scale, the sum of the keyed
  answers to the scale's other items. People who left the item or one of those items
  blank are left out of that item's analysis.
- **Situational options** ("chose this option", yes/no): scenarios have no right answer,
  so there is no total situational score to match on, and the count of similar choices in
  the other scenarios alone is too coarse and unreliable (group differences in the traits
  then leak into the comparison). Options are matched instead on a *propensity*: a
  logistic model of the choice on the person's scale scores and that count, fitted on
  everyone without the group, gives each person's expected chance of choosing the option;
  its deciles are the strata (multiple matching variables, as Mazor, Kanjee & Clauser
  1995 do for logistic-regression DIF). Read option DIF as a pointer for review.
- **Attention checks** ("answered as instructed", yes/no): the number of the *other*
  attention checks answered as instructed. With one check there is nothing to match on
  and the comparison is unmatched.

Purification (Holland & Thayer 1988; Zwick 2012): step 1 tests everything; answers that
reach class B or C (BB or CC) are left out of every matching score; step 2 re-tests every
answer against the purified scores, and its results are the ones reported. A matching
score is never left empty: when purification would remove every other item of a scale,
that scale's unpurified rest score is kept and the item says so.

Multiple comparisons: the p-values of the Mantel–Haenszel tests of one comparison are
adjusted together by Benjamini–Hochberg, and so are those of the logistic-regression
tests; the classes use the adjusted values (q < 0.05).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy import special

from profilefit.core.instrument import Instrument
from profilefit.core.scoring import NO_CHOICE, Responses, load_parameters
from profilefit.evidence.dif._answer import FDR, AnswerDif
from profilefit.evidence.dif._mantel import binary_mh, ets_class, ets_polytomous_class, ordinal_mh
from profilefit.evidence.dif._ordinal import JODOIN_GIERL, ZUMBO_THOMAS, logistic_dif, r2_class
from profilefit.evidence.dif._statements import standing, statement_answers
from profilefit.evidence.stats import benjamini_hochberg

if TYPE_CHECKING:
    from profilefit.core.thurstonian import ThurstonianModel

#: Situational options and their matching: strata of equal propensity (deciles).
PROPENSITY_STRATA = 10
#: Below this many people in a group, the figures are too unstable to act on alone.
MIN_GROUP_SIZE = 200


@dataclass(frozen=True)
class DifComparison:
    """DIF of every answer for one focal group against the reference group.

    Attributes
    ----------
    reference, focal : str
    n_reference, n_focal : int
        People of each group in the analysis.
    answers : tuple of AnswerDif
        Step-2 (purified) results, in instrument order: items, options, checks.
    step1_flagged : tuple of str
        Fields flagged in step 1 and left out of the matching scores of step 2.
    warnings : tuple of (str, dict)
        Message keys with their values (see the report strings), for example small groups.
    """

    reference: str
    focal: str
    n_reference: int
    n_focal: int
    answers: tuple[AnswerDif, ...]
    step1_flagged: tuple[str, ...]
    warnings: tuple[tuple[str, dict[str, object]], ...] = field(default_factory=tuple)

    @property
    def flagged(self) -> tuple[AnswerDif, ...]:
        """Answers with moderate or large DIF after purification."""
        return tuple(a for a in self.answers if a.flagged)

    def class_counts(self) -> dict[str, dict[str, int]]:
        """How many answers of each kind are in each ETS class, for example ``{"likert": {"AA": 45, ...}}``."""
        binary = ("A", "B", "C")
        classes = {"likert": ("AA", "BB", "CC"), "option": binary, "check": binary, "most": binary, "least": binary}
        return {
            kind: {name: sum(a.kind == kind and a.ets == name for a in self.answers) for name in names}
            for kind, names in classes.items()
            if any(a.kind == kind for a in self.answers)
        }

    def flagged_blocks(self) -> dict[str, tuple[str, ...]]:
        """Forced choice: each block with a flagged statement, and its flags as ``"<statement> most|least"``.

        The three statements of a block share one answer, so DIF in one statement moves the
        others' rates too: read the flags of a block together.
        """
        blocks: dict[str, list[str]] = {}
        for answer in self.flagged:
            if answer.block:
                blocks.setdefault(answer.block, []).append(f"{answer.field} {answer.kind}")
        return {block: tuple(flags) for block, flags in blocks.items()}


def _keyed_items(responses: Responses) -> NDArray[np.float64]:
    instrument = responses.instrument
    low, high = instrument.response_scale.min, instrument.response_scale.max
    reverse = np.array([item.reverse for item in instrument.items])
    keyed: NDArray[np.float64] = np.where(reverse[None, :], low + high - responses.items, responses.items)
    return keyed


def _option_fields(instrument: Instrument) -> list[tuple[int, int, str, str]]:
    """(scenario column, option index, field name, key) of every option."""
    return [
        (column, k, f"{scenario.id}.{option.id}", option.key)
        for column, scenario in enumerate(instrument.scenarios)
        for k, option in enumerate(scenario.options)
    ]


def _scale_standing(responses: Responses, keyed: NDArray[np.float64], excluded: frozenset[str]) -> NDArray[np.float64]:
    """Each person's mean keyed answer per scale (items in ``excluded`` left out, blanks at the mean), standardised."""
    instrument = responses.instrument
    columns = []
    for scale_id in instrument.scale_ids:
        members = [k for k, item in enumerate(instrument.items) if item.scale == scale_id]
        kept = [k for k in members if instrument.items[k].id not in excluded] or members
        block = keyed[:, kept]
        answered = (~np.isnan(block)).sum(axis=1)
        mean = np.where(answered > 0, np.nansum(block, axis=1) / np.maximum(answered, 1), np.nan)
        columns.append(mean)
    standing = np.column_stack(columns)
    known = ~np.isnan(standing)
    centre = np.where(known, standing, 0.0).sum(axis=0) / np.maximum(known.sum(axis=0), 1)
    standing = np.where(known, standing, centre)
    spread = standing.std(axis=0)
    result: NDArray[np.float64] = (standing - centre) / np.where(spread > 0, spread, 1.0)
    return result


def _propensity_strata(x: NDArray[np.float64], yes: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Strata of people equally likely to give this answer, judged from their standing alone (no group).

    A logistic model of the answer on ``x`` (scale standing and situational rest count), fitted
    on everyone without the group, gives each person a propensity; its deciles are the strata.
    """
    if yes.all() or not yes.any() or len(yes) < 2 * PROPENSITY_STRATA:
        return np.zeros(len(yes))
    propensity = _logistic_linear_predictor(x, yes.astype(np.float64))
    edges = np.quantile(propensity, np.linspace(0, 1, PROPENSITY_STRATA + 1)[1:-1])
    strata: NDArray[np.float64] = np.searchsorted(edges, propensity, side="right").astype(np.float64)
    return strata


def _logistic_linear_predictor(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Linear predictor of a logistic regression with intercept, by Newton's method (a small ridge keeps it finite)."""
    design = np.column_stack([np.ones(len(y)), x])
    beta = np.zeros(design.shape[1])
    ridge = 1e-4 * np.eye(design.shape[1])
    for _ in range(50):
        eta = design @ beta
        p = special.expit(eta)
        gradient = design.T @ (y - p) - ridge @ beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + ridge
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    predictor: NDArray[np.float64] = design @ beta
    return predictor


def _likert_answers(
    responses: Responses, focal: NDArray[np.bool_], excluded: frozenset[str], *, with_logistic: bool
) -> list[AnswerDif]:
    """Agreement items, each matched on the rest score of its own scale."""
    instrument = responses.instrument
    keyed = _keyed_items(responses)
    results = []
    for column, item in enumerate(instrument.items):
        others = [k for k, other in enumerate(instrument.items) if other.scale == item.scale and k != column]
        kept = [k for k in others if instrument.items[k].id not in excluded]
        purified = bool(excluded) and len(kept) < len(others)
        if not kept:  # never match on nothing: fall back to the whole rest score
            kept, purified = others, False
        rest_block = keyed[:, kept]
        answers = responses.items[:, column]
        usable = ~np.isnan(answers) & ~np.isnan(rest_block).any(axis=1)
        rest = rest_block[usable].sum(axis=1)
        y, f = answers[usable], focal[usable]
        logistic = None
        if with_logistic and np.unique(y).size >= 2 and f.any() and (~f).any():
            logistic = logistic_dif(y, f, rest)
        results.append(
            AnswerDif(
                field=item.id,
                kind="likert",
                group=item.scale,
                n_reference=int((~f).sum()),
                n_focal=int(f.sum()),
                matched_on=tuple(instrument.items[k].id for k in kept),
                purified=purified,
                mantel=ordinal_mh(y, f, rest),
                logistic=logistic,
            )
        )
    return results


def _option_answers(
    responses: Responses,
    focal: NDArray[np.bool_],
    excluded: frozenset[str],
    standing: NDArray[np.float64] | None = None,
) -> list[AnswerDif]:
    """Situational options (chose it: yes/no), matched on a propensity from scale scores and similar choices.

    ``standing`` is each person's standardised scale scores; by default the agreement items' means.
    """
    instrument = responses.instrument
    choices = responses.choices
    options = _option_fields(instrument)
    if standing is None:
        standing = _scale_standing(responses, _keyed_items(responses), excluded)
    fields = set(instrument.item_ids) | set(instrument.statement_ids)
    items_excluded = bool(excluded & fields)
    results = []
    for column, index, name, key in options:
        all_same_key = [(c, k, other) for c, k, other, other_key in options if c != column and other_key == key]
        same_key = [(c, k, other) for c, k, other in all_same_key if other not in excluded] or all_same_key
        purified = len(same_key) < len(all_same_key) or items_excluded
        rest = np.zeros(len(responses))
        for c, k, _ in same_key:
            rest += choices[:, c] == k
        answered = choices[:, column] != NO_CHOICE
        yes = choices[answered, column] == index
        f = focal[answered]
        results.append(
            AnswerDif(
                field=name,
                kind="option",
                group=key,
                n_reference=int((~f).sum()),
                n_focal=int(f.sum()),
                matched_on=(*instrument.scale_ids, *sorted({instrument.scenarios[c].id for c, _, _ in same_key})),
                purified=purified,
                mh=binary_mh(yes, f, _propensity_strata(np.column_stack([standing, rest])[answered], yes)),
            )
        )
    return results


def _check_answers(responses: Responses, focal: NDArray[np.bool_]) -> list[AnswerDif]:
    """Attention checks (answered as instructed: yes/no), matched on the other checks passed."""
    instrument = responses.instrument
    columns = list(instrument.instructed_columns)  # virtue claims have no right answer to pass
    checks = [instrument.attention_checks[k] for k in columns]
    given = responses.checks[:, columns]
    passed = given == np.array([c.expected for c in checks], dtype=np.float64)
    results = []
    for column, check in enumerate(checks):
        answered = ~np.isnan(given[:, column])
        other = [k for k in range(len(checks)) if k != column]
        rest = passed[:, other].sum(axis=1).astype(np.float64)
        f = focal[answered]
        results.append(
            AnswerDif(
                field=check.id,
                kind="check",
                group="attention",
                n_reference=int((~f).sum()),
                n_focal=int(f.sum()),
                matched_on=tuple(checks[k].id for k in other),
                purified=False,
                mh=binary_mh(passed[answered, column], f, rest[answered]),
            )
        )
    return results


def _run_step(
    responses: Responses,
    focal: NDArray[np.bool_],
    excluded: frozenset[str],
    *,
    with_logistic: bool,
    model: ThurstonianModel | None = None,
) -> list[AnswerDif]:
    """Test every answer once, with matching scores that leave out ``excluded`` fields; classify."""
    if model is not None:  # forced choice: statements, and options matched on the Thurstonian estimates
        results = statement_answers(responses, focal, model, excluded, with_logistic=with_logistic)
        results += _option_answers(responses, focal, excluded, standing(responses, model, excluded))
    else:
        results = _likert_answers(responses, focal, excluded, with_logistic=with_logistic)
        results += _option_answers(responses, focal, excluded)
    results += _check_answers(responses, focal)
    return _classify(results)


def _classify(results: list[AnswerDif]) -> list[AnswerDif]:
    """Adjust p-values by Benjamini–Hochberg and assign the classes."""
    q_mh = benjamini_hochberg(np.array([r.p_mh for r in results]))
    q_lr = benjamini_hochberg(np.array([r.logistic.p_any if r.logistic else math.nan for r in results]))
    classified = []
    for r, q1, q2 in zip(results, q_mh, q_lr, strict=True):
        significant = bool(q1 < FDR)
        if r.mantel is not None:
            ets = ets_polytomous_class(r.mantel, significant)
        elif r.mh is not None:
            ets = ets_class(r.mh, significant)
        else:
            ets = ""
        zt = jg = ""
        if r.logistic is not None:
            zt = r2_class(r.logistic.r2_change, bool(q2 < FDR), ZUMBO_THOMAS)
            jg = r2_class(r.logistic.r2_change, bool(q2 < FDR), JODOIN_GIERL)
        classified.append(replace(r, q_mh=float(q1), q_logistic=float(q2), ets=ets, zumbo_thomas=zt, jodoin_gierl=jg))
    return classified


def dif_comparison(
    responses: Responses,
    groups: Sequence[str] | NDArray[np.str_],
    *,
    reference: str,
    focal: str,
    purify: bool = True,
    logistic: bool = True,
    model: ThurstonianModel | None = None,
) -> DifComparison:
    """DIF of every answer of ``responses`` for ``focal`` against ``reference``.

    Parameters
    ----------
    responses : Responses
        Answers of everyone; only people of the two groups enter the analysis.
    groups : sequence of str, length ``len(responses)``
        Each person's group (category of the demographic dimension).
    reference, focal : str
        The two groups compared.
    purify : bool, default=True
        Run the second, purified step (see the module docstring).
    logistic : bool, default=True
        Also fit the logistic-regression models of the agreement items (or forced-choice statements).
    model : ThurstonianModel, optional
        Forced choice: the parameters the matching estimates are computed with; by default the
        instrument's shipped parameters (:func:`profilefit.core.scoring.load_parameters`).

    Returns
    -------
    DifComparison

    Raises
    ------
    ValueError
        If the two groups are the same or one of them has nobody in it.
    """
    labels = np.asarray(groups, dtype=np.str_)
    if labels.shape != (len(responses),):
        raise ValueError(f"give one group per candidate: {len(responses)} candidates, {labels.size} groups")
    if reference == focal:
        raise ValueError(f"the focal and reference groups must differ; both are {focal!r}")
    for name in (reference, focal):
        if not (labels == name).any():
            found = ", ".join(sorted(set(labels.tolist()))) or "(none)"
            raise ValueError(f"no candidate is in group {name!r}; the groups found are: {found}")
    rows = np.flatnonzero((labels == reference) | (labels == focal))
    subset = responses.take(rows)
    is_focal = labels[rows] == focal
    if responses.instrument.format == "forced_choice" and model is None:
        model = load_parameters(responses.instrument)
    step1 = _run_step(subset, is_focal, frozenset(), with_logistic=logistic and not purify, model=model)
    flagged1 = tuple(dict.fromkeys(a.field for a in step1 if a.ets in ("B", "C", "BB", "CC")))
    final = _run_step(subset, is_focal, frozenset(flagged1), with_logistic=logistic, model=model) if purify else step1
    n_ref, n_foc = int((~is_focal).sum()), int(is_focal.sum())
    warnings: list[tuple[str, dict[str, object]]] = []
    for name, n in ((reference, n_ref), (focal, n_foc)):
        if n < MIN_GROUP_SIZE:
            warnings.append(("warning_small_group", {"group": name, "n": n, "minimum": MIN_GROUP_SIZE}))
    return DifComparison(
        reference=reference,
        focal=focal,
        n_reference=n_ref,
        n_focal=n_foc,
        answers=tuple(final),
        step1_flagged=flagged1 if purify else (),
        warnings=tuple(warnings),
    )
