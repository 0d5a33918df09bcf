"""The assessment schema: one candidate's answers, generated from an instrument.

Each item, scenario and attention check of the instrument becomes one optional
field of a strict, frozen pydantic model, so the JSON Schema an HR system sees is
exactly the questionnaire the candidate answered. A missing field is an unanswered
question (see the missing-answer rule in :mod:`profilefit.core.scoring`).

The model's own validation is the one row rule: ``model_validate`` reads a row through
:func:`profilefit.core.rows.coerce_row` before the strict fields check it, and
``model_validate_json`` parses with :func:`profilefit.core.rows.load_json_object` (repeated
keys, ``NaN`` and ``Infinity`` refused). Every door decides a row by calling the model, so no
function stands in front of it that a caller could forget.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self, TypedDict

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    # Only an annotation: pydantic exports it from 2.10, and profilefit runs on pydantic from 2.6.
    from pydantic import ModelWrapValidatorHandler

from profilefit.core.demographic_names import demographic_field, demographic_names
from profilefit.core.identity_cache import identity_cache
from profilefit.core.instrument import (
    BLOCK_ANSWERS,
    Instrument,
    load_instrument,
    other_version_questions,
)
from profilefit.core.rows import answered_keys, coerce_row, echo, load_json_object
from profilefit.exceptions import JsonRowError, NotFiniteError, RepeatedFieldError, RepeatedKeyError

SCHEMA_VERSION = "profilefit.assessment/1"


#: Printable and not only white space: every door strips an id, and an id of spaces alone would be empty.
#: The pattern says so in the published JSON Schema (service/_api.py uses the same one).
#: What a candidate id may be, as rejects and messages say it.
ID_ALLOWED = (
    "allowed: the candidate's id as text of 1 to 128 characters, not only spaces or invisible characters, without "
    "control characters, text-direction controls or line separators"
)
#: What a row without a candidate id (or with ``null``, which every door reads as not given) is told.
ID_REQUIRED = "required; " + ID_ALLOWED
#: Refused anywhere in an id: the C0 and C1 control characters, DEL, the line and paragraph separators, and the
#: text-direction embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): an id with one reads in
#: another order than it is written in a spreadsheet or a log ("cand\u202egnp.exe" shows as "candexe.png").
ID_CONTROLS = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
#: What cannot be an id's only kind of character: spaces (what ``str.strip`` removes) and invisible format
#: characters (zero-width space and joiners, direction marks, word joiner, byte-order mark). Written out, not
#: ``\s``: Python's and ECMAScript's ``\s`` differ (U+FEFF, U+0085), and the published pattern must decide as
#: the service does.
ID_BLANKS = r" \xa0\u1680\u2000-\u200f\u202f\u205f-\u2064\u3000\ufeff"
CandidateId = Annotated[
    str, MinLen(1), MaxLen(128), Field(pattern=f"^[^{ID_CONTROLS}]*[^{ID_CONTROLS}{ID_BLANKS}][^{ID_CONTROLS}]*$")
]
#: The longest completion time a row may report: one day.
MAX_SECONDS = 86_400
#: Finite, from 0 to one day: -Infinity, Infinity and NaN are refused here. (A NaN *cell* of a table is how
#: pandas and Parquet write an empty cell; :func:`profilefit.core.rows.coerce_row` reads it as "not reported" first.)
Seconds = Annotated[float, Ge(0), Le(MAX_SECONDS), AllowInfNan(False)]
#: The reason every door gives for a completion time it refuses.
SECONDS_ALLOWED = (
    f"allowed: a finite number of seconds from 0 to {MAX_SECONDS} (digits 0-9, a decimal point or comma), "
    "or empty when not reported"
)
#: The reason every door gives for a forced-choice block answer it refuses.
BLOCK_ALLOWED = (
    "allowed: two letters, the statement most like you then the one least like you "
    f"({', '.join(BLOCK_ANSWERS)}), or empty when unanswered"
)
#: How the published JSON Schema describes a block's field.
BLOCK_DESCRIPTION = (
    "forced-choice block of statements a, b and c; two letters: the statement marked most like the "
    "candidate, then the one marked least like them (ac = a most, c least)"
)

#: The reason every door gives for a record that answers no question: there is nothing to score.
NO_ANSWERS = (
    "the record holds no answers (no statement, block, scenario or check is answered), so there is nothing "
    "to score; a spreadsheet's total or blank row?"
)

#: The reason every door gives for an input that is not one assessment at all.
NOT_A_MAPPING = "an assessment must be a mapping of field names to answers (a dict), JSON text, or an Assessment"


def __getattr__(name: str) -> frozenset[str]:
    # DEMOGRAPHIC_FIELDS is read from a data file, on first use rather than at import (no I/O at import).
    if name == "DEMOGRAPHIC_FIELDS":
        return frozenset(demographic_names())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def demographic_message(field: str) -> str:
    """Explain why a demographic field is refused and where it belongs."""
    # Braces would be read as placeholders by pydantic's message template.
    field = field.replace("{", "(").replace("}", ")")
    return (
        f"field {field!r} is demographic: demographics never enter scoring. "
        "Leave it out of the assessment and give it to the adverse-impact audit instead "
        "(profilefit audit RESULTS --demographics DEMOGRAPHICS.csv)."
    )


def _one_answer_required(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Add to an assessment's JSON Schema that at least one question is answered (given and not null)."""
    instrument: Instrument | None = getattr(model, "instrument", None)
    if instrument is None:  # AssessmentBase itself, which has no questions
        return
    questions = (*instrument.item_ids, *instrument.block_ids, *instrument.scenario_ids, *instrument.check_ids)
    schema["anyOf"] = [{"required": [q], "properties": {q: {"not": {"type": "null"}}}} for q in questions]


class AssessmentBase(BaseModel):
    """Common configuration and fields of every generated assessment model."""

    # strict: the fields coerce nothing ("4.5" is not 4, true is not an answer); the one row rule
    # (_apply_row_rule, coerce_row) reads a row's documented spellings first, so that every door,
    # this model's own model_validate included, decides a row alike.
    # frozen: an assessment is a record of what was answered; it never changes.
    # extra="forbid": a misspelt item id surfaces as an error instead of a silent gap.
    # json_schema_extra: the published schema says what _refuse_no_answers does, so a client generating
    # "valid" bodies from it never sends a record every door refuses.
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid", json_schema_extra=_one_answer_required)

    instrument: ClassVar[Instrument]

    schema_version: Literal["profilefit.assessment/1"] = "profilefit.assessment/1"
    candidate_id: CandidateId
    completion_seconds: Seconds | None = None

    # Defined first, so it runs innermost, on the row as the row rule read it (keys without spaces).
    @model_validator(mode="wrap")
    @classmethod
    def _name_another_version(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        # A 2.0 assessment checked against 1.2 (or the reverse) was one "not a field" per block or item,
        # 24 or 48 of them, none saying why: when it answers more of the other version's own questions than
        # of this one's (the rule that decides an export's version), they become one problem naming both.
        try:
            return handler(data)
        except ValidationError as error:
            problems = error.errors(include_url=False)
            foreign = _other_version_questions(cls.instrument)
            own = [
                str(problem["loc"][0])
                for problem in problems
                if problem["type"] == "extra_forbidden"
                and problem["loc"]
                and str(problem["loc"][0]).strip().casefold() in foreign
            ]
            if not own or len(own) <= _own_version_answered(cls.instrument, data):
                # A few of the other version's keys in an assessment of this one: each is its own problem,
                # naming the field and value (describe_errors says which version asks it), as the batch does.
                raise
            version = foreign[own[0].strip().casefold()]
            named = set(own)
            kept = [problem for problem in problems if not (problem["loc"] and str(problem["loc"][0]) in named)]
            errors = [
                InitErrorDetails(
                    type=PydanticCustomError("instrument_version", _version_message(cls.instrument, version, own)),
                    loc=("(assessment)",),
                    input=None,
                ),
                *(_as_details(problem) for problem in kept),
            ]
            raise ValidationError.from_exception_data(cls.__name__, errors) from None

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_demographics(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        # Demographic keys are named first, in the order given; the row's other problems follow
        # (fields in the instrument's order, then unknown keys), so one problem never hides another.
        if not isinstance(data, dict):
            return handler(data)
        fields = cls.model_fields  # once: pydantic computes it on every access
        demographic = [
            key for key in data if key not in fields and isinstance(key, str) and demographic_field(key) is not None
        ]
        if not demographic:
            return handler(data)
        errors = [
            InitErrorDetails(
                type=PydanticCustomError("demographic_field", demographic_message(key), {"field": key}),
                loc=(key,),
                input=data[key],
            )
            for key in demographic
        ]
        try:
            handler({key: value for key, value in data.items() if key not in demographic})
        except ValidationError as error:
            errors += [_as_details(problem) for problem in error.errors(include_url=False)]
        raise ValidationError.from_exception_data(cls.__name__, errors)

    # The one row rule, first. Defined after the validator above, so pydantic runs it outside that one
    # (wrap validators nest in the order they are defined): demographic keys are named as the rule reads
    # them, spaces around a key removed, and a repeated key is the row's one problem.
    @model_validator(mode="wrap")
    @classmethod
    def _apply_row_rule(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not isinstance(data, Mapping):
            return handler(data)  # an Assessment instance, or something the schema refuses as not a mapping
        try:
            row = coerce_row(cls.instrument, data)
        except RepeatedFieldError as error:  # its values show which cells to look at, as for a key repeated exactly
            raise _row_error(cls, "repeated_field", str(error), error.field, list(error.values)) from None
        return handler(row)

    # Defined last, so it runs outermost: only a row without any other problem is refused for answering nothing
    # (a row holding only a demographic key gets that key's problem alone).
    @model_validator(mode="after")
    def _refuse_no_answers(self) -> Self:
        # A record answering nothing (a spreadsheet's "Total" row, {"candidate_id": "x"}) would get a fit
        # score and a profile from the missing-answer rule alone; every door refuses it here.
        if not self.answers():
            raise PydanticCustomError("no_answers", NO_ANSWERS)
        return self

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **options: Any) -> Self:
        """Validate one assessment given as JSON text, by the one row rule.

        The text is parsed by :func:`profilefit.core.rows.load_json_object` rather than pydantic's
        parser, which keeps the last of two equal keys: here a repeated key, ``NaN``, ``Infinity`` and
        a lone surrogate are one problem each (``json_object``, field ``(assessment)``), as at every door.
        ``options`` are those of :meth:`pydantic.BaseModel.model_validate`.
        """
        text = bytes(json_data) if isinstance(json_data, bytearray) else json_data
        try:
            record = load_json_object(text)
        except RepeatedKeyError as error:  # the key is the field; its values show which cells to look at
            raise _row_error(cls, "repeated_field", str(error), error.key.strip() or error.key, error.values) from None
        except NotFiniteError as error:  # the key whose value it is names the field, as a repeated key does
            key = "(assessment)" if error.key is None else error.key.strip() or error.key
            raise _row_error(cls, "json_object", str(error), key, None) from None
        except JsonRowError as error:
            raise _row_error(cls, "json_object", str(error), "(assessment)", None) from None
        return cls.model_validate(record, **options)

    def answers(self) -> dict[str, Any]:
        """The answered questions only, keyed by item, scenario or check id."""
        instrument = self.instrument
        ids = (*instrument.item_ids, *instrument.block_ids, *instrument.scenario_ids, *instrument.check_ids)
        return {key: getattr(self, key) for key in ids if getattr(self, key) is not None}


def _as_details(problem: Any) -> InitErrorDetails:
    """A problem of a ``ValidationError`` as it can be raised again in another one, its type and context kept."""
    return InitErrorDetails(
        type=PydanticCustomError(
            problem["type"], problem["msg"].replace("{", "(").replace("}", ")"), dict(problem.get("ctx") or {})
        ),
        loc=problem["loc"],
        input=problem["input"],
    )


def _own_version_answered(instrument: Instrument, data: Any) -> int:
    """How many questions only this version asks (its blocks, or its items) the record answers."""
    if not isinstance(data, Mapping):
        return 0
    own = {question.casefold() for question in (*instrument.block_ids, *instrument.item_ids)}
    return sum(str(key).strip().casefold() in own for key in answered_keys(data.items()))


@identity_cache()
def _other_version_questions(instrument: Instrument) -> dict[str, str]:
    """Questions (folded) of the other built-in version of ``instrument`` that it does not ask, with that version.

    The one list every door reads (:func:`profilefit.core.instrument.other_version_questions`).
    """
    version, questions = other_version_questions(instrument)
    return {question.casefold(): version for question in questions}


def _version_message(instrument: Instrument, version: str, keys: list[str]) -> str:
    """Why an assessment answering another version's questions is refused, naming both versions."""
    shown = ", ".join(repr(key.strip()) for key in keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
    message = (
        f"the assessment answers questions of {instrument.id} version {version} ({shown}), but it is read as "
        f"version {instrument.version}, which does not ask them: score it with a model made for version {version} "
        f"(a Screener of that version), or send the questions of version {instrument.version}"
    )
    return message.replace("{", "(").replace("}", ")")


def _class_name(instrument: Instrument) -> str:
    words = [part for part in instrument.id.replace(".", "-").replace("_", "-").split("-") if part]
    return "".join(word.capitalize() for word in words) + "Assessment"


def build_assessment_model(instrument: Instrument) -> type[AssessmentBase]:
    """Generate the assessment model for an instrument.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire the candidate answered.

    Returns
    -------
    type[AssessmentBase]
        A strict, frozen pydantic model with one optional field per item
        (an integer in the response range), per forced-choice block (a two-letter answer of
        :data:`~profilefit.core.instrument.BLOCK_ANSWERS`), per scenario (one of its option ids)
        and per attention check.

    Examples
    --------
    >>> from profilefit.core.instrument import load_instrument
    >>> Assessment = build_assessment_model(load_instrument())
    >>> Assessment(candidate_id="c1", tc1=5).tc1
    5
    """
    low, high = instrument.response_scale.min, instrument.response_scale.max
    answer = Annotated[int, Ge(low), Le(high)]
    fields: dict[str, Any] = {}
    for item in instrument.items:
        fields[item.id] = (
            answer | None,
            Field(default=None, description=f"{item.scale}; {item.text[instrument.languages[0]]}"),
        )
    for block in instrument.blocks:
        fields[block.id] = (Literal[BLOCK_ANSWERS] | None, Field(default=None, description=BLOCK_DESCRIPTION))
    for scenario in instrument.scenarios:
        option_ids = tuple(option.id for option in scenario.options)
        fields[scenario.id] = (
            Literal[option_ids] | None,
            Field(default=None, description=f"situational scenario; one of {', '.join(option_ids)}"),
        )
    for check in instrument.attention_checks:
        kind = "attention check" if check.kind == "instructed" else "validity statement, not scored into a scale"
        fields[check.id] = (answer | None, Field(default=None, description=kind))
    model = create_model(
        _class_name(instrument),
        __base__=AssessmentBase,
        __doc__=f"One candidate's answers to the {instrument.id} instrument, version {instrument.version}.",
        **fields,
    )
    model.instrument = instrument
    return model


@lru_cache(maxsize=1)
def _shipped_model() -> type[AssessmentBase]:
    return build_assessment_model(load_instrument())


def assessment_model(instrument: Instrument | None = None) -> type[AssessmentBase]:
    """The assessment model of an instrument; the shipped one is built once and reused."""
    if instrument is None or instrument is load_instrument() or instrument == load_instrument():
        return _shipped_model()
    return build_assessment_model(instrument)


def validate_row(model: type[AssessmentBase], row: Mapping[str, Any] | str | bytes) -> AssessmentBase:
    """Decide one row, given as a mapping or as JSON text, by the model's own validation.

    The same decision as ``model.model_validate(row)`` (a mapping) or ``model.model_validate_json(row)``
    (text); this function only chooses between the two and names what it expects when ``row`` is
    neither. ``Screener.validate`` and the batch path's reference rule call it.

    Parameters
    ----------
    model : type[AssessmentBase]
        The instrument's assessment model (:func:`assessment_model`).
    row : mapping, or JSON text
        JSON text is parsed by :func:`profilefit.core.rows.load_json_object`, which refuses repeated keys.

    Raises
    ------
    TypeError
        When ``row`` is neither a mapping nor JSON text (``None``, a list, a number).
    pydantic.ValidationError
        Naming every problem of the row: demographic keys first, then the fields in the
        instrument's order, then unknown keys. Text that is not one JSON object, and two keys
        naming one field, are one problem each (``json_object`` and ``repeated_field``).
    """
    if isinstance(row, str | bytes):
        return model.model_validate_json(row)
    if not isinstance(row, Mapping):
        raise TypeError(f"{NOT_A_MAPPING}; got {type(row).__name__}")
    return model.model_validate(row)


def _row_error(model: type[BaseModel], kind: str, message: str, field: str, value: Any) -> ValidationError:
    problem = PydanticCustomError(kind, message.replace("{", "(").replace("}", ")"))
    details = InitErrorDetails(type=problem, loc=(field,), input=value)
    return ValidationError.from_exception_data(model.__name__, [details])


class Problem(TypedDict):
    """One problem of one assessment, as every door reports it: the field, the value (cut short) and why.

    Rejects files, the command line's messages and the service's problem details carry these
    three; a rejects file adds the row and the candidate id.
    """

    field: str
    value: str | None
    reason: str


#: Problems whose field says nothing of the instrument: the key may or may not be one of its fields.
_ANY_INSTRUMENT = frozenset({"demographic_field", "json_object", "repeated_field", "no_answers"})


def _could_have_raised(instrument: Instrument, problems: list[Any]) -> bool:
    """Whether the assessment model of ``instrument`` could have raised these problems.

    A key refused as unknown (``extra_forbidden``) is not one of its fields in any case (the row rule reads
    ``TC1`` as ``tc1``); any other problem of a field is one of its fields, or the id or the time.
    """
    fields = {*instrument.item_ids, *instrument.block_ids, *instrument.scenario_ids, *instrument.check_ids}
    fields |= {"candidate_id", "completion_seconds"}
    folded = {field.casefold() for field in fields}
    for problem in problems:
        if not problem["loc"] or problem["type"] in _ANY_INSTRUMENT:
            continue
        name = str(problem["loc"][0])
        if problem["type"] == "extra_forbidden":
            if name.strip().casefold() in folded:
                return False
        elif name not in fields:
            return False
    return True


def _builtin_named_by(error: ValidationError) -> Instrument:
    """The built-in instrument whose assessment model raised ``error``, as far as its problems tell.

    Both built-in models carry one title, so the problems decide: the one instrument whose model could
    have raised them all (an unknown ``tc1`` rules out 1.2, whose field it is; a bad ``b01`` rules out
    1.2, which has no blocks). When both could, 2.0 if a problem names one of its blocks, else 1.2: the
    reasons then read the same on either (the same response scale, scenario and check rules).
    """
    problems = error.errors(include_url=False)
    agreement, forced_choice = load_instrument(), load_instrument("customer-contact-2.0")
    possible = [i for i in (agreement, forced_choice) if _could_have_raised(i, problems)]
    if len(possible) == 1:
        return possible[0]
    named = {str(problem["loc"][0]) for problem in problems if problem["loc"]}
    return forced_choice if named & set(forced_choice.block_ids) else agreement


def describe_errors(
    error: ValidationError, instrument: Instrument | None = None, *, row: Mapping[Any, Any] | None = None
) -> list[Problem]:
    """Turn a pydantic error into plain records: field, value and what was allowed.

    Parameters
    ----------
    error : pydantic.ValidationError
    instrument : Instrument, optional
        The instrument the assessment was checked against: it lets the reason state the response range and
        recognise block fields. By default the built-in instrument whose assessment model could have raised
        the error (1.2 or 2.0, told apart by the fields its problems name: an unknown ``tc1`` is 2.0's, a bad
        ``b01`` too), else the shipped default. Give it for an instrument of your own.
    row : mapping, optional
        The row as it was given. A value the rule read from text in another spelling (``-12,0`` read as
        ``-12.0``, ``1e400`` as ``inf``) is then echoed as the row writes it, so that the cell can be found;
        a value that reads as written (``9``, a number in a table or JSON) is echoed as the schema checked it.

    Returns
    -------
    list of Problem
        One record per problem: ``field``, ``value`` and ``reason``. Long values are cut to
        about 80 characters (:func:`profilefit.core.rows.echo`).
    """
    instrument = instrument or _builtin_named_by(error)
    low, high = instrument.response_scale.min, instrument.response_scale.max
    fields = (*instrument.item_ids, *instrument.block_ids, *instrument.scenario_ids, *instrument.check_ids)
    fields_by_case = {field.casefold(): field for field in (*fields, "candidate_id", "completion_seconds")}
    other_version, other_ids = other_version_questions(instrument)
    other_questions = {question.casefold(): question for question in other_ids}
    records: list[Problem] = []
    for problem in error.errors(include_url=False):
        location = ".".join(str(part) for part in problem["loc"]) or "(assessment)"
        context = problem.get("ctx") or {}
        kind = problem["type"]
        if kind == "demographic_field":
            records.append({"field": context["field"], "value": echo(problem["input"]), "reason": problem["msg"]})
            continue
        if kind in ("no_answers", "instrument_version"):  # the record as a whole; its cells are not echoed
            records.append({"field": location, "value": None, "reason": problem["msg"]})
            continue
        if kind in ("json_object", "repeated_field"):  # a key twice names its field, whatever its kind
            records.append({"field": location, "value": echo(problem.get("input")), "reason": problem["msg"]})
            continue
        if kind in {"greater_than_equal", "less_than_equal", "int_type", "int_from_float"} and (
            location in instrument.item_ids or location in instrument.check_ids
        ):
            reason = f"allowed: a whole number from {low} to {high}, or empty when unanswered"
        elif location in instrument.block_ids and kind != "extra_forbidden":
            reason = BLOCK_ALLOWED
        elif location == "completion_seconds" and kind != "extra_forbidden":
            reason = SECONDS_ALLOWED
        elif location == "candidate_id" and kind.startswith("string_"):
            reason = ID_ALLOWED
        elif location == "candidate_id" and kind == "missing":
            reason = ID_REQUIRED
        elif kind == "literal_error":
            reason = f"allowed: {context.get('expected', problem['msg'])}, or empty when unanswered"
        elif kind == "extra_forbidden" and location == "(extra cells)":
            reason = (
                "the row has more cells than the header has columns (a delimiter inside a cell that is not quoted?)"
            )
        elif kind == "extra_forbidden" and location.strip().casefold() in fields_by_case:
            field = fields_by_case[location.strip().casefold()]
            reason = f"not a field of this instrument as written; the field is {field!r}"
        elif kind == "extra_forbidden" and location.strip().casefold() in other_questions:
            reason = other_version_reason(instrument, other_questions[location.strip().casefold()], other_version)
        elif kind == "extra_forbidden":
            reason = "not a field of this instrument (check the spelling of the item id)"
        elif kind in ("json_object", "repeated_field"):
            reason = problem["msg"]
        elif kind == "value_error":
            reason = str(context.get("error", problem["msg"]))
        else:
            reason = problem["msg"]
        records.append(
            {"field": location, "value": echo(_as_written(problem.get("input"), location, row)), "reason": reason}
        )
    return records


def other_version_reason(instrument: Instrument, question: str, version: str) -> str:
    """Why a row scored with ``instrument`` may not answer ``question``, a question of its other ``version``.

    Examples
    --------
    >>> other_version_reason(load_instrument("customer-contact-2.0"), "tc1", "1.2")[:70]
    "'tc1' is a question of instrument customer-contact 1.2, not of 2.0, wh"
    """
    return (
        f"{question!r} is a question of instrument {instrument.id} {version}, not of {instrument.version}, which "
        f"the assessment is scored with: an assessment answers the questions of one version only (leave it empty, or "
        f"score the {version} answers apart with a {version} model)"
    )


def _as_written(value: Any, field: str, row: Mapping[Any, Any] | None) -> Any:
    """``value`` as ``row`` writes it in ``field``, when that is text the rule read as another spelling."""
    if row is None or value is None or isinstance(value, str):
        return value
    written = next((cell for key, cell in row.items() if isinstance(key, str) and key.strip() == field), None)
    if not isinstance(written, str) or str(value) == written.strip():
        return value
    return written


__all__ = [
    "BLOCK_ALLOWED",
    "DEMOGRAPHIC_FIELDS",  # noqa: F822 (module __getattr__: read from a data file on first use)
    "NOT_A_MAPPING",
    "NO_ANSWERS",
    "SCHEMA_VERSION",
    "AssessmentBase",
    "Problem",
    "assessment_model",
    "build_assessment_model",
    "describe_errors",
    "validate_row",
]
