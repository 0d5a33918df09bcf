"""One answer's DIF figures and classes (:class:`AnswerDif`), shared by every kind of answer tested."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from profilefit.evidence.dif._mantel import BinaryMH, OrdinalMH
from profilefit.evidence.dif._ordinal import LogisticDif

#: False-discovery rate of the Benjamini–Hochberg adjustment.
FDR = 0.05
Kind = Literal["likert", "option", "check", "most", "least"]


@dataclass(frozen=True)
class AnswerDif:
    """DIF of one answer: an agreement item, one option of a scenario, an attention check, or a statement (most/least).

    Attributes
    ----------
    field : str
        Item id, ``"<scenario>.<option>"`` for an option, the check id, or a forced-choice statement id.
    kind : {"likert", "option", "check", "most", "least"}
        ``"most"`` and ``"least"``: a forced-choice statement marked most (least) like the candidate.
    group : str
        The item's or statement's scale, the option's key, or ``"attention"``.
    n_reference, n_focal : int
        People in this answer's analysis.
    matched_on : tuple of str
        The fields whose answers make up the matching score.
    purified : bool
        Whether answers flagged in step 1 were left out of the matching score.
    mantel : OrdinalMH or None
        Likert items: Mantel's test and the SMD.
    logistic : LogisticDif or None
        Likert items: ordinal logistic regression; statements: binary logistic regression.
    mh : BinaryMH or None
        Options, checks and statements: the common odds ratio, chi-square and ETS delta.
    q_mh : float
        Benjamini–Hochberg adjusted p-value of the Mantel–Haenszel test.
    q_logistic : float
        Adjusted p-value of the 2-df logistic test (``nan`` for options and checks).
    ets : str
        ETS class: A/B/C for yes/no answers, AA/BB/CC for agreement items.
    zumbo_thomas, jodoin_gierl : str
        Logistic-regression effect-size classes A/B/C (``""`` for options and checks).
    block, letter : str
        Statements: the block's id and the statement's letter in it (``a``, ``b``, ``c``); ``""`` otherwise.
    """

    field: str
    kind: Kind
    group: str
    n_reference: int
    n_focal: int
    matched_on: tuple[str, ...]
    purified: bool
    mantel: OrdinalMH | None = None
    logistic: LogisticDif | None = None
    mh: BinaryMH | None = None
    q_mh: float = math.nan
    q_logistic: float = math.nan
    ets: str = ""
    zumbo_thomas: str = ""
    jodoin_gierl: str = ""
    block: str = ""
    letter: str = ""

    @property
    def flagged(self) -> bool:
        """Moderate or large DIF by any of the reported rules (ETS B/C or BB/CC, Jodoin–Gierl B/C)."""
        return self.ets in ("B", "C", "BB", "CC") or self.jodoin_gierl in ("B", "C")

    @property
    def large(self) -> bool:
        """Large DIF: ETS class C or CC, or Zumbo–Thomas class C."""
        return self.ets in ("C", "CC") or self.zumbo_thomas == "C"

    @property
    def dif_type(self) -> str:
        """``"uniform"``, ``"non-uniform"``, ``"both"`` or ``""``: which 1-df logistic test is below 5 %.

        Read only when the 2-df test is significant after adjustment (q < 0.05); otherwise ``""``.
        """
        lr = self.logistic
        if lr is None or not self.q_logistic < FDR:
            return ""
        uniform, nonuniform = lr.p_uniform < FDR, lr.p_nonuniform < FDR
        return {(True, True): "both", (True, False): "uniform", (False, True): "non-uniform"}.get(
            (uniform, nonuniform), ""
        )

    @property
    def p_mh(self) -> float:
        """Unadjusted p-value of the Mantel–Haenszel test."""
        if self.mantel is not None:
            return self.mantel.p_value
        return self.mh.p_value if self.mh is not None else math.nan
