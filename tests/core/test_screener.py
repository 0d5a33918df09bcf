import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given
from pydantic import ValidationError

from profilefit.core.instrument import load_instrument
from profilefit.core.profiles import PROFILE_IDS
from profilefit.core.scoring import Responses
from profilefit.core.screening import NOTICE, UNDETERMINED, Screener, ScreeningResult
from profilefit.data.simulate import simulate
from tests.strategies import assessments

INSTRUMENT = load_instrument()
SCREENER = Screener.load()


@given(assessments(INSTRUMENT))
def test_result_round_trips_through_json(record):
    result = SCREENER.score(record)
    assert ScreeningResult.model_validate_json(result.model_dump_json()) == result
    assert ScreeningResult.model_validate(json.loads(json.dumps(result.model_dump(mode="json")))) == result


@given(assessments(INSTRUMENT))
def test_probabilities_sum_to_one_and_same_input_gives_same_output(record):
    first, second = SCREENER.score(record), SCREENER.score(json.dumps(record))
    assert first == second
    assert sum(first.probabilities.values()) == pytest.approx(1.0)
    assert list(first.probabilities) == list(PROFILE_IDS)
    assert first.top_profile != first.second_profile
    assert first.confidence == max(first.probabilities.values())


def test_undetermined_below_the_stated_confidence():
    records = simulate(300, seed=31).responses.to_records()
    strict = Screener.load(min_confidence=0.99)
    results = [strict.score(r) for r in records]
    assert all(r.profile == UNDETERMINED for r in results)
    # With a complete fit, an undetermined profile alone is shown, not a reason for review.
    assert all(r.needs_human_review == (bool(r.flags) or r.fit.band is None) for r in results)
    unbound = [Screener.load(min_confidence=0.99, role=None).score(r) for r in records[:20]]
    assert all(r.needs_human_review for r in unbound)  # without a fit the profile is all there is
    relaxed = [SCREENER.score(r) for r in records]
    assert any(r.profile != UNDETERMINED for r in relaxed)
    for r in relaxed:
        assert (r.profile == UNDETERMINED) == (r.confidence < r.min_confidence)


def test_too_few_answers_leave_the_profile_undetermined():
    record = {"candidate_id": "thin"} | {item.id: 4 for item in INSTRUMENT.items if item.scale != "empathy"}
    result = SCREENER.score(record | {scenario: "a" for scenario in INSTRUMENT.scenario_ids})
    assert result.profile == UNDETERMINED
    assert result.needs_human_review
    assert "too_many_missing" in {flag.flag for flag in result.flags}


def test_explanation_names_the_scales_that_moved_the_candidate():
    # A candidate who strongly takes charge and owns problems, and never accommodates.
    record = {"candidate_id": "c-1"}
    for item in INSTRUMENT.items:
        high = item.scale in {"taking_charge", "ownership", "composure"}
        keyed = 6 if high else (1 if item.scale == "accommodation" else 3)
        record[item.id] = 7 - keyed if item.reverse else keyed
    for scenario in INSTRUMENT.scenarios:
        keys = {o.key: o.id for o in scenario.options}
        record[scenario.id] = keys.get("controller", scenario.options[0].id)
    result = SCREENER.score(record)
    assert result.top_profile == "controller"
    top_features = [c.feature for c in result.explanation.contributions[:4]]
    assert {"taking_charge", "sjt_controller", "ownership", "accommodation"} & set(top_features)
    assert result.explanation.towards == "controller"
    assert abs(result.explanation.contributions[0].contribution) >= abs(
        result.explanation.contributions[-1].contribution
    )
    assert result.notice == NOTICE


def test_batch_core_equals_one_call_per_candidate():
    responses = simulate(200, seed=32).responses
    batch = SCREENER.results(SCREENER.score_responses(responses))
    for record, from_batch in zip(responses.to_records(), batch, strict=True):
        single = SCREENER.score(record)
        for profile in PROFILE_IDS:
            assert single.probabilities[profile] == pytest.approx(from_batch.probabilities[profile], abs=1e-12)
        assert single.top_profile == from_batch.top_profile
        assert single.flags == from_batch.flags


def test_scoring_from_many_threads_gives_the_same_results():
    records = simulate(200, seed=33).responses.to_records()
    sequential = [SCREENER.score(r) for r in records]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(SCREENER.score, records))
    assert parallel == sequential


def test_careless_answers_raise_flags_and_ask_for_review():
    record = {"candidate_id": "fast", "completion_seconds": 60.0} | {item.id: 4 for item in INSTRUMENT.items}
    result = SCREENER.score(record)
    flags = {flag.flag for flag in result.flags}
    assert {"straight_lining", "too_fast", "failed_attention_check"} <= flags
    assert result.needs_human_review
    assert all(flag.detail for flag in result.flags)


def test_invalid_assessment_raises_naming_the_item():
    with pytest.raises(ValidationError, match="tc1"):
        SCREENER.score({"candidate_id": "x", "tc1": 9})


def test_decision_log_keeps_no_answers(tmp_path):
    log = tmp_path / "decisions.jsonl"
    screener = Screener.load(decision_log=log)
    record = {"candidate_id": "Ærlig Øystein", "tc1": 5, "em2": 2}
    screener.score(record)
    screener.score(record)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    assert lines[0]["input_sha256"] == lines[1]["input_sha256"]
    assert set(lines[0]) == {
        "kind",
        "time",
        "profilefit",
        "model_id",
        "model_sha256",
        "instrument",
        "norm_group",
        "min_confidence",
        "role",
        "role_sha256",
        "candidate",
        "input_sha256",
        "result",
    }
    text = log.read_text(encoding="utf-8")
    assert "Øystein" not in text and "tc1" not in text
    assert lines[0]["model_sha256"] == screener.model_info.sha256


def test_responses_round_trip_through_records():
    responses = simulate(50, seed=34).responses
    again = Responses.from_records(INSTRUMENT, responses.to_records())
    np.testing.assert_array_equal(again.items, responses.items)
    np.testing.assert_array_equal(again.choices, responses.choices)


def test_score_many_equals_one_call_each():
    records = simulate(20, seed=35).responses.to_records()
    for many, single in zip(SCREENER.score_many(records), [SCREENER.score(r) for r in records], strict=True):
        # A batch's matrix product may differ from one row's in the last bits (see the batch test above).
        for profile in PROFILE_IDS:
            assert many.probabilities[profile] == pytest.approx(single.probabilities[profile], abs=1e-12)
        assert (many.candidate_id, many.top_profile, many.flags) == (
            single.candidate_id,
            single.top_profile,
            single.flags,
        )
    with pytest.raises(ValidationError, match="tc1"):
        SCREENER.score_many([records[0], {"candidate_id": "bad", "tc1": 0}])
