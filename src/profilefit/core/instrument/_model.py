"""The instrument: scales, items, situational scenarios and attention checks, as data.

An instrument is read from a JSON or TOML file and validated by :class:`Instrument`.
The shipped customer-contact instrument and an organisation's own questionnaire use
the same model, so everything downstream (schema, scoring, simulation, validity)
works on either.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import ConfigDict, Field, model_validator

from profilefit._frozen import FrozenModel

if TYPE_CHECKING:
    from profilefit.core.thurstonian import ForcedChoiceDesign

#: Field names of an assessment that are not items; an item may not take them.
RESERVED_FIELDS = frozenset({"candidate_id", "completion_seconds", "schema_version", "instrument"})

#: Labels of a block's statements in the order shown: the first is ``a``.
BLOCK_LABELS = ("a", "b", "c")
#: Every answer to a block of three: the label marked *most* like the candidate, then the one marked
#: *least*. ``"ac"`` is "a most, c least" (so b sits between). Codes 0-5 in this order are how the
#: arrays hold them; -1 is an unanswered block.
BLOCK_ANSWERS = ("ab", "ac", "ba", "bc", "ca", "cb")

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
Text = Annotated[str, MinLen(1), MaxLen(2000)]
#: Text of one string in every language of the instrument, keyed by language code.
Translations = Annotated[dict[LanguageCode, Text], MinLen(1)]
ResponseBound = Annotated[int, Ge(0), Le(100)]
#: How good agreeing with a statement (or choosing an option) looks to an applicant, from -2 (clearly
#: bad) to +2 (clearly good): our judgement, rated for an application to customer-contact work.
#: The simulation fakes through it and the idealised-responding flag reads it (docs/faking.md).
Desirability = Annotated[float, Ge(-2), Le(2)]
Reason = Annotated[str, MinLen(1), MaxLen(300)]


class _FrozenModel(FrozenModel):
    # strict: an instrument file's "4" is not the number 4.
    model_config = ConfigDict(strict=True)


class ResponseScale(_FrozenModel):
    """The agreement scale every item is answered on (1 to 6 in the shipped instrument)."""

    min: ResponseBound = 1
    max: ResponseBound = 6
    labels: dict[LanguageCode, list[Text]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _labels_match_range(self) -> ResponseScale:
        if self.max - self.min < 1:
            raise ValueError(f"response scale needs max > min, got min={self.min}, max={self.max}")
        n_points = self.max - self.min + 1
        for lang, labels in self.labels.items():
            if len(labels) != n_points:
                raise ValueError(
                    f"response labels for {lang!r} have {len(labels)} entries; "
                    f"the scale {self.min}..{self.max} has {n_points} points"
                )
        return self

    @property
    def n_points(self) -> int:
        """Number of answer categories."""
        return self.max - self.min + 1


class Scale(_FrozenModel):
    """A trait the instrument measures, scored as the mean of its keyed items."""

    id: Identifier
    name: Translations
    description: Translations


class _Rated(_FrozenModel):
    """Something a candidate answers, with an optional social-desirability rating and its reason."""

    desirability: Desirability | None = None
    desirability_reason: Reason | None = None

    @model_validator(mode="after")
    def _rating_has_reason(self) -> _Rated:
        if (self.desirability is None) != (self.desirability_reason is None):
            raise ValueError("desirability and desirability_reason come together: a rating needs its reason")
        return self


class Item(_Rated):
    """One agreement statement, keyed to a scale; ``reverse`` items are scored max+min-answer."""

    id: Identifier
    scale: Identifier
    reverse: bool = False
    text: Translations


class Option(_Rated):
    """One answer to a situational scenario, keyed to the behaviour it shows."""

    id: Annotated[str, Field(pattern=r"^[a-z]$")]
    key: Identifier
    text: Translations


class Scenario(_FrozenModel):
    """A situational-judgement scenario: the candidate picks the option closest to what they would do."""

    id: Identifier
    text: Translations
    options: Annotated[list[Option], MinLen(2), MaxLen(8)]

    @model_validator(mode="after")
    def _option_ids_unique(self) -> Scenario:
        ids = [option.id for option in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"scenario {self.id!r} repeats an option id: {ids}")
        return self


class BlockStatement(_Rated):
    """One statement of a forced-choice block, keyed to a scale.

    ``reverse`` means agreeing with the statement shows *less* of the scale (keyed negatively).
    In a forced-choice instrument every statement needs its desirability rating: blocks are
    matched on it.
    """

    id: Identifier
    scale: Identifier
    reverse: bool = False
    text: Translations


class Block(_FrozenModel):
    """Three statements from three different scales; the candidate marks one *most* and one *least* like them.

    The statements are shown in file order and labelled ``a``, ``b``, ``c`` (:data:`BLOCK_LABELS`);
    an answer is two letters, most then least (:data:`BLOCK_ANSWERS`).
    """

    id: Identifier
    statements: Annotated[list[BlockStatement], MinLen(3), MaxLen(3)]

    @model_validator(mode="after")
    def _three_scales_rated(self) -> Block:
        scales = [statement.scale for statement in self.statements]
        if len(set(scales)) != len(scales):
            raise ValueError(f"block {self.id!r} holds two statements of one scale: {scales}")
        unrated = [statement.id for statement in self.statements if statement.desirability is None]
        if unrated:
            raise ValueError(f"block {self.id!r}: statements {unrated} have no desirability; blocks are matched on it")
        return self


class AttentionCheck(_Rated):
    """A validity statement on the agreement scale, never scored into a scale.

    ``kind="instructed"``: the text tells the candidate which answer to give (``expected``).
    ``kind="virtue_claim"``: an improbable virtue ("I have never ..."); agreeing strongly with
    several is what idealised responding looks like (Paulhus's impression management). Both
    kinds are shown among the agreement items and read only by the validity flags.
    """

    id: Identifier
    kind: Literal["instructed", "virtue_claim"] = "instructed"
    text: Translations
    expected: ResponseBound | None = None

    @model_validator(mode="after")
    def _expected_only_when_instructed(self) -> AttentionCheck:
        if self.kind == "instructed" and self.expected is None:
            raise ValueError(f"attention check {self.id!r} is instructed and needs the answer it asks for (expected)")
        if self.kind == "virtue_claim" and self.expected is not None:
            raise ValueError(f"virtue claim {self.id!r} has no right answer; leave out expected")
        return self


class SecondsRange(_FrozenModel):
    """A range of answering times in seconds, from ``low`` (a quick reader) to ``high`` (a slow one)."""

    low: Annotated[float, Ge(0.5), Le(600)]
    high: Annotated[float, Ge(0.5), Le(600)]

    @model_validator(mode="after")
    def _low_not_above_high(self) -> SecondsRange:
        if self.low > self.high:
            raise ValueError(f"a time range needs low <= high, got low={self.low}, high={self.high}")
        return self


class Timing(_FrozenModel):
    """Answering times, used for the length estimate and the too-fast flag.

    ``item_seconds`` and ``scenario_seconds`` are the published ranges (about 4-10 s per
    agreement item, 30-90 s per situational scenario); the stated length of an instrument
    is computed from them. ``seconds_per_item`` and ``seconds_per_scenario`` are one
    typical value inside each range.
    """

    seconds_per_item: Annotated[float, Ge(0.5), Le(120)] = 6.0
    seconds_per_scenario: Annotated[float, Ge(1), Le(600)] = 60.0
    #: Faster than this per agreement item suggests insufficient effort (Huang et al. 2012).
    min_seconds_per_item: Annotated[float, Ge(0), Le(60)] = 2.0
    item_seconds: SecondsRange = SecondsRange(low=4.0, high=10.0)
    scenario_seconds: SecondsRange = SecondsRange(low=30.0, high=90.0)
    #: Forced-choice blocks: reading three statements and marking two (instrument 2.0 sets it from
    #: reading speed, docs/instrument.md).
    block_seconds: SecondsRange = SecondsRange(low=15.0, high=35.0)
    #: Faster than this per block suggests the statements were not read.
    min_seconds_per_block: Annotated[float, Ge(0), Le(120)] = 5.0


class Instrument(_FrozenModel):
    """A questionnaire: its scales, items, optional scenarios and attention checks.

    Parameters
    ----------
    id : str
        Stable identifier, for example ``"customer-contact"``.
    version : str
        Version of the item set; results name it.
    languages : list of str
        Language codes every text is given in; the first is the default.
    response_scale : ResponseScale
        Answer range shared by items and attention checks.
    scales, items, scenarios, attention_checks
        The content. Every scale needs at least two items; scenarios and
        attention checks are optional.

    Examples
    --------
    >>> from profilefit.core.instrument import load_instrument
    >>> instrument = load_instrument()
    >>> instrument.response_scale.min, instrument.response_scale.max
    (1, 6)
    """

    schema_version: Literal["1", "2"] = "1"
    #: ``agreement``: items answered on the response scale (versions 1.x). ``forced_choice``: blocks of
    #: three statements, most and least (version 2.0, schema_version "2"), scored by Thurstonian IRT.
    format: Literal["agreement", "forced_choice"] = "agreement"
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
    version: Annotated[str, MinLen(1), MaxLen(32)]
    title: Translations
    languages: Annotated[list[LanguageCode], MinLen(1)]
    response_scale: ResponseScale = ResponseScale()
    timing: Timing = Timing()
    scales: Annotated[list[Scale], MinLen(1)]
    items: list[Item] = Field(default_factory=list)
    blocks: list[Block] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)
    attention_checks: list[AttentionCheck] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ids_unique_and_not_reserved(self) -> Instrument:
        field_ids = (
            [item.id for item in self.items]
            + [block.id for block in self.blocks]
            + [scenario.id for scenario in self.scenarios]
            + [check.id for check in self.attention_checks]
        )
        seen: set[str] = set()
        for field_id in field_ids:
            if field_id in seen:
                raise ValueError(f"id {field_id!r} is used twice; item, scenario and check ids must be unique")
            if field_id in RESERVED_FIELDS:
                raise ValueError(f"id {field_id!r} is reserved for the assessment itself; rename it")
            seen.add(field_id)
        scale_ids = [scale.id for scale in self.scales]
        if len(set(scale_ids)) != len(scale_ids):
            raise ValueError(f"scale ids repeat: {scale_ids}")
        statement_ids = [statement.id for block in self.blocks for statement in block.statements]
        repeated = sorted({i for i in statement_ids if statement_ids.count(i) > 1} | (set(statement_ids) & seen))
        if repeated:
            raise ValueError(f"statement ids must be unique and differ from field ids; repeated: {repeated}")
        return self

    @model_validator(mode="after")
    def _format_has_its_content(self) -> Instrument:
        if self.format == "agreement":
            if self.blocks:
                raise ValueError("an agreement instrument has items, not blocks; set format to forced_choice")
            if len(self.items) < 2:
                raise ValueError(f"an agreement instrument needs at least two items, got {len(self.items)}")
            return self
        if self.schema_version != "2":
            raise ValueError('a forced_choice instrument is file schema_version "2"')
        if self.items:
            raise ValueError("a forced_choice instrument has blocks, not agreement items")
        if not self.blocks:
            raise ValueError("a forced_choice instrument needs blocks")
        # Imported here: the Thurstonian engine brings scipy, which agreement scoring never needs.
        from profilefit.core.thurstonian import check_design

        problems = check_design(self.forced_choice_design())
        if problems:
            raise ValueError("the blocks do not identify normative scores: " + "; ".join(p.message for p in problems))
        return self

    @model_validator(mode="after")
    def _items_keyed_to_known_scales(self) -> Instrument:
        scale_ids = {scale.id for scale in self.scales}
        for item in self.items:
            if item.scale not in scale_ids:
                raise ValueError(f"item {item.id!r} names scale {item.scale!r}, which is not among {sorted(scale_ids)}")
        for statement in self.statements:
            if statement.scale not in scale_ids:
                raise ValueError(
                    f"statement {statement.id!r} names scale {statement.scale!r}, not among {sorted(scale_ids)}"
                )
        if self.format == "forced_choice":
            return self
        for scale in self.scales:
            n_items = sum(item.scale == scale.id for item in self.items)
            if n_items < 2:
                raise ValueError(f"scale {scale.id!r} has {n_items} item(s); a scale needs at least two")
        return self

    @model_validator(mode="after")
    def _checks_within_response_range(self) -> Instrument:
        low, high = self.response_scale.min, self.response_scale.max
        for check in self.attention_checks:
            if check.expected is not None and not low <= check.expected <= high:
                raise ValueError(
                    f"attention check {check.id!r} expects {check.expected}, outside the response range {low}..{high}"
                )
        return self

    @model_validator(mode="after")
    def _every_text_in_every_language(self) -> Instrument:
        wanted = set(self.languages)
        texts: list[tuple[str, Mapping[str, str]]] = [("title", self.title)]
        texts += [(f"scale {s.id} name", s.name) for s in self.scales]
        texts += [(f"scale {s.id} description", s.description) for s in self.scales]
        texts += [(f"item {i.id}", i.text) for i in self.items]
        texts += [(f"statement {s.id}", s.text) for s in self.statements]
        texts += [(f"scenario {s.id}", s.text) for s in self.scenarios]
        texts += [(f"scenario {s.id} option {o.id}", o.text) for s in self.scenarios for o in s.options]
        texts += [(f"attention check {c.id}", c.text) for c in self.attention_checks]
        for where, text in texts:
            missing = wanted - set(text)
            if missing:
                raise ValueError(f"{where} has no text in {sorted(missing)}; every text needs {sorted(wanted)}")
        return self

    # Derived views. The model is frozen, so caching them is safe.

    @cached_property
    def scale_ids(self) -> tuple[str, ...]:
        """Scale ids in file order: the column order of scale scores."""
        return tuple(scale.id for scale in self.scales)

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in file order: the column order of the item matrix."""
        return tuple(item.id for item in self.items)

    @cached_property
    def block_ids(self) -> tuple[str, ...]:
        """Block ids in file order: the column order of the block matrix (forced choice)."""
        return tuple(block.id for block in self.blocks)

    @cached_property
    def statements(self) -> tuple[BlockStatement, ...]:
        """Every block statement, block by block, in the order shown."""
        return tuple(statement for block in self.blocks for statement in block.statements)

    @cached_property
    def statement_ids(self) -> tuple[str, ...]:
        """Statement ids, block by block: the order of Thurstonian parameters."""
        return tuple(statement.id for statement in self.statements)

    def forced_choice_design(self) -> ForcedChoiceDesign:
        """The blocks as a Thurstonian design: scales are its traits, ``reverse`` its negative keying.

        Raises
        ------
        ValueError
            For an agreement instrument, which has no blocks.
        """
        from profilefit.core.thurstonian import ForcedChoiceDesign, Statement

        if not self.blocks:
            raise ValueError(f"instrument {self.id} {self.version} is not forced choice; it has no blocks")
        return ForcedChoiceDesign(
            traits=tuple(scale.id for scale in self.scales),
            blocks=tuple(
                tuple(
                    Statement(id=statement.id, trait=statement.scale, keyed=-1 if statement.reverse else 1)
                    for statement in block.statements
                )
                for block in self.blocks
            ),
        )

    @cached_property
    def scenario_ids(self) -> tuple[str, ...]:
        """Scenario ids in file order."""
        return tuple(scenario.id for scenario in self.scenarios)

    @cached_property
    def check_ids(self) -> tuple[str, ...]:
        """Attention-check ids in file order."""
        return tuple(check.id for check in self.attention_checks)

    @cached_property
    def situational_keys(self) -> tuple[str, ...]:
        """The behaviours scenario options are keyed to, sorted; one situational score each."""
        return tuple(sorted({option.key for scenario in self.scenarios for option in scenario.options}))

    @cached_property
    def feature_names(self) -> tuple[str, ...]:
        """Names of the scored features the classifier sees: scales, then ``sjt_<key>``."""
        return self.scale_ids + tuple(f"sjt_{key}" for key in self.situational_keys)

    @cached_property
    def instructed_columns(self) -> tuple[int, ...]:
        """Columns of the instructed attention checks among ``check_ids``."""
        return tuple(k for k, check in enumerate(self.attention_checks) if check.kind == "instructed")

    @cached_property
    def virtue_claim_columns(self) -> tuple[int, ...]:
        """Columns of the virtue claims among ``check_ids``."""
        return tuple(k for k, check in enumerate(self.attention_checks) if check.kind == "virtue_claim")

    def items_of(self, scale_id: str) -> tuple[Item, ...]:
        """The items keyed to one scale."""
        return tuple(item for item in self.items if item.scale == scale_id)

    def estimated_minutes(self) -> float:
        """Typical completion time in minutes, from the instrument's typical timing.

        A single figure for planning; the length stated to candidates and users is
        :meth:`estimated_minutes_range`.
        """
        seconds = (len(self.items) + len(self.attention_checks)) * self.timing.seconds_per_item
        seconds += len(self.scenarios) * self.timing.seconds_per_scenario
        seconds += len(self.blocks) * (self.timing.block_seconds.low + self.timing.block_seconds.high) / 2
        return seconds / 60.0

    def estimated_minutes_range(self) -> tuple[float, float]:
        """Completion time in minutes, from a quick to a slow reader.

        Every agreement item and attention check takes ``timing.item_seconds``, every block
        ``timing.block_seconds`` and every scenario ``timing.scenario_seconds``; the low ends
        give the first figure, the high ends the second.

        Returns
        -------
        tuple of float
            ``(low, high)`` in minutes, ``low <= high``.

        Examples
        --------
        >>> from profilefit.core.instrument import load_instrument
        >>> low, high = load_instrument().estimated_minutes_range()
        >>> round(low, 1), round(high, 1)
        (8.7, 24.3)
        """
        n_agreement = len(self.items) + len(self.attention_checks)
        n_scenarios = len(self.scenarios)
        n_blocks = len(self.blocks)
        low = n_agreement * self.timing.item_seconds.low + n_scenarios * self.timing.scenario_seconds.low
        high = n_agreement * self.timing.item_seconds.high + n_scenarios * self.timing.scenario_seconds.high
        low += n_blocks * self.timing.block_seconds.low
        high += n_blocks * self.timing.block_seconds.high
        return low / 60.0, high / 60.0

    def length_text(self) -> str:
        """The stated length in whole minutes, at least one: ``"about 9-24 minutes"``."""
        low, high = (max(1, round(minutes)) for minutes in self.estimated_minutes_range())
        if low == high:
            return f"about {low} minute{'s' if low > 1 else ''}"
        return f"about {low}-{high} minutes"


#: Built-in instruments by name, and their files. ``"customer-contact"`` (the default) is version 1.2 until
#: every layer speaks 2.0 (issue 21). A forced-choice file ``NAME.json`` has its Thurstonian parameters
#: beside it in ``NAME.parameters.json`` (:func:`profilefit.core.scoring.load_parameters`).
BUILTIN_INSTRUMENTS = {"customer-contact": "customer_contact.json", "customer-contact-2.0": "customer_contact_2.json"}


def load_instrument(source: str | Path | None = None) -> Instrument:
    """Read and validate an instrument.

    Parameters
    ----------
    source : str or Path, optional
        A built-in instrument name (``"customer-contact"``, the default, version 1.2;
        ``"customer-contact-2.0"``, the forced-choice version) or the path of a ``.json`` or
        ``.toml`` file describing an organisation's own questionnaire.

    Returns
    -------
    Instrument

    Raises
    ------
    FileNotFoundError
        If the path does not exist.
    pydantic.ValidationError
        If the file does not describe a valid instrument; the message names the field.
    """
    if source is None or (isinstance(source, str) and source in BUILTIN_INSTRUMENTS):
        return _builtin_instrument(source or "customer-contact")
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(
            f"no instrument {str(source)!r}: give a built-in one ({', '.join(BUILTIN_INSTRUMENTS)}) or the path of "
            "an instrument file (.json or .toml)"
        )
    text = path.read_text("utf-8")
    if path.suffix.lower() == ".toml":
        return Instrument.model_validate(tomllib.loads(text), strict=False)
    if path.suffix.lower() == ".json":
        return Instrument.model_validate_json(text)
    raise ValueError(f"{path}: an instrument file must end in .json or .toml, not {path.suffix!r}")


@lru_cache(maxsize=4)
def _builtin_instrument(name: str) -> Instrument:
    # One shared object per built-in instrument: it is frozen, and derived tables cache on it.
    raw = resources.files("profilefit.core.instrument").joinpath("data", BUILTIN_INSTRUMENTS[name]).read_text("utf-8")
    return Instrument.model_validate_json(raw)


def builtin_instrument_name(instrument_id: str, version: str) -> str | None:
    """The built-in name of the instrument with this id and version, or ``None`` when none is built in.

    A model file or a results file names its instrument by id and version; this finds the shipped
    file that matches (and so the parameters file beside it).

    Examples
    --------
    >>> builtin_instrument_name("customer-contact", "1.2")
    'customer-contact'
    >>> builtin_instrument_name("customer-contact", "0.9") is None
    True
    """
    for name in BUILTIN_INSTRUMENTS:
        instrument = _builtin_instrument(name)
        if instrument.id == instrument_id and instrument.version == version:
            return name
    return None


def builtin_versions(instrument_id: str) -> tuple[Instrument, ...]:
    """The built-in instruments with this id: the versions of one questionnaire profilefit ships.

    Examples
    --------
    >>> [instrument.version for instrument in builtin_versions("customer-contact")]
    ['1.2', '2.0']
    >>> builtin_versions("our-own")
    ()
    """
    return tuple(
        instrument for instrument in map(_builtin_instrument, BUILTIN_INSTRUMENTS) if instrument.id == instrument_id
    )


def builtin_instrument_file(name: str) -> str:
    """The file name, inside the package's ``data`` folder, of a built-in instrument."""
    return BUILTIN_INSTRUMENTS[name]


def instrument_to_json(instrument: Instrument) -> str:
    """Serialise an instrument to the JSON file format :func:`load_instrument` reads."""
    return json.dumps(instrument.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def other_version_questions(instrument: Instrument) -> tuple[str, tuple[str, ...]]:
    """The other shipped version of an instrument, and the questions only that version has.

    For ``customer-contact`` 2.0 that is 1.2 and its agreement items (``tc1``…); for 1.2 (or any other
    version of that id without blocks), 2.0 and its blocks (``b01``…). The versions share their scenarios
    and checks, so those are never listed. An instrument with another id gives ``("", ())``: its columns
    are its own business. A row scored with one version that answers one of these questions is refused
    at every door, naming the question and the version it belongs to (never read as an unknown column).

    Examples
    --------
    >>> version, questions = other_version_questions(load_instrument("customer-contact-2.0"))
    >>> version, questions[:3]
    ('1.2', ('tc1', 'tc7', 'tc3'))
    >>> other_version_questions(load_instrument())[1][:2]
    ('b01', 'b02')
    """
    # The shipped version of this id in the other format (agreement items against blocks).
    other = next((v for v in builtin_versions(instrument.id) if bool(v.blocks) != bool(instrument.blocks)), None)
    if other is None or other.version == instrument.version:
        return "", ()
    own = {*instrument.item_ids, *instrument.block_ids, *instrument.scenario_ids, *instrument.check_ids}
    return other.version, tuple(q for q in (*other.item_ids, *other.block_ids) if q not in own)
