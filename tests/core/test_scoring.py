from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from profilefit.core.instrument import load_instrument
from profilefit.core.scoring import (
    NormGroup,
    Responses,
    bundled_norms,
    cronbach_alpha,
    scale_reliability,
    score_responses,
)
from profilefit.core.scoring import _norms as norms_module
from tests.strategies import assessments

INSTRUMENT = load_instrument()


def _score(records, instrument=INSTRUMENT):
    return score_responses(Responses.from_records(instrument, records))


@given(assessments(INSTRUMENT, missing=False), st.sampled_from(INSTRUMENT.scale_ids))
def test_reversing_a_scales_answers_mirrors_its_score(record, scale_id):
    low, high = 1, 6
    mirrored = dict(record)
    for item in INSTRUMENT.items_of(scale_id):
        mirrored[item.id] = low + high - record[item.id]
    k = INSTRUMENT.scale_ids.index(scale_id)
    original, flipped = _score([record]).scales[0, k], _score([mirrored]).scales[0, k]
    assert flipped == pytest.approx(low + high - original)


@given(st.lists(assessments(INSTRUMENT), min_size=1, max_size=12))
@pytest.mark.slow
def test_batch_scoring_equals_one_candidate_at_a_time(records):
    batch = _score(records)
    for row, record in enumerate(records):
        single = _score([record])
        np.testing.assert_array_equal(batch.scales[row], single.scales[0])
        np.testing.assert_array_equal(batch.situational[row], single.situational[0])
        np.testing.assert_array_equal(batch.answered[row], single.answered[0])


def _scored_by_definition(record, instrument=INSTRUMENT):
    """Scale and situational scores of one record, straight from the definitions in scoring's docs."""
    low, high = instrument.response_scale.min, instrument.response_scale.max
    scales = []
    for scale_id in instrument.scale_ids:
        items = instrument.items_of(scale_id)
        keyed = [low + high - record[i.id] if i.reverse else record[i.id] for i in items if i.id in record]
        scales.append(sum(keyed) / len(keyed) if 2 * len(keyed) >= len(items) else np.nan)
    chosen = [next(o.key for o in s.options if o.id == record[s.id]) for s in instrument.scenarios if s.id in record]
    enough = 2 * len(chosen) >= len(instrument.scenarios)
    situational = [chosen.count(key) / len(chosen) if enough else np.nan for key in instrument.situational_keys]
    return np.array(scales), np.array(situational)


@given(st.lists(assessments(INSTRUMENT), min_size=1, max_size=12))
@pytest.mark.slow
def test_vectorized_scores_equal_the_definitions(records):
    scored = _score(records)
    for row, record in enumerate(records):
        scales, situational = _scored_by_definition(record)
        np.testing.assert_allclose(scored.scales[row], scales, rtol=0, atol=1e-12)
        np.testing.assert_allclose(scored.situational[row], situational, rtol=0, atol=1e-12)


@given(st.lists(assessments(INSTRUMENT), min_size=1, max_size=12))
@pytest.mark.slow
def test_scores_from_answer_codes_equal_scores_from_the_floats_bit_for_bit(records):
    responses = Responses.from_records(INSTRUMENT, records)
    as_floats = Responses.from_records(INSTRUMENT, records)
    as_floats.__dict__["answer_codes"] = None  # as if some answer were off the scale: the float path
    from_codes, from_floats = score_responses(responses), score_responses(as_floats)
    assert responses.answer_codes is not None
    np.testing.assert_array_equal(from_codes.scales, from_floats.scales)
    np.testing.assert_array_equal(from_codes.answered, from_floats.answered)


def test_reverse_keyed_items_are_scored_seven_minus_the_answer():
    scale = INSTRUMENT.scale_ids[0]
    items = INSTRUMENT.items_of(scale)
    record = {"candidate_id": "c"} | {item.id: 6 for item in items}
    n_reverse = sum(item.reverse for item in items)
    expected = (6 * (len(items) - n_reverse) + 1 * n_reverse) / len(items)
    assert _score([record]).scales[0, 0] == pytest.approx(expected)


def test_missing_rule_needs_half_of_a_scales_items():
    items = INSTRUMENT.items_of("taking_charge")  # 6 items: 3 answered are enough, 2 are not
    forward = [item for item in items if not item.reverse]
    three = {"candidate_id": "c"} | {item.id: 5 for item in forward[:3]}
    two = {"candidate_id": "c"} | {item.id: 5 for item in forward[:2]}
    assert _score([three]).scales[0, 0] == 5.0
    assert np.isnan(_score([two]).scales[0, 0])
    assert _score([two]).answered[0, 0] == 2


def test_situational_scores_are_shares_of_answered_scenarios():
    record = {"candidate_id": "c"}
    for scenario in INSTRUMENT.scenarios:
        controller = [o.id for o in scenario.options if o.key == "controller"]
        record[scenario.id] = controller[0] if controller else scenario.options[0].id
    shares = _score([record]).situational[0]
    keys = INSTRUMENT.situational_keys
    n_controller = sum(any(o.key == "controller" for o in s.options) for s in INSTRUMENT.scenarios)
    assert shares[keys.index("controller")] == pytest.approx(n_controller / len(INSTRUMENT.scenarios))
    assert shares.sum() == pytest.approx(1.0)
    assert np.isnan(_score([{"candidate_id": "c", "sj1": "a"}]).situational[0]).all()


def test_alpha_equals_a_hand_computed_value():
    # Item variances 1.6667 and 1.5833, total-score variance 6.25 (ddof=1):
    # alpha = 2 * (1 - 3.25 / 6.25) = 0.96
    data = np.array([[1, 2], [2, 3], [3, 3], [4, 5]], dtype=float)
    assert cronbach_alpha(data) == pytest.approx(0.96)


@given(st.integers(2, 6), st.integers(3, 30), st.integers(0, 10_000))
def test_alpha_matches_the_textbook_formula(k, n, seed):
    data = np.random.default_rng(seed).integers(1, 7, size=(n, k)).astype(float)
    total_var = data.sum(axis=1).var(ddof=1)
    if total_var == 0:
        assert np.isnan(cronbach_alpha(data))
        return
    expected = k / (k - 1) * (1 - sum(np.var(data[:, j], ddof=1) for j in range(k)) / total_var)
    assert cronbach_alpha(data) == pytest.approx(expected)


def test_reliability_reports_alpha_and_item_total_per_scale():
    from profilefit.data.simulate import simulate

    results = scale_reliability(simulate(3000, seed=5).responses)
    assert [r.scale for r in results] == list(INSTRUMENT.scale_ids)
    for result in results:
        assert 0.6 < result.alpha < 0.95
        assert len(result.item_total) == result.n_items
        assert all(0.2 < r < 0.9 for r in result.item_total.values())


def test_percentiles_are_mid_rank_against_the_norm_group():
    norms = NormGroup.from_scores("four", ["a"], np.array([[1.0], [2.0], [2.0], [4.0]]))
    # 2.0: one below, two equal -> (1 + 0.5 * 2) / 4 = 50 %
    got = norms.percentiles(np.array([[2.0], [0.5], [5.0], [3.0], [np.nan]]))[:, 0]
    np.testing.assert_allclose(got[:4], [50.0, 0.0, 100.0, 75.0])
    assert np.isnan(got[4])


def test_norm_group_round_trips_through_its_file(tmp_path):
    norms = bundled_norms()
    norms.save(tmp_path / "norms.json")
    assert NormGroup.load(tmp_path / "norms.json") == norms
    assert "simulated" in norms.name


def test_stens_are_five_and_a_half_plus_two_per_sd_rounded_and_clipped():
    norms = NormGroup.from_scores("flat", ["a"], np.array([[1.0], [3.0], [5.0]]))  # mean 3, SD 2
    got = norms.stens(np.array([[3.0], [5.0], [1.0], [40.0], [-40.0]]))[:, 0]
    np.testing.assert_array_equal(got, [6.0, 8.0, 4.0, 10.0, 1.0])  # 5.5 rounds half to even


def test_custom_instrument_scores_on_its_own_range(custom_instrument):
    record = {"candidate_id": "c", "calm1": 5, "calm2": 5, "calm3": 1, "drive1": 1, "drive2": 1, "drive3": 5}
    scores = _score([record], custom_instrument)
    np.testing.assert_allclose(scores.scales[0], [5.0, 1.0])  # reverse key on 1..5 is 6 - answer
    assert scores.situational.shape == (1, 0)


@given(
    st.lists(
        st.one_of(
            st.integers(6, 36).map(lambda total: total / 6),  # six answered items
            st.integers(3, 18).map(lambda total: total / 3),  # three answered items
            st.floats(0.0, 7.0, allow_nan=False),  # anything else, on or off the grid
            st.just(float("nan")),
        ),
        min_size=300,
        max_size=600,
    )
)
@pytest.mark.slow
def test_table_lookup_of_percentiles_equals_the_search(column):
    norms = bundled_norms()
    scale_ids = tuple(norms.scales)[:2]
    scores = np.column_stack([column, column[::-1]])
    big = norms.percentiles(scores, scale_ids)  # 300+ rows: the table path
    one_by_one = np.vstack([norms.percentiles(scores[k : k + 1], scale_ids) for k in range(len(column))])
    np.testing.assert_array_equal(big, one_by_one)


def _searched_in_one_array(norms: NormGroup, scores: np.ndarray, scale_ids: tuple[str, ...]) -> np.ndarray:
    """The search as first written: every scale's scores in one search of the whole stacked array, unsorted.

    Valid for scores within the stacked array's spacing of the norm values (as every real score is);
    :func:`_searched_plainly` is the rule for any score.
    """
    values, cumulative, bases, offsets, _ = norms._stacked(scale_ids)
    shifted = scores + offsets
    below = cumulative[np.searchsorted(values, (shifted - 1e-9).ravel(), side="left")].reshape(scores.shape) - bases
    up_to = cumulative[np.searchsorted(values, (shifted + 1e-9).ravel(), side="right")].reshape(scores.shape) - bases
    totals = np.array([float(sum(norms.scales[s].counts)) for s in scale_ids])
    return np.where(np.isnan(scores), np.nan, 100.0 * (below + 0.5 * (up_to - below)) / totals)


def _searched_plainly(norms: NormGroup, scores: np.ndarray, scale_ids: tuple[str, ...]) -> np.ndarray:
    """The rule for any score: one plain binary search of each scale's own stretch of the stacked values.

    The same shifted keys as the search of the whole array (so the same ties within 1e-9), but a score far
    past a scale's values stays in that scale's stretch: its percentile is 0 or 100, never another scale's.
    """
    values, cumulative, bases, offsets, starts = norms._stacked(scale_ids)
    result = np.full(scores.shape, np.nan)
    for k, scale_id in enumerate(scale_ids):
        stretch = values[starts[k] : starts[k + 1]]
        present = ~np.isnan(scores[:, k])
        shifted = scores[present, k] + offsets[k]
        below = cumulative[starts[k] + np.searchsorted(stretch, shifted - 1e-9, side="left")] - bases[k]
        up_to = cumulative[starts[k] + np.searchsorted(stretch, shifted + 1e-9, side="right")] - bases[k]
        total = float(sum(norms.scales[scale_id].counts))
        result[present, k] = 100.0 * (below + 0.5 * (up_to - below)) / total
    return result


@given(
    n=st.sampled_from([1, 40, 2047, 2048, 5000]),  # below and above the size from which keys are sorted
    seed=st.integers(0, 10_000),
    on_values=st.floats(0.0, 1.0),
    nan_share=st.floats(0.0, 0.5),
)
@pytest.mark.parametrize("instrument_id", ["customer-contact", "customer-contact-2.0"])
def test_searching_each_scale_apart_and_sorted_finds_what_one_search_found(
    instrument_id, n, seed, on_values, nan_share
):
    """The norms search per scale, with sorted keys, gives the very percentiles of one search (no tolerance)."""
    from importlib import resources

    instrument = load_instrument(instrument_id)
    # 2.0: the simulated norm group shipped beside the instrument (continuous Thurstonian scores).
    shipped = resources.files("profilefit.core.instrument").joinpath("data", "customer_contact_2.norms.json")
    norms = NormGroup.load(str(shipped)) if instrument.format == "forced_choice" else bundled_norms()
    scale_ids = instrument.scale_ids
    rng = np.random.default_rng(seed)
    low = min(min(norms.scales[s].values) for s in scale_ids)
    high = max(max(norms.scales[s].values) for s in scale_ids)
    scores = rng.uniform(low - 0.5, high + 0.5, size=(n, len(scale_ids)))
    # Some scores sit exactly on a norm value, or within the tie tolerance of one.
    exact = rng.random(scores.shape) < on_values
    for k, scale_id in enumerate(scale_ids):
        norm_values = np.asarray(norms.scales[scale_id].values)
        picks = norm_values[rng.integers(0, len(norm_values), size=n)] + rng.choice([0.0, 5e-10, -5e-10, 2e-9], size=n)
        scores[exact[:, k], k] = picks[exact[:, k]]
    scores[rng.random(scores.shape) < nan_share] = np.nan
    expected = _searched_in_one_array(norms, scores, scale_ids)
    np.testing.assert_array_equal(norms._searched(scores, scale_ids), expected)
    # The shipped norms have too few values per scale for the sorted search: it is taken here on purpose.
    with (
        mock.patch.object(norms_module, "_SORTED_SEARCH_MIN", 2),
        mock.patch.object(norms_module, "_SORTED_SEARCH_MIN_VALUES", 2),
    ):
        np.testing.assert_array_equal(norms._searched(scores, scale_ids), expected)


@given(
    n_norm=st.integers(1, 6000),
    n=st.sampled_from([1, 255, 256, 3000]),
    seed=st.integers(0, 10_000),
    on_values=st.floats(0.0, 1.0),
    spread=st.sampled_from([1e-6, 1.0, 50.0]),
)
@example(n_norm=1, n=255, seed=0, on_values=0.0, spread=50.0)  # scores far past a one-value group (a CI find)
@settings(max_examples=40, deadline=None)
def test_the_bucket_search_finds_what_one_search_found_in_any_norm_group(n_norm, n, seed, on_values, spread):
    """Norm groups of one to thousands of values, crowded or spread, keys on, near and between them."""
    rng = np.random.default_rng(seed)
    scale_ids = ("a", "b")
    norm_scores = rng.standard_normal((n_norm, 2)) * spread
    norm_scores[rng.random(norm_scores.shape) < 0.3] = 0.25 * spread  # one value many had
    norms = NormGroup.from_scores("any", scale_ids, norm_scores)
    scores = rng.standard_normal((n, 2)) * spread * 1.2
    for k, scale_id in enumerate(scale_ids):
        values = np.asarray(norms.scales[scale_id].values)
        exact = rng.random(n) < on_values
        picks = values[rng.integers(0, len(values), size=n)] + rng.choice([0.0, 5e-10, -5e-10, 2e-9, -1e-9], size=n)
        scores[exact, k] = picks[exact]
    # Scores here reach far past a small group's values (spread 50, one norm value): the plain rule, per scale.
    expected = _searched_plainly(norms, scores, scale_ids)
    np.testing.assert_array_equal(norms._searched(scores, scale_ids), expected)
    with mock.patch.object(norms_module, "_BUCKET_MIN_ROWS", 1):
        np.testing.assert_array_equal(norms._searched(scores, scale_ids), expected)
    assert np.nanmin(expected) >= 0.0 and np.nanmax(expected) <= 100.0
    rows = [norms.percentiles_row(row.tolist(), scale_ids) for row in scores[:20]]  # the one-row path alike
    np.testing.assert_array_equal(np.array(rows), norms._searched(scores[:20], scale_ids))
