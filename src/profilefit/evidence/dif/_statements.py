"""DIF of forced-choice statements (instrument 2.0): marked most, or least, more often by one group at equal traits.

A forced-choice block has three statements, a, b and c; the candidate marks one *most* and one
*least* like them. Each statement gives two yes/no answers per person: "marked it most" and
"marked it least". Each is tested for DIF against the candidate's standing on the statement's
own scale.

Matching score (the rest-score analogue of an agreement item): the Thurstonian trait estimate
(MAP) of the statement's scale computed *without the statement's block*, with the instrument's
parameters. The block under test never informs its own matching score. In step 2 of
purification the blocks holding a statement flagged in step 1 are left out of the estimate too,
unless that would leave the scale in fewer than half of its other blocks; then the statement
keeps the unpurified estimate. People whose estimate rests on fewer than half of the
instrument's blocks (the scoring rule), or who left the block under test blank, are left out of
that statement's analysis.

Tests, per statement and answer (most, least):

- **Mantel–Haenszel** common odds ratio and chi-square over deciles of the matching score,
  with the ETS delta and classes A/B/C (as for situational options and attention checks).
- **Logistic regression** (Swaminathan & Rogers 1990; Zumbo 1999): marked ~ score; + group;
  + group × score. Uniform, non-uniform and 2-df tests, and the change in Nagelkerke's R²
  classed by Zumbo–Thomas and Jodoin–Gierl. With two answer categories the proportional-odds
  model of :mod:`profilefit.evidence.dif._ordinal` is the binary logistic model.

The statements of a block are dependent: the three "most" answers sum to one. A statement that
one group marks most more often pushes the other two down, so a flag on one statement can be
another statement's DIF in the same block. Read flags per block (:meth:`DifComparison.flagged_blocks`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from profilefit.core.instrument import BLOCK_LABELS
from profilefit.core.scoring import MIN_ANSWERED_SHARE, NO_ANSWER, Responses
from profilefit.core.thurstonian import ThurstonianModel, score
from profilefit.evidence.dif._answer import AnswerDif
from profilefit.evidence.dif._mantel import binary_mh
from profilefit.evidence.dif._ordinal import logistic_dif

#: Strata of the matching score for the Mantel–Haenszel test: deciles (the estimate is continuous).
MATCHING_STRATA = 10


def _estimates(
    model: ThurstonianModel, positions: NDArray[np.int8], answered: NDArray[np.bool_], left_out: list[int]
) -> NDArray[np.float64]:
    """Trait estimates with the blocks ``left_out`` treated as unanswered; ``nan`` below the scoring rule."""
    kept = positions.copy()
    kept[:, left_out, :] = NO_ANSWER
    remaining = answered.copy()
    remaining[:, left_out] = False
    needed = math.ceil(MIN_ANSWERED_SHARE * positions.shape[1])
    enough = remaining.sum(axis=1) >= needed
    result = np.full((positions.shape[0], len(model.design.traits)), np.nan)
    if enough.any():
        result[enough] = score(model, kept[enough]).estimate
    return result


def standing(responses: Responses, model: ThurstonianModel, excluded: frozenset[str]) -> NDArray[np.float64]:
    """Each person's trait estimates without the blocks of ``excluded`` statements, standardised; mean where missing.

    The scale standing that situational options are matched on, for a forced-choice instrument.
    """
    instrument = responses.instrument
    left_out = [b for b, block in enumerate(instrument.blocks) if any(s.id in excluded for s in block.statements)]
    if len(left_out) > len(instrument.blocks) // 2:
        left_out = []
    answered = responses.blocks != NO_ANSWER
    traits = _estimates(model, responses.block_positions(), answered, left_out)
    known = ~np.isnan(traits)
    centre = np.where(known, traits, 0.0).sum(axis=0) / np.maximum(known.sum(axis=0), 1)
    traits = np.where(known, traits, centre)
    spread = traits.std(axis=0)
    result: NDArray[np.float64] = (traits - centre) / np.where(spread > 0, spread, 1.0)
    return result


def _deciles(x: NDArray[np.float64]) -> NDArray[np.float64]:
    if x.size < 2 * MATCHING_STRATA:
        return np.zeros(x.size)
    edges = np.quantile(x, np.linspace(0, 1, MATCHING_STRATA + 1)[1:-1])
    strata: NDArray[np.float64] = np.searchsorted(edges, x, side="right").astype(np.float64)
    return strata


def statement_answers(
    responses: Responses,
    focal: NDArray[np.bool_],
    model: ThurstonianModel,
    excluded: frozenset[str],
    *,
    with_logistic: bool,
) -> list[AnswerDif]:
    """Every statement's "marked most" and "marked least", each matched on its scale's estimate from the other blocks.

    Parameters
    ----------
    responses : Responses
        Answers to a forced-choice instrument.
    focal : ndarray of bool, shape (n,)
        True for the focal group, False for the reference group.
    model : ThurstonianModel
        The parameters the instrument is scored with.
    excluded : frozenset of str
        Statements flagged in step 1: their blocks are left out of the matching estimates.
    with_logistic : bool
        Also fit the logistic regressions.

    Returns
    -------
    list of AnswerDif
        Two per statement, in instrument order: ``kind="most"`` then ``kind="least"``.
    """
    instrument = responses.instrument
    positions = responses.block_positions()
    answered = responses.blocks != NO_ANSWER
    trait_index = {trait: k for k, trait in enumerate(model.design.traits)}
    scale_blocks = {
        scale: [b for b, block in enumerate(instrument.blocks) if any(s.scale == scale for s in block.statements)]
        for scale in instrument.scale_ids
    }
    flagged_blocks = {b for b, block in enumerate(instrument.blocks) if any(s.id in excluded for s in block.statements)}
    results: list[AnswerDif] = []
    for b, block in enumerate(instrument.blocks):
        rest = _estimates(model, positions, answered, [b])
        purified_rest = None
        if flagged_blocks - {b}:
            purified_rest = _estimates(model, positions, answered, sorted(flagged_blocks | {b}))
        for letter_index, statement in enumerate(block.statements):
            others = [o for o in scale_blocks[statement.scale] if o != b]
            kept = [o for o in others if o not in flagged_blocks]
            purified = purified_rest is not None and len(kept) < len(others) and 2 * len(kept) >= len(others)
            matching_all = (purified_rest if purified and purified_rest is not None else rest)[
                :, trait_index[statement.scale]
            ]
            left_out = (flagged_blocks | {b}) if purified else {b}
            used = [other.id for o, other in enumerate(instrument.blocks) if o not in left_out]
            usable = answered[:, b] & ~np.isnan(matching_all)
            x, f = matching_all[usable], focal[usable]
            strata = _deciles(x)
            for kind, side in (("most", 0), ("least", 1)):
                marked = positions[usable, b, side] == letter_index
                logistic = None
                if with_logistic and marked.any() and (~marked).any() and f.any() and (~f).any():
                    logistic = logistic_dif(marked.astype(np.float64), f, x)
                results.append(
                    AnswerDif(
                        field=statement.id,
                        kind="most" if kind == "most" else "least",
                        group=statement.scale,
                        n_reference=int((~f).sum()),
                        n_focal=int(f.sum()),
                        matched_on=tuple(used),
                        purified=purified,
                        mh=binary_mh(marked, f, strata),
                        logistic=logistic,
                        block=block.id,
                        letter=BLOCK_LABELS[letter_index],
                    )
                )
    return results
