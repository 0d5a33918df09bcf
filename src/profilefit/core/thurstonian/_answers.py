"""Most/least answers: their coding as binary comparisons, and their simulation from known parameters.

An answer array has shape (n_people, n_blocks, 2): for each block the position (0-based, in the
order the block shows its statements) of the statement marked *most* like the candidate, then of the
one marked *least*. ``-1`` marks a missing mark; a block with both missing was not answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import combinations, product

import numpy as np
from numpy.typing import ArrayLike, NDArray

from profilefit.core.thurstonian._design import ForcedChoiceDesign
from profilefit.core.thurstonian._model import ThurstonianModel

#: A missing mark in an answer array.
MISSING = -1


def validate_answers(design: ForcedChoiceDesign, answers: ArrayLike) -> NDArray[np.intp]:
    """Check an answer array against a design and return it as integers.

    Raises
    ------
    ValueError
        When the shape is not (n_people, n_blocks, 2), a position is outside its block, or one
        statement is marked both most and least; the message names the first person and block.
    """
    marks: NDArray[np.intp] = _checked(design, answers).astype(np.intp, copy=False)
    return marks


def _checked(design: ForcedChoiceDesign, answers: ArrayLike) -> NDArray[np.integer]:
    """:func:`validate_answers` without the conversion: the marks in their own integer type."""
    marks = np.asarray(answers)
    block_sizes = design.block_sizes  # a property that counts every block: once
    if marks.ndim != 3 or marks.shape[1:] != (len(block_sizes), 2):
        raise ValueError(
            f"answers must have shape (n_people, {len(design.blocks)}, 2) (most, least per block), got {marks.shape}"
        )
    if marks.size and not np.issubdtype(marks.dtype, np.integer):
        raise ValueError(f"answers must be integer positions, got dtype {marks.dtype}")
    if not marks.size:
        marks = marks.astype(np.intp)
    sizes = np.array(block_sizes)[None, :, None]
    bad = (marks < MISSING) | (marks >= sizes)
    same = (marks[..., 0] == marks[..., 1]) & (marks[..., 0] != MISSING)
    if bad.any() or same.any():
        person, block = np.argwhere(bad.any(axis=2) | same)[0]
        raise ValueError(
            f"person {person}, block {block}: marks {marks[person, block].tolist()} are not two different "
            f"positions in 0..{block_sizes[block] - 1} (or {MISSING} for missing)"
        )
    return marks


def comparisons(design: ForcedChoiceDesign, answers: ArrayLike) -> NDArray[np.int8]:
    """Code most/least answers as binary comparisons.

    Parameters
    ----------
    design : ForcedChoiceDesign
    answers : array-like of int, shape (n_people, n_blocks, 2)

    Returns
    -------
    ndarray of int8, shape (n_people, n_comparisons)
        1 when the left statement of the comparison was preferred, 0 when the right one was, -1 when the
        answer does not say (a missing block, or two middle statements of a block of four or more).
        Comparisons follow :class:`~profilefit.core.thurstonian.Layout`'s order.

    Examples
    --------
    >>> from profilefit.core.thurstonian import balanced_design, comparisons
    >>> design = balanced_design(n_traits=3, n_blocks=1)
    >>> comparisons(design, [[[2, 0]]]).tolist()  # most: third, least: first -> 1<2, 1<3, 2<3
    [[0, 0, 0]]
    """
    marks = _checked(design, answers)  # in its own type: an int8 array is not copied into a wider one
    block_sizes = design.block_sizes
    if len(set(block_sizes)) == 1:  # every block the same size: no scatter needed
        size = block_sizes[0]
        pattern = (marks[:, :, 0].astype(np.intp) + 1) * (size + 1) + (marks[:, :, 1].astype(np.intp) + 1)
        # ``take`` gathers whole rows of the table several times faster than fancy indexing does.
        return np.take(_codes(size), pattern, axis=0).reshape(len(marks), len(block_sizes) * size * (size - 1) // 2)
    sizes = np.array(block_sizes)
    first_comparison = np.concatenate([[0], np.cumsum(sizes * (sizes - 1) // 2)[:-1]])
    coded = np.empty((len(marks), design.n_comparisons), dtype=np.int8)
    for size in np.unique(sizes):
        blocks = np.flatnonzero(sizes == size)
        # One gather per block size: the (most, least) pair indexes a table of the block's codes.
        most, least = marks[:, blocks, 0].astype(np.intp), marks[:, blocks, 1].astype(np.intp)
        pattern = (most + 1) * (size + 1) + (least + 1)
        columns = first_comparison[blocks][:, None] + np.arange(size * (size - 1) // 2)
        coded[:, columns] = np.take(_codes(int(size)), pattern, axis=0)
    return coded


@cache
def _codes(size: int) -> NDArray[np.int8]:
    """The comparisons of a block of ``size`` for every (most, least) mark.

    Row ``(most + 1) * (size + 1) + least + 1``; -1 (missing) marks and the unknown middle pairs give -1.
    """
    table = np.full(((size + 1) ** 2, size * (size - 1) // 2), MISSING, dtype=np.int8)
    for most, least in product(range(-1, size), repeat=2):
        for column, (p, q) in enumerate(combinations(range(size), 2)):
            if most == p or least == q:
                table[(most + 1) * (size + 1) + least + 1, column] = 1
            elif most == q or least == p:
                table[(most + 1) * (size + 1) + least + 1, column] = 0
    return table


@dataclass(frozen=True, eq=False)
class SimulatedAnswers:
    """People drawn from a model, with their answers.

    Attributes
    ----------
    traits : ndarray of shape (n_people, n_traits)
        The true trait levels.
    answers : ndarray of int, shape (n_people, n_blocks, 2)
        Most and least marks per block.
    """

    traits: NDArray[np.float64]
    answers: NDArray[np.intp]


def simulate_answers(
    model: ThurstonianModel, n_people: int, *, seed: int | np.random.Generator | None = None
) -> SimulatedAnswers:
    """Draw people from ``N(0, Phi)`` and their most/least answers from the model's utilities.

    Parameters
    ----------
    model : ThurstonianModel
    n_people : int
    seed : int or numpy Generator, optional

    Returns
    -------
    SimulatedAnswers

    Examples
    --------
    >>> from profilefit.core.thurstonian import balanced_design, example_model, simulate_answers
    >>> model = example_model(balanced_design(n_traits=4, n_blocks=6))
    >>> simulate_answers(model, 5, seed=1).answers.shape
    (5, 6, 2)
    """
    rng = np.random.default_rng(seed)
    design = model.design
    n_traits = len(design.traits)
    chol = np.linalg.cholesky(model.trait_correlation)
    traits = rng.standard_normal((n_people, n_traits)) @ chol.T
    lay = model.layout
    noise = rng.standard_normal((n_people, len(model.utility))) * np.sqrt(model.uniqueness)
    utilities = model.utility + model.loading * traits[:, lay.statement_trait] + noise
    answers = np.empty((n_people, len(design.blocks), 2), dtype=np.intp)
    sizes = np.array(design.block_sizes)
    for size in np.unique(sizes):
        blocks = np.flatnonzero(sizes == size)
        index = lay.block_start[blocks][:, None] + np.arange(size)[None, :]
        values = utilities[:, index]  # (n_people, n_blocks of this size, size)
        answers[:, blocks, 0] = values.argmax(axis=2)
        answers[:, blocks, 1] = values.argmin(axis=2)
    return SimulatedAnswers(traits=traits, answers=answers)
