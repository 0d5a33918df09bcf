"""A brute-force posterior for small Thurstonian IRT cases (tests/test_thurstonian.py, benchmarks/thurstonian.py).

Coded from the model's definition, independently of the package's comparison coding and scorer.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy.special import log_ndtr
from scipy.stats import multivariate_normal

from profilefit.core.thurstonian import ForcedChoiceDesign, Statement, ThurstonianModel


def small_model(traits, blocks, loadings, utilities, corr):
    design = ForcedChoiceDesign(
        traits=traits,
        blocks=tuple(
            tuple(
                Statement(id=f"b{b}s{p}", trait=t, keyed=1 if loadings[b][p] > 0 else -1) for p, t in enumerate(block)
            )
            for b, block in enumerate(blocks)
        ),
    )
    flat = np.concatenate([np.asarray(x, dtype=float) for x in loadings])
    return ThurstonianModel(
        design,
        utility=np.concatenate([np.asarray(x, dtype=float) for x in utilities]),
        loading=flat,
        uniqueness=np.clip(1.0 - flat**2, 0.2, None),
        trait_correlation=corr,
    )


SMALL_CASES = {
    "one trait, three pairs": small_model(
        ("a",),
        [("a", "a"), ("a", "a"), ("a", "a")],
        [(0.9, -0.7), (0.6, -0.8), (-0.5, 0.9)],
        [(0.2, 0.0), (0.0, 0.3), (-0.1, 0.1)],
        [[1.0]],
    ),
    "two traits, four pairs": small_model(
        ("a", "b"),
        [("a", "b"), ("b", "a"), ("a", "b"), ("a", "b")],
        [(0.8, 0.7), (0.9, -0.6), (-0.7, 0.8), (0.6, -0.9)],
        [(0.0, 0.4), (0.2, 0.0), (0.0, -0.3), (0.1, 0.0)],
        [[1.0, 0.3], [0.3, 1.0]],
    ),
    "two traits, triplets": small_model(
        ("a", "b"),
        [("a", "b", "a"), ("b", "a", "b")],
        [(0.8, 0.7, -0.6), (0.9, -0.75, -0.6)],
        [(0.0, 0.4, -0.2), (0.2, 0.0, 0.1)],
        [[1.0, -0.2], [-0.2, 1.0]],
    ),
}


def grid_posterior(model: ThurstonianModel, marks: np.ndarray):
    """Mode, mean and SD of the posterior on a fine grid, coded independently of the package."""
    k = len(model.design.traits)
    axis = np.linspace(-5.0, 5.0, 801 if k == 1 else 401)
    grid = np.stack(np.meshgrid(*([axis] * k), indexing="ij"), axis=-1).reshape(-1, k)
    log_post = multivariate_normal(np.zeros(k), model.trait_correlation).logpdf(grid).reshape(len(grid))
    traits = {name: j for j, name in enumerate(model.design.traits)}
    start = 0
    for block, (most, least) in zip(model.design.blocks, marks, strict=True):
        n = len(block)
        if most >= 0:
            rank = {most: 0, least: n - 1}  # only most and least are known; the rest rank between
            for p, q in combinations(range(n), 2):
                if p not in rank and q not in rank:
                    continue
                i, j = start + p, start + q
                left_wins = rank.get(p, 0.5) < rank.get(q, 0.5)
                z = (
                    model.utility[i]
                    - model.utility[j]
                    + model.loading[i] * grid[:, traits[block[p].trait]]
                    - model.loading[j] * grid[:, traits[block[q].trait]]
                ) / np.sqrt(model.uniqueness[i] + model.uniqueness[j])
                log_post += log_ndtr(z if left_wins else -z)
        start += n
    weight = np.exp(log_post - log_post.max())
    weight /= weight.sum()
    mean = weight @ grid
    sd = np.sqrt(weight @ (grid - mean) ** 2)
    return grid[np.argmax(log_post)], mean, sd, axis[1] - axis[0]


def small_case_answers(model: ThurstonianModel, *, people: int = 6, seed: int = 5) -> np.ndarray:
    """Random most/least marks for a small case; the first person leaves the first block out."""
    patterns = [[(m, w) for m in range(n) for w in range(n) if m != w] for n in model.design.block_sizes]
    rng = np.random.default_rng(seed)
    chosen = [tuple(rng.choice(len(p)) for p in patterns) for _ in range(people)]
    marks = np.array([[patterns[b][c] for b, c in enumerate(choice)] for choice in chosen])
    marks[0, 0] = (-1, -1)
    return marks
