"""Answer sheets for instrument 2.0 written by hand, as an applicant who answers to look good would.

Each sheet was written by reading the statements and scenarios in English, without the scales, the
keying or the desirability ratings, by someone answering for the role's description ("take charge and
fix it" for complex-case; friendly, patient and by the rules for transactional). They test the
idealised flag against faking the simulation's push along our ratings does not produce. The rule a
recruiter relies on: such a sheet is never a strong fit without a flag. docs/faking.md, "Faking on
forced choice", says what the flag does not catch (an applicant who fakes only some blocks).
"""

from __future__ import annotations

from typing import Any

import pytest

from profilefit.core.screening import Screener

#: Most, then least, per block b01-b24: the complex-case role's description mirrored.
TAKE_CHARGE = "ba ab ca ca cb ba ca ab ba ab ab ac ba ca ac ba cb ac ba ab bc ab ca ac"
TAKE_CHARGE_SCENARIOS = dict(sj1="a", sj2="d", sj3="b", sj4="a", sj5="c", sj6="b", sj7="c", sj8="d", sj9="b", sj10="a")
#: The same for a transactional job: friendly, patient, accommodating, by the rules.
BY_THE_RULES = "ba ab bc cb ab bc ba bc ab ac bc bc ca cb ab ca ac ab ba cb bc ba ac ac"
BY_THE_RULES_SCENARIOS = dict(sj1="a", sj2="a", sj3="d", sj4="b", sj5="b", sj6="d", sj7="a", sj8="b", sj9="a", sj10="b")
CLAIMS = {
    "modest": dict(vc1=2, vc2=4, vc3=2, vc4=3, vc5=4, vc6=1),
    "all disagreed": dict.fromkeys([f"vc{k}" for k in range(1, 7)], 1),
    "all agreed": dict.fromkeys([f"vc{k}" for k in range(1, 7)], 5),
    "blank": {},
}


def sheet(blocks: str, scenarios: dict[str, str], claims: dict[str, int]) -> dict[str, Any]:
    answers = dict(zip([f"b{k:02d}" for k in range(1, 25)], blocks.split(), strict=True))
    record: dict[str, Any] = {"candidate_id": "by-hand", "completion_seconds": 900.0, "chk1": 2, "chk2": 5}
    return {**record, **answers, **scenarios, **claims}


@pytest.fixture(scope="module")
def screeners() -> dict[str, Screener]:
    return {role: Screener.load("reference-2.0", role=role) for role in ("complex-case", "transactional")}


@pytest.mark.parametrize("claims", sorted(CLAIMS))
@pytest.mark.parametrize(
    ("role", "blocks", "scenarios"),
    [
        ("complex-case", TAKE_CHARGE, TAKE_CHARGE_SCENARIOS),
        ("transactional", BY_THE_RULES, BY_THE_RULES_SCENARIOS),
    ],
)
def test_a_sheet_faked_by_hand_for_the_role_is_flagged_idealised_and_sent_to_review(
    screeners: dict[str, Screener], role: str, blocks: str, scenarios: dict[str, str], claims: str
) -> None:
    result = screeners[role].score(sheet(blocks, scenarios, CLAIMS[claims]))
    assert result.fit is not None
    flags = {flag.flag for flag in result.flags}
    assert "idealised" in flags, (role, claims, result.fit.score)
    assert result.needs_human_review
    # The faking worked on the fit (that is why the flag matters): these sheets are strong fits.
    assert result.fit.band == "strong"


def test_the_flag_reads_the_roles_order_where_the_generic_order_misses(screeners: dict[str, Screener]) -> None:
    """The transactional sheet follows our desirability ratings in only some blocks; the role's order catches it."""
    result = screeners["transactional"].score(sheet(BY_THE_RULES, BY_THE_RULES_SCENARIOS, CLAIMS["modest"]))
    detail = next(flag.detail for flag in result.flags if flag.flag == "idealised")
    assert "the statement the role favours most marked most" in detail
    without_role = Screener.load("reference-2.0", role=None).score(
        sheet(BY_THE_RULES, BY_THE_RULES_SCENARIOS, CLAIMS["modest"])
    )
    assert "idealised" not in {flag.flag for flag in without_role.flags}


def half_faked(blocks: str, side: str, parity: int) -> str:
    """The sheet with, in every other block, the ``side`` mark ("most" or "least") moved to the third statement."""
    moved = []
    for k, answer in enumerate(blocks.split()):
        if k % 2 == parity:
            third = next(label for label in "abc" if label not in answer)
            answer = answer[0] + third if side == "least" else third + answer[1]
        moved.append(answer)
    return " ".join(moved)


@pytest.mark.parametrize("parity", [0, 1])
@pytest.mark.parametrize(
    ("role", "blocks", "scenarios", "side"),
    [
        ("complex-case", TAKE_CHARGE, TAKE_CHARGE_SCENARIOS, "least"),
        ("complex-case", TAKE_CHARGE, TAKE_CHARGE_SCENARIOS, "most"),
        ("transactional", BY_THE_RULES, BY_THE_RULES_SCENARIOS, "most"),
    ],
)
def test_a_sheet_faked_on_one_side_of_every_block_is_flagged(
    screeners: dict[str, Screener], role: str, blocks: str, scenarios: dict[str, str], side: str, parity: int
) -> None:
    """One mark of every block faked, the other moved in half the blocks: the one-side rule of the role's order.

    The transactional sheet with its least marks moved keeps its most marks in the role's order in only 17 of
    24 blocks and is not caught (docs/faking.md, "One side of every block").
    """
    result = screeners[role].score(sheet(half_faked(blocks, side, parity), scenarios, CLAIMS["modest"]))
    assert "idealised" in {flag.flag for flag in result.flags}, (role, side, parity, result.fit)
    assert result.needs_human_review
