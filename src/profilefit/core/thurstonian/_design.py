"""Forced-choice designs: which statements sit in which block, and whether normative scores are identifiable.

A design says only what the instrument file will say: the traits, and the blocks of statements
(each statement's id, trait and intended keying). The statistical parameters live in
:class:`~profilefit.core.thurstonian.ThurstonianModel`.

The checks follow Brown & Maydeu-Olivares (2011, EPM 71(3); 2013, Psychol. Methods 18(1)): comparative
answers carry information about differences between traits; the absolute level of each trait (a
normative score) is identified only when traits are compared with many other traits and when some
comparisons join statements keyed in opposite directions (their difference then carries the sum of
the two traits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from profilefit._frozen import FrozenModel
from profilefit.exceptions import ForcedChoiceDesignError


class Statement(FrozenModel):
    """One statement of a forced-choice block.

    Attributes
    ----------
    id : str
        Stable identifier (the instrument file's statement id).
    trait : str
        The trait the statement measures.
    keyed : {1, -1}
        Intended direction: 1 when agreeing means more of the trait, -1 when it means less.
    """

    id: str = Field(min_length=1)
    trait: str = Field(min_length=1)
    keyed: Literal[1, -1] = 1


class ForcedChoiceDesign(FrozenModel):
    """The blocks of a forced-choice instrument.

    Attributes
    ----------
    traits : tuple of str
        The traits, in the order scores are reported.
    blocks : tuple of tuples of Statement
        Each block's statements in the order shown (at least two per block, ids unique across the design).

    Examples
    --------
    >>> from profilefit.core.thurstonian import ForcedChoiceDesign, Statement
    >>> design = ForcedChoiceDesign(
    ...     traits=("calm", "drive"),
    ...     blocks=((Statement(id="s1", trait="calm"), Statement(id="s2", trait="drive", keyed=-1)),),
    ... )
    >>> design.n_comparisons
    1
    """

    traits: tuple[str, ...] = Field(min_length=1)
    blocks: tuple[tuple[Statement, ...], ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _statements_name_known_traits_once(self) -> ForcedChoiceDesign:
        if len(set(self.traits)) != len(self.traits):
            raise ValueError(f"traits repeat a name: {list(self.traits)}")
        ids = [statement.id for block in self.blocks for statement in block]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"statement ids must be unique across the design; repeated: {repeated}")
        for number, block in enumerate(self.blocks):
            if len(block) < 2:
                raise ValueError(f"block {number} has {len(block)} statement(s); a block needs at least 2")
            unknown = sorted({s.trait for s in block} - set(self.traits))
            if unknown:
                raise ValueError(f"block {number} names traits not in the design: {unknown}")
        return self

    @property
    def statements(self) -> tuple[Statement, ...]:
        """Every statement, block by block."""
        return tuple(statement for block in self.blocks for statement in block)

    @property
    def block_sizes(self) -> tuple[int, ...]:
        """Number of statements in each block."""
        return tuple(len(block) for block in self.blocks)

    @property
    def n_comparisons(self) -> int:
        """Number of binary comparisons, n(n-1)/2 per block of n."""
        return sum(n * (n - 1) // 2 for n in self.block_sizes)


@dataclass(frozen=True, eq=False)
class Layout:
    """A design as index arrays, one row per binary comparison (statement ``left`` against ``right``).

    Comparisons are ordered block by block, and inside a block by statement position:
    (0, 1), (0, 2), (1, 2) for a triplet. ``y = 1`` means the left statement was preferred.
    """

    statement_trait: NDArray[np.intp]  # (n_statements,)
    statement_key: NDArray[np.float64]  # (n_statements,) +1 or -1
    block_start: NDArray[np.intp]  # (n_blocks,) index of the block's first statement
    left: NDArray[np.intp]  # (n_comparisons,) statement index
    right: NDArray[np.intp]
    left_position: NDArray[np.intp]  # position inside the block
    right_position: NDArray[np.intp]
    block: NDArray[np.intp]  # (n_comparisons,) block index

    @property
    def left_trait(self) -> NDArray[np.intp]:
        return self.statement_trait[self.left]

    @property
    def right_trait(self) -> NDArray[np.intp]:
        return self.statement_trait[self.right]


def layout(design: ForcedChoiceDesign) -> Layout:
    """Index arrays of a design (see :class:`Layout`)."""
    trait_index = {name: k for k, name in enumerate(design.traits)}
    statements = design.statements
    left, right, left_pos, right_pos, block_of, starts = [], [], [], [], [], []
    start = 0
    for number, block in enumerate(design.blocks):
        starts.append(start)
        for p, q in combinations(range(len(block)), 2):
            left.append(start + p)
            right.append(start + q)
            left_pos.append(p)
            right_pos.append(q)
            block_of.append(number)
        start += len(block)
    return Layout(
        statement_trait=np.array([trait_index[s.trait] for s in statements], dtype=np.intp),
        statement_key=np.array([float(s.keyed) for s in statements]),
        block_start=np.array(starts, dtype=np.intp),
        left=np.array(left, dtype=np.intp),
        right=np.array(right, dtype=np.intp),
        left_position=np.array(left_pos, dtype=np.intp),
        right_position=np.array(right_pos, dtype=np.intp),
        block=np.array(block_of, dtype=np.intp),
    )


# ---- identifiability -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignProblem:
    """One reason a design may not give normative scores.

    Attributes
    ----------
    code : str
        Stable short name: ``same_trait_block``, ``few_blocks``, ``few_partners``, ``one_way_keyed``,
        ``few_mixed_comparisons`` or ``disconnected``.
    trait : str or None
        The trait concerned, when there is one.
    message : str
        What is wrong and what would fix it.
    """

    code: str
    trait: str | None
    message: str


def check_design(
    design: ForcedChoiceDesign,
    *,
    min_blocks: int = 3,
    min_partners: int = 3,
    min_mixed_share: float = 0.15,
) -> list[DesignProblem]:
    """List what keeps a design from identifying normative trait scores (empty when nothing does).

    Parameters
    ----------
    design : ForcedChoiceDesign
    min_blocks : int, default 3
        Each trait must appear in at least this many blocks.
    min_partners : int, default 3
        Each trait must be compared with at least this many different traits.
    min_mixed_share : float, default 0.15
        Share of comparisons between statements keyed in opposite directions, across the instrument.
        With all comparisons between like-keyed statements only trait differences are measured and
        the scores are nearly ipsative (Brown & Maydeu-Olivares 2011, 2013).

    Returns
    -------
    list of DesignProblem
        Also checked: no block holds two statements of one trait; every trait has statements keyed
        both ways; the traits form one connected comparison graph.

    Examples
    --------
    >>> from profilefit.core.thurstonian import balanced_design, check_design
    >>> check_design(balanced_design(n_traits=8, n_blocks=20, seed=1))
    []
    """
    lay = layout(design)
    problems: list[DesignProblem] = []
    for number, block in enumerate(design.blocks):
        traits = [s.trait for s in block]
        if len(set(traits)) < len(traits):
            repeated = sorted({t for t in traits if traits.count(t) > 1})
            problems.append(
                DesignProblem(
                    "same_trait_block",
                    repeated[0],
                    f"block {number} holds more than one statement of {', '.join(repeated)}: "
                    "a block should compare different traits",
                )
            )
    n_traits = len(design.traits)
    partners = np.zeros((n_traits, n_traits), dtype=bool)
    partners[lay.left_trait, lay.right_trait] = True
    partners[lay.right_trait, lay.left_trait] = True
    np.fill_diagonal(partners, False)
    for k, trait in enumerate(design.traits):
        in_blocks = len(np.unique(lay.block[(lay.left_trait == k) | (lay.right_trait == k)]))
        if in_blocks < min_blocks:
            problems.append(
                DesignProblem(
                    "few_blocks",
                    trait,
                    f"{trait} appears in {in_blocks} block(s); at least {min_blocks} are needed for a usable score",
                )
            )
        n_partners = int(partners[k].sum())
        if n_partners < min(min_partners, n_traits - 1):
            problems.append(
                DesignProblem(
                    "few_partners",
                    trait,
                    f"{trait} is compared with {n_partners} other trait(s); pair it with at least "
                    f"{min(min_partners, n_traits - 1)} different traits",
                )
            )
        keys = {s.keyed for s in design.statements if s.trait == trait}
        if len(keys) < 2:
            direction = "positively" if keys == {1} else "negatively"
            problems.append(
                DesignProblem(
                    "one_way_keyed",
                    trait,
                    f"every statement of {trait} is keyed {direction}; key at least one the other way",
                )
            )
    mixed = lay.statement_key[lay.left] != lay.statement_key[lay.right]
    share = float(mixed.mean())
    if share < min_mixed_share:
        problems.append(
            DesignProblem(
                "few_mixed_comparisons",
                None,
                f"{share:.0%} of comparisons join statements keyed in opposite directions; at least "
                f"{min_mixed_share:.0%} are needed, or the scores measure only differences between traits",
            )
        )
    if n_traits > 1 and not _connected(partners):
        problems.append(
            DesignProblem(
                "disconnected",
                None,
                "the traits fall into groups never compared with each other; add blocks that join the groups",
            )
        )
    return problems


def require_identifiable(
    design: ForcedChoiceDesign, *, min_blocks: int = 3, min_partners: int = 3, min_mixed_share: float = 0.15
) -> None:
    """Raise :class:`ForcedChoiceDesignError` listing every problem :func:`check_design` finds (same limits)."""
    problems = check_design(design, min_blocks=min_blocks, min_partners=min_partners, min_mixed_share=min_mixed_share)
    if problems:
        raise ForcedChoiceDesignError(
            "the forced-choice design cannot give normative scores:\n" + "\n".join(f"- {p.message}" for p in problems)
        )


def _connected(adjacent: NDArray[np.bool_]) -> bool:
    seen = np.zeros(len(adjacent), dtype=bool)
    seen[0] = True
    while True:
        grown = seen | adjacent[seen].any(axis=0)
        if (grown == seen).all():
            return bool(seen.all())
        seen = grown


# ---- designs made in code -----------------------------------------------------------------------


def balanced_design(
    *,
    n_traits: int,
    n_blocks: int,
    block_size: int = 3,
    negative_share: float = 1 / 3,
    trait_names: Sequence[str] | None = None,
    seed: int = 0,
) -> ForcedChoiceDesign:
    """A design with traits spread evenly over blocks and partners, some statements keyed negatively.

    Each block takes the traits used least so far, preferring those least often paired with the
    traits already in the block (ties broken at random). Within each trait, ``negative_share`` of its
    statements (at least one when it has two or more) are keyed negatively, chosen at random.

    Parameters
    ----------
    n_traits, n_blocks : int
    block_size : int, default 3
        At most ``n_traits``.
    negative_share : float, default 1/3
    trait_names : sequence of str, optional
        Default ``t1``, ``t2``, ...
    seed : int, default 0

    Returns
    -------
    ForcedChoiceDesign
        Statement ids are ``b{block}s{position}``.
    """
    if not 2 <= block_size <= n_traits:
        raise ValueError(f"block_size must be between 2 and n_traits ({n_traits}), got {block_size}")
    names = tuple(trait_names) if trait_names is not None else tuple(f"t{k + 1}" for k in range(n_traits))
    if len(names) != n_traits:
        raise ValueError(f"{len(names)} trait names given for {n_traits} traits")
    rng = np.random.default_rng(seed)
    uses = np.zeros(n_traits)
    paired = np.zeros((n_traits, n_traits))
    chosen_blocks: list[list[int]] = []
    for _ in range(n_blocks):
        block: list[int] = []
        for _ in range(block_size):
            cost = uses * 1000.0 + paired[:, block].sum(axis=1) * 10.0 + rng.random(n_traits)
            cost[block] = np.inf
            block.append(int(np.argmin(cost)))
        for a, b in combinations(block, 2):
            paired[a, b] += 1
            paired[b, a] += 1
        uses[block] += 1
        chosen_blocks.append(block)
    keyed = np.ones((n_blocks, block_size), dtype=int)
    for k in range(n_traits):
        where = np.argwhere(np.array(chosen_blocks) == k)
        n_negative = round(negative_share * len(where))
        if len(where) >= 2 and negative_share > 0:
            n_negative = max(1, n_negative)
        for b, p in where[rng.permutation(len(where))[:n_negative]]:
            keyed[b, p] = -1
    return ForcedChoiceDesign(
        traits=names,
        blocks=tuple(
            tuple(
                Statement(id=f"b{b + 1}s{p + 1}", trait=names[k], keyed=1 if keyed[b, p] > 0 else -1)
                for p, k in enumerate(block)
            )
            for b, block in enumerate(chosen_blocks)
        ),
    )
