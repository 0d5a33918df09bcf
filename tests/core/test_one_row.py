"""The one-row path of ``Screener.score`` against the batch path, by property.

``Screener.score`` scores one candidate of an agreement instrument in plain Python (the service's and
``score-one``'s case); ``score_responses`` and ``results`` score arrays. Both must give the same
decision: the same profile, flags, band, review and reason texts, exactly, and the same numbers.
Numbers are compared with an absolute tolerance of 1e-9. The one-row path repeats the batch's
operations in the same order (sums term by term, numpy's exp and log), so in practice they are the
same floats; they must be, wherever a number is rounded (the fit to 0.1, its parts to 0.001), or a
value on a rounding tie could round two ways.
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from profilefit.core.artifact import load_artifact, reference_model_path
from profilefit.core.fit import builtin_roles, load_role
from profilefit.core.instrument import BLOCK_ANSWERS, Instrument, load_instrument
from profilefit.core.scoring import Responses, forced_choice_row
from profilefit.core.screening import Screener, ScreeningResult
from profilefit.core.validity import (
    FLAG_IDS,
    _ideal_answers,
    forced_choice_validity_row,
    role_order_table,
    validity_flags,
    validity_row,
)
from tests.strategies import assessments, roles

#: Numbers of the two paths may differ by this much (absolute); see the module docstring.
TOLERANCE = 1e-9

INSTRUMENT = load_instrument()


@functools.cache
def artifact(name: str) -> Any:
    return load_artifact(reference_model_path(name))


@functools.cache
def screener(model: str, role: str | None, min_confidence: float | None, log: str | None = None) -> Screener:
    return Screener(artifact(model), role=role, min_confidence=min_confidence, decision_log=log)


def assert_same(row: Any, batch: Any, path: str = "", tolerance: float = TOLERANCE) -> None:
    """Equal structure and text; floats within ``tolerance`` (nan only where the other is nan)."""
    if isinstance(row, dict):
        assert isinstance(batch, dict) and list(row) == list(batch), path
        for key in row:
            assert_same(row[key], batch[key], f"{path}.{key}", tolerance)
    elif isinstance(row, list):
        assert isinstance(batch, list) and len(row) == len(batch), path
        for k, (a, b) in enumerate(zip(row, batch, strict=True)):
            assert_same(a, b, f"{path}[{k}]", tolerance)
    elif isinstance(row, float) and not isinstance(batch, bool):
        assert isinstance(batch, float | int), path
        assert (math.isnan(row) and math.isnan(batch)) or abs(row - batch) <= tolerance, (path, row, batch)
    else:
        assert type(row) is type(batch) and row == batch, (path, row, batch)


@st.composite
def careless(draw: st.DrawFn, instrument: Instrument) -> dict[str, Any]:
    """An assessment answered at random with blanks, or in a careless pattern the validity flags look for."""
    record: dict[str, Any] = draw(assessments(instrument))
    pattern = draw(st.sampled_from(["random", "one answer", "extremes", "alternating", "blank"]))
    low, high = instrument.response_scale.min, instrument.response_scale.max
    constant = draw(st.integers(low, high))
    for k, item in enumerate(instrument.items):
        if pattern == "one answer":
            record[item.id] = constant
        elif pattern == "extremes":  # the desirable end of every rated statement: idealised responding
            record[item.id] = high if (item.desirability or 0.0) >= 0 else low
        elif pattern == "alternating":
            record[item.id] = low if k % 2 else high
        elif pattern == "blank" and draw(st.booleans()):
            record.pop(item.id, None)
    if set(record) == {"candidate_id"}:  # blanked whole: refused at every door (test_a_record_answering_nothing...)
        record[instrument.items[0].id] = constant
    if draw(st.booleans()):  # too fast, or a plausible time
        record["completion_seconds"] = draw(st.sampled_from([30.0, 299.5, 720.0, 1e4]))
    return record


def batch_result(scorer: Screener, record: dict[str, Any]) -> tuple[ScreeningResult, Any]:
    validated = scorer.validate(record)
    batch = scorer.score_responses(Responses.from_records(scorer.instrument, [validated.model_dump()]))
    return scorer.results(batch)[0], batch


ROLES = [None, *builtin_roles()]


@given(
    record=careless(INSTRUMENT),
    role=st.sampled_from(ROLES),
    min_confidence=st.sampled_from([None, 0.0, 0.3, 0.5, 1.0]),
)
def test_one_row_gives_the_batch_decision_and_numbers_on_1_2(record, role, min_confidence):
    scorer = screener("reference", role, min_confidence)
    one = scorer.score(record)
    batch, _ = batch_result(scorer, record)
    assert_same(one.model_dump(), batch.model_dump())
    # Built without validation: what validation would build from the same values.
    assert ScreeningResult.model_validate(one.model_dump()).model_dump() == one.model_dump()


@given(record=careless(INSTRUMENT), role=roles(INSTRUMENT.scale_ids, builtin=False))
def test_one_row_gives_the_batch_decision_for_any_role(record, role):
    scorer = Screener(artifact("reference"), role=role)
    assert_same(scorer.score(record).model_dump(), batch_result(scorer, record)[0].model_dump())


@given(record=careless(INSTRUMENT), role=st.sampled_from(ROLES))
def test_one_row_writes_the_batch_decision_record(tmp_path_factory, record, role):
    log = str(tmp_path_factory.mktemp("log") / "decisions.jsonl")
    assert_logs_the_batch_record(Screener(artifact("reference"), role=role, decision_log=log), record, log)


def assert_logs_the_batch_record(scorer: Screener, record: dict[str, Any], log: str) -> None:
    """``score`` appends the record ``decision_records`` gives for the same candidate scored as a batch."""
    scorer.score(record)
    with open(log, encoding="utf-8") as lines:
        written = json.loads(lines.readlines()[-1])
    _, batch = batch_result(scorer, record)
    expected = scorer.decision_records(batch, inputs=[scorer.validate(record)])[0]
    written.pop("time"), expected.pop("time")
    assert_same(written, json.loads(json.dumps(expected)))


@given(record=careless(INSTRUMENT))
def test_validity_row_equals_the_batch_flags(record):
    scorer = screener("reference", None, None)
    responses = Responses.from_records(INSTRUMENT, [scorer.validate(record).model_dump()])
    scores = scorer.score_responses(responses).scores
    flags = validity_flags(responses, scores)
    row = validity_row(
        INSTRUMENT,
        responses.items[0].tolist(),
        responses.checks[0].tolist(),
        float(responses.seconds[0]),
        scores.scales[0].tolist(),
        scores.situational[0].tolist(),
    )
    assert row.ids() == flags.ids(0)
    assert [row.detail(flag) for flag in row.ids()] == [flags.detail(0, flag) for flag in flags.ids(0)]
    assert row.any == bool(flags.any[0])
    assert_same(row.idealised_index, float(flags.idealised_index[0]))


@st.composite
def careless_2(draw: st.DrawFn, instrument: Instrument, role: str | None) -> dict[str, Any]:
    """A 2.0 assessment answered at random with blanks, or in a pattern the validity flags look for."""
    record: dict[str, Any] = draw(assessments(instrument))
    pattern = draw(st.sampled_from(["random", "one answer", "desirable", "role", "blank"]))
    constant = draw(st.sampled_from(BLOCK_ANSWERS))
    ideal, _ = _ideal_answers(instrument)
    pull = None if role is None else load_role(role)
    pulls = None if pull is None else np.array([pull.pull(s.scale, s.reverse) for s in instrument.statements])
    order = None if pulls is None else role_order_table(instrument, pulls)[0][0]  # both marks in the role's order
    for block, block_id in enumerate(instrument.block_ids):
        answer = draw(st.sampled_from(BLOCK_ANSWERS))
        if pattern == "one answer":
            answer = constant
        elif pattern == "desirable" and ideal[block].any():  # idealised responding, as the flag reads it
            answer = BLOCK_ANSWERS[int(np.flatnonzero(ideal[block])[0])]
        elif pattern == "role" and order is not None and order[block, 1:].any():  # the role's order
            answer = BLOCK_ANSWERS[int(np.flatnonzero(order[block, 1:])[0])]
        if (pattern == "blank" and draw(st.booleans())) or draw(st.integers(0, 15)) == 0:
            record.pop(block_id, None)
        else:
            record[block_id] = answer
    if set(record) == {"candidate_id"}:  # blanked whole: refused at every door (test_a_record_answering_nothing...)
        record[instrument.block_ids[0]] = constant
    if draw(st.booleans()):  # too fast, or a plausible time
        record["completion_seconds"] = draw(st.sampled_from([30.0, 299.5, 900.0, 1e4]))
    return record


@given(data=st.data(), role=st.sampled_from(ROLES))
def test_forced_choice_gives_the_batch_decision_on_2_0(data, role):
    """The one-row path on 2.0 gives the batch's result: the Thurstonian scores and standard errors bit for bit.

    They are the same operations in the same order by construction (``map_row``). The other figures
    (probabilities, percentiles, fit) go through numpy's ``exp`` on a row against a batch, as on 1.2, so
    they are held to TOLERANCE here on any machine (on this one 1,500 examples gave the same floats).
    """
    scorer = screener("reference-2.0", None if role is None else load_role(role).id, None)
    record = data.draw(careless_2(scorer.instrument, role))
    one, (batch, _) = scorer.score(record), batch_result(scorer, record)
    assert_same(one.model_dump(), batch.model_dump())
    assert [(s.score, s.standard_error) for s in one.scales] == [(s.score, s.standard_error) for s in batch.scales]
    assert ScreeningResult.model_validate(one.model_dump()).model_dump() == one.model_dump()


@given(data=st.data(), role=st.sampled_from(ROLES))
def test_forced_choice_validity_row_equals_the_batch_flags(data, role):
    scorer = screener("reference-2.0", None if role is None else load_role(role).id, None)
    record = data.draw(careless_2(scorer.instrument, role))
    responses = Responses.from_records(scorer.instrument, [scorer.validate(record).model_dump()])
    scores = scorer.score_responses(responses).scores
    flags = validity_flags(responses, scores, scorer._role_pull)
    blocks = responses.blocks[0].tolist()
    *_, person_fit = forced_choice_row(scorer.instrument, scorer.thurstonian, blocks)
    row = forced_choice_validity_row(
        scorer.instrument,
        blocks,
        responses.checks[0].tolist(),
        float(responses.seconds[0]),
        scores.scales[0].tolist(),
        scores.situational[0].tolist(),
        scorer._role_order,
        person_fit,
    )
    # Person fit, one row against the batch: the same float (nan where unscored).
    assert flags.person_fit is not None
    assert person_fit == flags.person_fit[0] or (math.isnan(person_fit) and math.isnan(flags.person_fit[0]))
    assert row.ids() == flags.ids(0)
    assert [row.detail(flag) for flag in FLAG_IDS] == [flags.detail(0, flag) for flag in FLAG_IDS]
    assert row.any == bool(flags.any[0])
    assert_same(row.idealised_index, float(flags.idealised_index[0]))


@given(data=st.data(), role=st.sampled_from(ROLES))
def test_one_row_writes_the_batch_decision_record_on_2_0(tmp_path_factory, data, role):
    log = str(tmp_path_factory.mktemp("log") / "decisions.jsonl")
    scorer = Screener(artifact("reference-2.0"), role=role, decision_log=log)
    assert_logs_the_batch_record(scorer, data.draw(careless_2(scorer.instrument, role)), log)
