"""Hypothesis strategies for profilefit's data: one place, documented, keyword-only bounds."""

from __future__ import annotations

import dataclasses
import re
import string
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from profilefit.core.fit import RoleProfile, builtin_roles, load_role
from profilefit.core.instrument import BLOCK_ANSWERS, Instrument
from profilefit.core.profiles import PROFILE_IDS
from profilefit.core.scoring import Responses
from profilefit.evidence.audit import FIT_BANDS, Demographics, DemographicsTable, ScoredCandidate


def answers(instrument: Instrument, *, missing: bool = True) -> st.SearchStrategy[int | None]:
    """One agreement answer in the instrument's response range, or ``None`` (unanswered) when ``missing``."""
    value = st.integers(instrument.response_scale.min, instrument.response_scale.max)
    return st.one_of(st.none(), value) if missing else value


def candidate_ids() -> st.SearchStrategy[str]:
    """Candidate ids as HR systems send them: printable text, 1–40 characters, æøå included.

    Surrounding space is allowed (the one decision rule strips it), but not an id that is nothing else:
    such an id (" ", or U+00A0 alone) is refused at every door as empty. Control characters (DEL and the
    C1 range among them) are refused anywhere (core.schema.ID_CONTROLS), so none is drawn here.
    """
    return st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=0x24F, blacklist_categories=("Cs", "Cc")),
        min_size=1,
        max_size=40,
    ).filter(lambda text: text.strip() != "")


@st.composite
def assessments(draw: st.DrawFn, instrument: Instrument, *, missing: bool = True) -> dict[str, Any]:
    """A valid assessment as a dict: every question answered or (when ``missing``) left out, never all of them.

    A record that answers no question is refused at every door (:data:`profilefit.core.schema.NO_ANSWERS`), so
    when every question was drawn unanswered one statement is answered.
    """
    record: dict[str, Any] = {"candidate_id": draw(candidate_ids())}
    for item_id in instrument.item_ids:
        value = draw(answers(instrument, missing=missing))
        if value is not None:
            record[item_id] = value
    for scenario in instrument.scenarios:
        choices = [option.id for option in scenario.options]
        value = draw(st.one_of(st.none(), st.sampled_from(choices)) if missing else st.sampled_from(choices))
        if value is not None:
            record[scenario.id] = value
    for check in instrument.attention_checks:
        value = draw(answers(instrument, missing=missing))
        if value is not None:
            record[check.id] = value
    if len(record) == 1 and (questions := [*instrument.item_ids, *instrument.check_ids]):
        # A record that answers nothing is refused at every door (core.schema.NO_ANSWERS): answer one statement.
        record[draw(st.sampled_from(questions))] = draw(answers(instrument, missing=False))
    if draw(st.booleans()):
        record["completion_seconds"] = draw(st.floats(0, 86_400, allow_nan=False))
    return record


@st.composite
def responses(
    draw: st.DrawFn, instrument: Instrument, *, min_rows: int = 1, max_rows: int = 3, blank_share: float = 0.1
) -> Responses:
    """Answer arrays of a few candidates: any answer on the scale, some blank (about ``blank_share``)."""
    n = draw(st.integers(min_rows, max_rows))
    low, high = instrument.response_scale.min, instrument.response_scale.max
    values = draw(hnp.arrays(np.float64, (n, len(instrument.items)), elements=st.integers(low, high).map(float)))
    blank = draw(hnp.arrays(np.float64, values.shape, elements=st.floats(0, 1))) < blank_share
    fewest = min(len(scenario.options) for scenario in instrument.scenarios)
    choices = draw(hnp.arrays(np.int16, (n, len(instrument.scenarios)), elements=st.integers(-1, fewest - 1)))
    checks = draw(
        hnp.arrays(np.float64, (n, len(instrument.attention_checks)), elements=st.integers(low, high).map(float))
    )
    return Responses(
        instrument,
        np.array([f"c{k}" for k in range(n)]),
        np.where(blank, np.nan, values),
        choices,
        checks,
        np.full(n, 600.0),
    )


DIRECTIONS = ("higher", "lower")


@st.composite
def roles(
    draw: st.DrawFn,
    scale_ids: tuple[str, ...],
    *,
    builtin: bool = True,
    situational_keys: tuple[str, ...] = PROFILE_IDS,
) -> RoleProfile:
    """A role over some of ``scale_ids``: a built-in one (when ``builtin``) or any valid role file's content.

    Weights anywhere in (0, 10], either direction, any suitabilities, any scale share, any cut-offs;
    about half weigh the scenarios too, with weights in [-10, 10] on some of ``situational_keys``
    (two of them at least, set apart, so that every scenario offering both tells its options apart).
    """
    if builtin and draw(st.booleans()):
        return load_role(draw(st.sampled_from(builtin_roles())))
    chosen = draw(st.lists(st.sampled_from(scale_ids), min_size=1, unique=True))
    weight = st.floats(0.01, 10.0)
    possible = draw(st.floats(1.0, 98.0))
    scale_share = draw(st.floats(0.0, 1.0))
    combine: dict[str, float] = {"scale_share": scale_share}
    situational: dict[str, float] = {}
    if situational_keys and draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(situational_keys), min_size=2, unique=True))
        situational = {key: draw(st.floats(-10.0, 10.0)) for key in keys}
        situational[keys[0]] = draw(st.sampled_from([-10.0, 10.0]))
        situational[keys[1]] = -situational[keys[0]]
        combine["situational_share"] = draw(st.floats(0.01, 1.0)) * (1.0 - scale_share) or 0.01
        combine["scale_share"] = min(scale_share, 1.0 - combine["situational_share"])
    data = {
        "id": "random-role",
        "name": {"en": "A random role"},
        "description": {"en": "Drawn by Hypothesis."},
        "combine": combine,
        "situational": situational,
        "bands": {"possible": possible, "strong": draw(st.floats(possible + 0.5, 100.0))},
        "scales": {s: {"weight": draw(weight), "direction": draw(st.sampled_from(DIRECTIONS))} for s in chosen},
        "profiles": {p: draw(st.floats(0.0, 1.0)) for p in PROFILE_IDS},
    }
    return RoleProfile.model_validate(data)


def bad_answers(instrument: Instrument) -> st.SearchStrategy[Any]:
    """Values the one row rule refuses for an agreement item: out of range, fractions, booleans, other text.

    Never a spelling the rule reads as an answer (``"4"``, ``4.0``) or as unanswered (``""``, NaN).
    """
    low, high = instrument.response_scale.min, instrument.response_scale.max
    out_of_range = st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1))
    return st.one_of(
        out_of_range,
        out_of_range.map(str),
        st.floats(allow_nan=False).filter(lambda number: not (number.is_integer() and low <= number <= high)),
        st.booleans(),
        st.text(min_size=1, max_size=5).filter(lambda text: text.strip() and not _whole_in_range(text, low, high)),
    )


def _whole_in_range(text: str, low: int, high: int) -> bool:
    """A text the row rule reads as an answer in range: ASCII digits, an optional ``+`` and ``.0``."""
    whole = re.fullmatch(r"[+]?([0-9]+)(?:\.0+)?", text.strip())
    return whole is not None and low <= int(whole.group(1)) <= high


# --- adverse-impact audit ---


def category_names() -> st.SearchStrategy[str]:
    """Category names a demographics file could hold: letters, digits, markup characters; never an unknown token.

    Names contain no "×", so an intersection label splits back into its sex and race/ethnicity.
    """
    alphabet = string.ascii_letters + string.digits + "<>&\"'/ -"
    return (
        st.text(alphabet, min_size=1, max_size=10)
        .map(str.strip)
        .filter(lambda name: name != "" and name.lower() not in {"unknown", "declined"})
    )


def scored_candidates(*, min_size: int = 1, max_size: int = 60) -> st.SearchStrategy[list[ScoredCandidate]]:
    """Scored candidates with ids ``c0``, ``c1``, …; whole-number fit scores so that the median often ties.

    About one in twelve has an incomplete fit: no band, and then often no score.
    """
    complete = st.tuples(st.integers(0, 100).map(float), st.sampled_from(FIT_BANDS))
    incomplete = st.tuples(st.one_of(st.none(), st.integers(0, 100).map(float)), st.none())
    candidate = st.tuples(
        st.sampled_from((*PROFILE_IDS, "undetermined")),
        st.one_of(*[complete] * 11, incomplete),
    ).map(lambda row: (row[0], *row[1]))
    return st.lists(candidate, min_size=min_size, max_size=max_size).map(
        lambda rows: [ScoredCandidate(f"c{k}", *row) for k, row in enumerate(rows)]
    )


@st.composite
def audit_inputs(
    draw: st.DrawFn, *, max_size: int = 60, max_categories: int = 4
) -> tuple[list[ScoredCandidate], DemographicsTable]:
    """Candidates and their sex and race/ethnicity: some unknown, about one in ten without a demographics row."""
    candidates = draw(scored_candidates(max_size=max_size))
    sexes = draw(st.lists(category_names(), min_size=1, max_size=max_categories, unique=True))
    races = draw(st.lists(category_names(), min_size=1, max_size=max_categories, unique=True))
    people = {}
    for k, candidate in enumerate(candidates):
        if k > 0 and draw(st.integers(0, 9)) == 0:
            continue  # no demographics row: unknown in every dimension (the first always has one, as an audit needs)
        sex = draw(st.one_of(st.none(), st.sampled_from(sexes)))
        race = draw(st.one_of(st.none(), st.sampled_from(races)))
        people[candidate.candidate_id] = Demographics(sex=sex, race_ethnicity=race)
    return candidates, DemographicsTable(frozenset({"sex", "race_ethnicity"}), people)


@st.composite
def flagged_audit_inputs(
    draw: st.DrawFn, *, max_size: int = 60, max_categories: int = 4
) -> tuple[list[ScoredCandidate], DemographicsTable]:
    """:func:`audit_inputs` whose candidates carry validity flags and ``needs_review``, as a results file records them.

    Each flag is drawn with its own rate, often 0 (a flag nobody has) or high; a flagged candidate
    always needs review, and some others do too (an undetermined profile, an incomplete fit).
    """
    from profilefit.core.validity import FLAG_IDS

    candidates, demographics = draw(audit_inputs(max_size=max_size, max_categories=max_categories))
    rates = {flag: draw(st.sampled_from([0.0, 0.0, 0.1, 0.5])) for flag in FLAG_IDS}
    flagged = []
    for candidate in candidates:
        flags = tuple(flag for flag in FLAG_IDS if rates[flag] and draw(st.floats(0, 1)) < rates[flag])
        review = bool(flags) or draw(st.booleans())
        flagged.append(dataclasses.replace(candidate, validity_flags=flags, needs_review=review))
    return flagged, demographics


@st.composite
def shortlist_rows(draw: st.DrawFn, *, max_size: int = 40) -> list[Any]:
    """Shortlist rows as results files hold them: banded, incomplete (a score, no band) or no fit; many ties."""
    from profilefit.pages.reports import ShortlistRow

    size = draw(st.integers(0, max_size))
    rows = []
    for k in range(size):
        kind = draw(st.sampled_from(["banded", "incomplete", "none"]))
        score = None if kind == "none" else float(draw(st.integers(0, 20)) * 5)  # few values: many ties
        band = draw(st.sampled_from(list(FIT_BANDS))) if kind == "banded" else None
        rows.append(
            ShortlistRow(
                candidate_id=f"c{draw(st.integers(0, 9))}-{k}",
                profile=draw(st.sampled_from(PROFILE_IDS)),
                top_profile=draw(st.sampled_from(PROFILE_IDS)),
                confidence=draw(st.floats(0, 1)),
                fit_score=score,
                fit_band=band,
                needs_review=draw(st.booleans()),
                trained_on=draw(st.sampled_from(["simulation", "simulation", "organisation data"])),
            )
        )
    return rows


def stratified_counts(*, max_strata: int = 6, max_count: int = 25) -> st.SearchStrategy[Any]:
    """Counts of a stratified 2×2 design for DIF: one row per stratum, (reference yes, reference no,
    focal yes, focal no), each at least 1 so that every stratum holds both groups and both answers."""
    import numpy as np
    from hypothesis.extra.numpy import arrays

    shape = st.tuples(st.integers(1, max_strata), st.just(4))
    return arrays(np.int64, shape, elements=st.integers(1, max_count))


def results_formats() -> st.SearchStrategy[str]:
    """The suffix of a results file ``profilefit score`` writes: ``.csv``, ``.jsonl``, ``.parquet`` or ``.xlsx``."""
    return st.sampled_from((".csv", ".jsonl", ".parquet", ".xlsx"))


def results_outputs() -> st.SearchStrategy[tuple[str, str]]:
    """A results file as ``profilefit score`` writes it: its suffix and CSV dialect (which matters only for CSV)."""
    return st.one_of(st.tuples(results_formats(), st.just("standard")), st.just((".csv", "excel-nordic")))


def role_requests() -> st.SearchStrategy[str | None]:
    """What a user gives as ``--role`` to a command that reads results: nothing, or a built-in role id."""
    return st.one_of(st.none(), st.sampled_from(builtin_roles()))


@st.composite
def fitted_classifiers(
    draw: st.DrawFn, *, max_classes: int = 6, max_features: int = 8, extreme: bool = False, feature_names: bool = True
) -> Any:
    """A fitted :class:`~profilefit.core.classifier.ProfileClassifier` set attribute by attribute, as a file holds it.

    With ``extreme``, the arrays take any finite double (subnormals, -0.0, 1e308): what a file must
    round-trip bit for bit; without, coefficients and intercepts in [-50, 50] and scales in
    [0.05, 20], so that predicting neither overflows nor divides by zero. With ``feature_names``, some
    are fitted "on a data frame" (``feature_names_in_``; predicting then needs a pandas data frame).
    """
    from profilefit.core.classifier import ProfileClassifier

    n_classes = draw(st.integers(2, max_classes))
    n_features = draw(st.integers(1, max_features))
    if extreme:
        values = st.floats(allow_nan=False, allow_infinity=False, width=64)
        positive = values
        bounded = values
    else:
        values = st.floats(-50, 50, allow_nan=False, width=64)
        positive = st.floats(0.05, 20, allow_nan=False, width=64)
        bounded = st.floats(-6, 6, allow_nan=False, width=64)
    estimator = ProfileClassifier(
        C=draw(st.floats(1e-3, 1e3)),
        calibration_fraction=draw(st.floats(0, 0.9)),
        max_iter=draw(st.integers(1, 10_000)),
        random_state=draw(st.one_of(st.none(), st.integers(0, 2**32 - 1))),
    )
    labels = draw(st.lists(category_names(), min_size=n_classes, max_size=n_classes, unique=True))
    estimator.classes_ = np.asarray(sorted(labels), dtype=np.str_)
    estimator.n_features_in_ = n_features
    if feature_names and draw(st.booleans()):
        names = draw(st.lists(category_names(), min_size=n_features, max_size=n_features, unique=True))
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    estimator.mean_ = draw(hnp.arrays(np.float64, n_features, elements=bounded))
    estimator.scale_ = draw(hnp.arrays(np.float64, n_features, elements=positive))
    estimator.coef_ = draw(hnp.arrays(np.float64, (n_classes, n_features), elements=values))
    estimator.intercept_ = draw(hnp.arrays(np.float64, n_classes, elements=values))
    estimator.temperature_ = draw(st.floats(0.05, 20))
    estimator.n_iter_ = np.asarray([draw(st.integers(0, 10_000))], dtype=np.int32)
    return estimator


# --- validation studies ---


@st.composite
def validation_inputs(draw: st.DrawFn, *, min_size: int = 5, max_size: int = 60) -> dict[str, Any]:
    """Keyword arguments of :func:`~profilefit.evidence.validation.validation_study`: applicants, outcomes, more.

    Whole-number fit scores (ties), a few incomplete fits (no score, no band); some of the applicants
    hired with a numeric outcome on a 1–5 scale or a yes/no one, which may be the same for all (no
    correlation), some blank; optionally a criterion reliability and the hired people's sex, some
    unknown. The first three applicants have a fit and an outcome: a study needs three.
    """
    from profilefit.evidence.validation import Applicants, Outcomes

    n = draw(st.integers(min_size, max_size))
    complete = st.integers(0, 100).map(float)
    fit = np.array(
        draw(st.lists(complete, min_size=3, max_size=3))
        + draw(st.lists(st.one_of(*[complete] * 11, st.just(np.nan)), min_size=n - 3, max_size=n - 3))
    )
    band = np.where(np.isnan(fit), "incomplete", np.where(fit >= 65, "strong", np.where(fit >= 45, "possible", "weak")))
    ids = [f"c{k}" for k in range(n)]
    profiles = draw(st.lists(st.sampled_from((*PROFILE_IDS, "undetermined")), min_size=n, max_size=n))
    scale = draw(st.lists(st.floats(1, 6, allow_nan=False), min_size=n, max_size=n))
    applicants = Applicants(
        ids=ids,
        fit=fit,
        band=band.astype(np.str_),
        profile=np.array(profiles, dtype=np.str_),
        scales={"composure": np.array(scale)},
    )
    kind = draw(st.sampled_from(["numeric", "binary"]))
    answer = st.integers(1, 5).map(float) if kind == "numeric" else st.sampled_from([0.0, 1.0])
    others = draw(st.lists(st.sampled_from(ids[3:]), max_size=n - 3, unique=True)) if n > 3 else []
    values = {k: draw(answer) for k in ids[:3]} | {k: draw(st.one_of(*[answer] * 9, st.none())) for k in others}
    hired = list(values)
    outcomes = Outcomes("rating", kind, values)
    demographics = None
    if draw(st.booleans()):
        sexes = st.one_of(st.none(), st.sampled_from(["female", "male"]))
        demographics = DemographicsTable(frozenset({"sex"}), {k: Demographics(sex=draw(sexes)) for k in hired})
    reliability = draw(st.one_of(st.none(), st.floats(0.3, 1.0)))
    return {
        "applicants": applicants,
        "outcomes": outcomes,
        "demographics": demographics,
        "criterion_reliability": reliability,
    }


# ---- export cells (the batch validator's and the Excel reader's tests) ---------------------------

#: Text no export cell holds: NUL (Python's csv module refuses it) and lone surrogates (not UTF-8).
_CELL_ALPHABET = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def answer_texts(*, low: int = 1, high: int = 6) -> st.SearchStrategy[str]:
    """Cells of an item or attention check: valid, empty, padded, signed, out of range, not whole, not a number."""
    valid = st.integers(low, high).map(str)
    odd = st.sampled_from(
        [
            " 5 ",
            "+5",
            "05",
            "006",
            "4.0",
            "4,0",
            "x",
            "7",
            "0",
            "-1",
            "10",
            "٥",
            "５",
            "5\u00a0",
            "\t3",
            "1e0",
            "  ",
            "∞",
        ]
    )
    junk = st.one_of(odd, st.integers(-20, 120).map(str), st.text(_CELL_ALPHABET, max_size=3))
    return st.one_of(valid, valid, valid, valid, st.just(""), junk)


def option_texts(option_ids: list[str]) -> st.SearchStrategy[str]:
    """Cells of a situational scenario: an option letter in either case, padded, unknown, empty or junk."""
    letters = st.sampled_from(option_ids)
    return st.one_of(
        letters,
        letters,
        letters.map(str.upper),
        st.just(""),
        letters.map(lambda letter: f" {letter} "),
        st.sampled_from(["e", "z", "ab", "1", "\u212a", "A\u0301", "-"]),
        st.text(_CELL_ALPHABET, max_size=2),
    )


def block_texts() -> st.SearchStrategy[str]:
    """Cells of a forced-choice block: a two-letter answer in any case, padded, reversed twins, junk."""
    answers = st.sampled_from(BLOCK_ANSWERS)
    return st.one_of(
        answers,
        answers,
        answers.map(str.upper),
        answers.map(str.capitalize),
        st.just(""),
        answers.map(lambda answer: f" {answer} "),
        st.sampled_from(["aa", "bb", "a", "abc", "ad", "a b", "a,c", "1", "Kb", "-", "ac "]),
        st.text(_CELL_ALPHABET, max_size=3),
    )


def seconds_texts(*, max_seconds: float = 86_400.0) -> st.SearchStrategy[str]:
    """Completion-time cells: decimal point or comma, signed, out of range, exponent, junk."""
    plain = st.floats(0, max_seconds * 1.2, allow_nan=False).map(lambda x: f"{x:.1f}")
    return st.one_of(
        plain,
        plain.map(lambda text: text.replace(".", ",")),
        st.just(""),
        st.sampled_from(
            [
                "-5",
                "-0",
                "+3",
                ",5",
                "5,",
                ".5",
                "1e3",
                "abc",
                " 12 ",
                "86400",
                "86400,0",
                "86400.1",
                "1.2.3",
                "١٢",
                "inf",
            ]
        ),
        st.integers(-100, 200_000).map(str),
        st.text(_CELL_ALPHABET, max_size=4),
    )


def candidate_id_texts(*, max_size: int = 140) -> st.SearchStrategy[str]:
    """Candidate-id cells: typical ids, names with æøå, empty, padded, control characters, too long, formulas."""
    typical = st.integers(1, 9999).map(lambda k: f"cand-{k:04d}")
    return st.one_of(
        typical,
        typical,
        st.sampled_from(
            ["", " ", " padded ", "Åse Ødegård", "=1+1", "-12", "x\x01y", "tab\there", "a" * 128, "a" * 129]
        ),
        st.text(_CELL_ALPHABET, min_size=0, max_size=max_size),
    )


#: Characters that change how the text around them reads, or act when printed: controls, format characters
#: (the direction controls, zero-width ones, U+FEFF) and line and paragraph separators.
HIDDEN_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")


def hostile_candidate_ids(*, max_size: int = 12) -> st.SearchStrategy[str]:
    """Candidate ids every door refuses for a hidden character inside: ``cand\u202egnp.exe``, a NUL, an escape.

    The hidden characters are those of :data:`~profilefit.core.schema.ID_CONTROLS` (C0 and C1 controls, DEL,
    line and paragraph separators, text-direction embeddings, overrides and isolates), between visible ones so
    that no reader's stripping removes them. No backslash, so an echo's escapes read back unambiguously to the
    id. At most ``max_size`` visible characters on each side.
    """
    # Visible: no control, format or space character, which str.strip (and so every reader) would take off the
    # ends along with a hidden character next to them (U+00A0 and U+0085 lie in this range).
    visible = st.text(
        st.characters(
            min_codepoint=0x21,
            max_codepoint=0x2FF,
            blacklist_categories=("Cc", "Cf", "Zs", "Zl", "Zp"),
            blacklist_characters="\\=+-@\"',;",
        ),
        min_size=1,
        max_size=max_size,
    )
    hidden = st.one_of(
        st.characters(max_codepoint=0x1F),
        st.characters(min_codepoint=0x7F, max_codepoint=0x9F),
        st.sampled_from("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    )
    return st.tuples(visible, st.lists(hidden, min_size=1, max_size=3), visible).map(
        lambda parts: parts[0] + "".join(parts[1]) + parts[2]
    )


def export_columns(instrument: Instrument, *, max_items: int = 6) -> st.SearchStrategy[list[str]]:
    """A header: candidate_id, maybe completion_seconds, and a few items, scenarios and checks, in any order."""
    fields = st.lists(
        st.sampled_from([*instrument.item_ids, *instrument.scenario_ids, *instrument.check_ids, *instrument.block_ids]),
        unique=True,
        max_size=max_items,
    )
    return st.tuples(fields, st.booleans()).flatmap(
        lambda drawn: st.permutations(["candidate_id", *(["completion_seconds"] if drawn[1] else []), *drawn[0]])
    )


def cell_texts(instrument: Instrument, column: str) -> st.SearchStrategy[str]:
    """The cell strategy for one column of an export."""
    if column == "candidate_id":
        return candidate_id_texts()
    if column == "completion_seconds":
        return seconds_texts()
    if column in instrument.scenario_ids:
        scenario = instrument.scenarios[instrument.scenario_ids.index(column)]
        return option_texts([option.id for option in scenario.options])
    if column in instrument.block_ids:
        return block_texts()
    return answer_texts(low=instrument.response_scale.min, high=instrument.response_scale.max)


def valid_cell_texts(instrument: Instrument, column: str) -> st.SearchStrategy[str]:
    """Cells the schema accepts, in the plain forms exports are made of (empty = unanswered)."""
    if column == "candidate_id":
        return st.integers(1, 9999).map(lambda k: f"cand-{k:04d}")
    if column == "completion_seconds":
        return st.one_of(st.just(""), st.floats(0, 3600, allow_nan=False).map(lambda x: f"{x:.1f}".replace(".", ",")))
    if column in instrument.scenario_ids:
        scenario = instrument.scenarios[instrument.scenario_ids.index(column)]
        return st.sampled_from(["", *(option.id for option in scenario.options)])
    if column in instrument.block_ids:
        return st.sampled_from(["", *BLOCK_ANSWERS])
    low, high = instrument.response_scale.min, instrument.response_scale.max
    return st.one_of(st.just(""), st.integers(low, high).map(str))


@st.composite
def export_rows(draw: st.DrawFn, instrument: Instrument, *, columns: list[str], max_rows: int = 8) -> list[list[str]]:
    """Rows of text cells for a header: half clean rows, half with any kind of cell, so both outcomes are common."""
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        cells = valid_cell_texts if draw(st.booleans()) else cell_texts
        rows.append([draw(cells(instrument, column)) for column in columns])
    return rows


def typed_values(instrument: Instrument, column: str) -> st.SearchStrategy[Any]:
    """Values of one key of a JSON record: the text cells, plus numbers, booleans, nulls and lists."""
    return st.one_of(
        cell_texts(instrument, column),
        st.none(),
        st.integers(-3, 10),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-10, max_value=100_000),
        st.sampled_from([4.0, 5.5, True, False, [], {"a": 1}]),
    )


@st.composite
def json_records(draw: st.DrawFn, instrument: Instrument, *, max_rows: int = 6) -> list[dict[str, Any]]:
    """Assessment records as an HR system might send them, with unknown, demographic and padded keys now and then."""
    records = []
    for _ in range(draw(st.integers(0, max_rows))):
        keys = draw(export_columns(instrument, max_items=4))
        if draw(st.integers(0, 5)) == 0:
            keys = [k for k in keys if k != "candidate_id"]
        record = {key: draw(typed_values(instrument, key)) for key in keys}
        extra = draw(st.sampled_from([None, "tc9", "sex", " tc1", "candidate_id ", "schema_version"]))
        if extra is not None and draw(st.booleans()):
            record[extra] = draw(st.sampled_from(["", "4", "f", "profilefit.assessment/1", None, 3]))
        records.append(record)
    return records
