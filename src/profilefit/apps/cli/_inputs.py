"""How every command that reads candidate data names its input, and reads it: one reader for all."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from profilefit.apps.cli._errors import notes_to_stderr, print_problems
from profilefit.core.instrument import Instrument

if TYPE_CHECKING:
    from profilefit.core.scoring import NormGroup
    from profilefit.core.screening import Screener
    from profilefit.data.batch import CollectedResponses

#: The INPUT that means the bundled sample export (of instrument 2.0 when the command reads 2.0).
SAMPLE = "sample"
EXPORT_HELP = (
    "an assessment export (.csv .tsv .txt .jsonl .ndjson .parquet .xlsx; CSV and JSON Lines also .gz), "
    "'-' for standard input, or 'sample' for the bundled sample export (its 2.0 twin when the command reads "
    "instrument 2.0, e.g. with --model reference-2.0)"
)
ENCODING_HELP = "encoding of a CSV or JSON Lines input, e.g. cp1252 (default: UTF-8; UTF-16/32 by byte-order mark)"


def add_layout_options(parser: Any) -> None:
    """Add ``--id-column``, ``--sheet`` and ``--header-row``: where to find the ids, the sheet and the header."""
    parser.add_argument(
        "--id-column",
        metavar="NAME",
        help="the column (or JSON key) that holds the candidate ids, when it is not candidate_id (e.g. Kandidat-ID)",
    )
    parser.add_argument(
        "--sheet",
        metavar="NAME",
        type=_sheet,
        help="the Excel sheet to read, by name or number (1 = first); default: the first sheet with a header",
    )
    parser.add_argument(
        "--header-row",
        metavar="N",
        type=int,
        help="the row of a CSV or Excel file that holds the header (1 = first); default: the first row, among the "
        "first 20, naming the id column or a question (so a title row above the header is skipped)",
    )


def layout_of(args: Any) -> dict[str, Any]:
    """The ``--id-column``, ``--sheet`` and ``--header-row`` a command was given, as reader keywords."""
    return {name: getattr(args, name, None) for name in ("id_column", "sheet", "header_row")}


def _sheet(text: str) -> str | int:
    return int(text) if text.isdigit() else text


#: Problems printed on the terminal before the rest are summed up in one line.
PROBLEMS_SHOWN = 20


def export_path(name: str, *, labelled: bool = False, instrument: Instrument | None = None) -> str | Path:
    """The file an INPUT argument names: ``sample`` is the bundled export (``labelled``: the labelled one).

    With ``instrument`` the built-in 2.0, ``sample`` is the bundled 2.0 export: the same simulated people
    and ids (:func:`profilefit.data.datasets.sample_export_path`).
    """
    if name != SAMPLE:
        return name
    from profilefit.data.datasets import sample_export_path, sample_labelled_path

    return sample_labelled_path() if labelled else sample_export_path(instrument)


def read_export(
    name: str,
    instrument: Instrument,
    *,
    command: str,
    encoding: str | None = None,
    layout: dict[str, Any] | None = None,
    first_id_only: bool = False,
) -> CollectedResponses:
    """Read an export as ``profilefit score`` does; print notes and (at most :data:`PROBLEMS_SHOWN`) problems.

    ``layout`` holds ``id_column``, ``sheet`` and ``header_row`` (:func:`layout_of`), as ``score`` takes them;
    ``first_id_only`` rejects each later row of a candidate id (:func:`~profilefit.data.batch.collect_responses`).
    """
    from profilefit.data.batch import collect_responses

    with notes_to_stderr(command):
        source = export_path(name, instrument=instrument)
        collected = collect_responses(
            source, instrument, encoding=encoding, first_id_only=first_id_only, **(layout or {})
        )
    print_capped_problems(collected.rejects, where=f"{collected.source}: ")
    return collected


#: The shipped model ``profilefit score`` uses for an export of instrument 2.0 when no ``--model`` is given.
FORCED_CHOICE_MODEL = "reference-2.0"


def forced_choice_export(
    source: str | Path, *, encoding: str | None = None, header_row: int | None = None, sheet: str | int | None = None
) -> list[str]:
    r"""The block columns of an export that answers instrument 2.0 and not the agreement instrument; else ``[]``.

    An export answers 2.0 when its header names at least one of 2.0's blocks (``b01``…) and none of
    the agreement instrument's items (``tc1``…). :func:`export_questions` reads the header as the
    batch reader finds it. Standard input gives ``[]``: the export is then read with the model given (by
    default 1.2's), and a 2.0 export is refused naming why (no column answers 1.2's statements).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_text("candidate_id,b01,b02,sj1\nc1,ab,ca,b\n", encoding="utf-8")
    >>> forced_choice_export(path)
    ['b01', 'b02']
    >>> _ = path.write_text("candidate_id,tc1,sj1\nc1,4,b\n", encoding="utf-8")
    >>> forced_choice_export(path)
    []
    """
    blocks, items = export_questions(source, encoding=encoding, header_row=header_row, sheet=sheet)
    return [] if items else blocks


def export_questions(
    source: str | Path, *, encoding: str | None = None, header_row: int | None = None, sheet: str | int | None = None
) -> tuple[list[str], list[str]]:
    """The columns of an export's header that are 2.0's blocks and 1.2's items, in instrument order.

    The header is found as the batch reader finds it: in a CSV file (also gzip-compressed, in the
    encoding given or the one its byte-order mark names, UTF-16 included) the row ``header_row``, or
    else the first of the first rows that names a block or an item (a title row above is skipped); in
    JSON Lines the keys of the first 200 records; in Parquet the schema; in a workbook row 1 of the first
    sheet. What cannot be read this way (standard input, another sheet or row of a workbook, a damaged
    file) gives nothing, and the export is read with the model given.
    """
    from profilefit.core.instrument import load_instrument

    wanted = {
        name.casefold() for name in (*load_instrument("customer-contact-2.0").block_ids, *load_instrument().item_ids)
    }
    return questions_named(_header_names(source, wanted, encoding=encoding, header_row=header_row, sheet=sheet))


def questions_named(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Which of ``names`` are 2.0's blocks and 1.2's items, in instrument order.

    A name is read as the library reads a key (:func:`~profilefit.core.rows.field_named`: without
    surrounding spaces or regard to case), so the version chosen here is the one ``Screener.score`` and
    the service choose for the same keys.

    Examples
    --------
    >>> questions_named(["candidate_id", "B02", "b01", "sj1"])
    (['b01', 'b02'], [])
    """
    from profilefit.core.instrument import load_instrument
    from profilefit.core.rows import field_named

    texts = [str(name) for name in names]
    forced_choice, agreement = load_instrument("customer-contact-2.0"), load_instrument()
    blocks = {field_named(forced_choice, name) for name in texts}
    items = {field_named(agreement, name) for name in texts}
    return [b for b in forced_choice.block_ids if b in blocks], [i for i in agreement.item_ids if i in items]


#: Bytes of a text export read to find its header (a header with its title rows fits many times over).
_PEEK_BYTES = 1 << 18
#: JSON Lines records whose keys are read (within the bytes read).
_PEEK_RECORDS = 200
#: The most bytes of JSON Lines read to find one whole record.
_PEEK_MOST_BYTES = 1 << 26


def _header_names(
    source: str | Path, wanted: set[str], *, encoding: str | None, header_row: int | None, sheet: str | int | None
) -> set[str]:
    import csv
    import gzip
    import zlib

    from profilefit.data.batch import HEADER_SEARCH_ROWS, encoding_of, workbook_first_row
    from profilefit.data.io import read_table, sniff_delimiter

    if not isinstance(source, Path) and (source == "-" or not Path(source).is_file()):
        return set()
    path = Path(source)
    compressed = path.suffix.lower() == ".gz"
    suffix = Path(path.stem).suffix.lower() if compressed else path.suffix.lower()
    try:
        if suffix == ".xlsx":
            if sheet is not None or header_row is not None:
                return set()
            first = workbook_first_row(path)  # None: not told from the start of the sheet's XML; read the table
            if first is not None:
                return {str(name).strip().casefold() for name in first}
        if suffix in (".jsonl", ".ndjson"):
            return _jsonl_keys(path, compressed, encoding)
        if suffix in (".csv", ".tsv", ".txt"):
            with gzip.open(path, "rb") if compressed else path.open("rb") as stream:
                raw = stream.read(_PEEK_BYTES)
            text = raw.decode(encoding_of(raw, encoding) or "utf-8", errors="replace").lstrip("\ufeff")
            lines = text.splitlines()
            if header_row is not None:
                lines = lines[header_row - 1 : header_row]
            # The first of the first rows that names a question; each row sniffed on its own (a title row's
            # delimiter can differ from the header's).
            for line in lines[:HEADER_SEARCH_ROWS]:
                names = {
                    cell.strip().casefold() for cell in next(csv.reader([line], delimiter=sniff_delimiter(line)), [])
                }
                if names & wanted:
                    return names
            return set()
        header, rows_read = read_table(path, what="export")
        close = getattr(rows_read, "close", None)
        if close is not None:
            close()  # only the header was wanted
        return {str(name).strip().casefold() for name in header}
    except (ValueError, OSError, EOFError, LookupError, StopIteration, csv.Error, zlib.error, RecursionError):
        return set()  # what cannot be read here, the reader names when it reads the file


def _jsonl_keys(path: Path, compressed: bool, encoding: str | None) -> set[str]:
    """The keys of the first records of JSON Lines (a candidate who answered nothing has none of the questions).

    Read as far as the first :data:`_PEEK_RECORDS` lines, or at least one whole record: a first record longer
    than :data:`_PEEK_BYTES` (a CV in a text field) is read to its end, up to :data:`_PEEK_MOST_BYTES`. A line
    that is not a readable object (bad JSON, nested past the parser's depth) is the reader's to reject.
    """
    import gzip
    import json

    from profilefit.core.rows import answered_keys
    from profilefit.data.batch import encoding_of

    keys: set[str] = set()
    with gzip.open(path, "rb") if compressed else path.open("rb") as stream:
        raw = stream.read(_PEEK_BYTES)
        at_end = len(raw) < _PEEK_BYTES
        while True:
            text = raw.decode(encoding_of(raw, encoding) or "utf-8", errors="replace").lstrip("\ufeff")
            lines = [line for line in text.splitlines() if line.strip()]
            if not at_end and lines and not text.endswith(("\n", "\r")):
                lines = lines[:-1]  # the last line may be cut by the read
            records = 0
            for line in lines[:_PEEK_RECORDS]:
                try:
                    record = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if isinstance(record, dict):
                    records += 1
                    # Keys with an answer, as one assessment's are read (a form template sends empty ones too).
                    keys |= {str(key).strip().casefold() for key in answered_keys(record.items())}
            if records or at_end or len(raw) >= _PEEK_MOST_BYTES:
                return keys
            more = stream.read(len(raw))  # no whole record yet: as much again
            at_end = len(more) < len(raw)
            raw += more


def print_capped_problems(problems: list[dict[str, Any]], *, where: str) -> None:
    """Print at most :data:`PROBLEMS_SHOWN` problems of rejected rows, and one line for the rest."""
    shown = problems[:PROBLEMS_SHOWN]
    print_problems(shown, where=where)
    if len(problems) > len(shown):
        rows = len({problem.get("row") for problem in problems})
        print(
            f"{where}and {len(problems) - len(shown):,} more problems in {rows:,} rejected rows "
            "(profilefit score writes them all to a rejects file)",
            file=sys.stderr,
        )


PARAMETERS_HELP = (
    "a Thurstonian parameters file (from `profilefit calibrate`) to score a forced-choice (2.0) model's "
    "blocks with; default: the parameters shipped with the instrument"
)


def add_parameters_option(parser: Any) -> None:
    """Add ``--parameters FILE``: the Thurstonian parameters a forced-choice model scores with."""
    parser.add_argument("--parameters", metavar="FILE", help=PARAMETERS_HELP)


def load_screener(
    model: str | None,
    *,
    role: str | None,
    norms: str | None,
    command: str,
    decision_log: str | None = None,
    parameters: str | None = None,
) -> Screener:
    """The screener a scoring command uses: ``--model``, ``--role`` (None: default), ``--norms``, ``--parameters``.

    A model trained on an organisation's own instrument has no built-in role: without ``--role``
    it scores without fit, and a note says how to add one. A role whose scales the instrument
    lacks is refused with a message that names ``--role none`` and ``--role FILE``. A model of a
    forced-choice instrument scores with ``parameters`` (a file) or the shipped ones, and a note on
    standard error names which (:func:`parameters_note`); ``parameters`` with an agreement model is refused.
    """
    from profilefit.core.scoring import NormGroup
    from profilefit.core.screening import Screener

    group = NormGroup.load(norms) if norms is not None else None
    chosen: str | None = "default" if role is None else (None if role == "none" else role)
    try:
        with notes_to_stderr(command):  # a legacy .joblib model loads with a note saying how to convert it
            screener = Screener.load(model, role=chosen, norms=group, decision_log=decision_log, parameters=parameters)
    except ValueError as error:
        if role is None or role == "none" or "instrument does not have" not in str(error):
            raise
        raise ValueError(
            f"{error}. Score without fit with --role none, or give a role over this instrument's scales "
            "with --role FILE (see docs/fit.md)"
        ) from error
    if role is None and screener.role is None:
        from profilefit.core.fit import DEFAULT_ROLE, load_role
        from profilefit.core.profiles import PROFILE_IDS

        built_in_scales = set(load_role(DEFAULT_ROLE).scales) <= set(screener.instrument.scale_ids)
        own = [profile for profile in screener.profile_ids if profile not in PROFILE_IDS] if built_in_scales else []
        reason = (
            f"the model's classes {', '.join(repr(p) for p in own)} are not among the built-in profiles "
            f"({', '.join(PROFILE_IDS)}), so no built-in role applies"
            if own
            else f"the model's instrument ({screener.instrument.id}) has no built-in role"
        )
        print(
            f"profilefit {command}: note: {reason}, so fit_score and fit_band are empty; give --role FILE for a "
            "role over its scales" + (" and classes" if own else ""),
            file=sys.stderr,
        )
    if group is not None:
        _check_norms(group, screener)
    if screener.thurstonian is not None:
        print(f"profilefit {command}: note: {parameters_note(screener, parameters)}", file=sys.stderr)
    return screener


def parameters_note(screener: Screener, parameters: str | None) -> str:
    """Which Thurstonian parameters a forced-choice screener scores with: a file (name, sha256) or the shipped ones.

    The sha256 is of the file's bytes, so a results file can be traced to the exact parameters
    (``sha256sum PARAMS.json`` gives the same).
    """
    instrument = f"{screener.instrument.id} {screener.instrument.version}"
    if parameters is None:
        return f"scale scores of {instrument} from the parameters shipped with it"
    import hashlib

    digest = hashlib.sha256(Path(parameters).read_bytes()).hexdigest()
    return f"scale scores of {instrument} from the parameters in {parameters} (sha256 {digest})"


def _check_norms(group: NormGroup, screener: Screener) -> None:
    missing = [scale for scale in screener.instrument.scale_ids if scale not in group.scales]
    if missing:
        raise ValueError(
            f"norm group {group.name!r} has no scores for scale(s) {', '.join(missing)} of instrument "
            f"{screener.instrument.id}; build norms for it with `profilefit norms EXPORT --instrument FILE`"
        )


def read_candidate_text(name: str) -> str:
    """One candidate's JSON file (``-``: standard input) as text; a file that is not UTF-8 is named in the error."""
    if name == "-":
        return sys.stdin.read()
    data = Path(name).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{name}: not UTF-8 text (byte 0x{data[error.start]:02X} at byte {error.start}); "
            "save the file as UTF-8 (JSON is UTF-8)"
        ) from None


def version_decided(command: str, name: str, blocks: list[str], items: list[str], *, what: str) -> str:
    """The note (or warning) saying which version an input that names 2.0's ``blocks`` is scored with, and why.

    The rule, for an export's header and for one assessment alike: the input is scored with the version
    whose own questions it names more of, 2.0 (its blocks) or 1.2 (its items); on a tie, with 1.2, the
    default. The questions of the other version are not dropped: a row that answers one is rejected,
    naming it (:func:`profilefit.core.instrument.other_version_questions`). ``what`` is ``"column"`` or
    ``"field"``.

    Examples
    --------
    >>> print(version_decided("score", "x.csv", ["b01", "b02"], ["tc1"], what="column")[:100])
    profilefit score: warning: x.csv answers instrument 2.0 mostly (2 block columns b01, b02 of 2.0; 1 i
    """

    def listed(names: list[str], kind: str) -> str:
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        return f"{len(names)} {kind} {what}{'s' if len(names) > 1 else ''} {shown}"

    start = f"profilefit {command}: "
    if not items:
        return (
            f"{start}note: {name} answers instrument 2.0 (block {what}s {', '.join(blocks[:3])}"
            f"{', …' if len(blocks) > 3 else ''}; no item {what}s), so it is scored with the 2.0 reference model "
            f"(--model {FORCED_CHOICE_MODEL}); give --model to choose another"
        )
    both = f"{listed(blocks, 'block')} of 2.0; {listed(items, 'item')} of 1.2"
    if len(blocks) > len(items):
        return (
            f"{start}warning: {name} answers instrument 2.0 mostly ({both}), so it is scored with the 2.0 reference "
            f"model (--model {FORCED_CHOICE_MODEL}); answers to 1.2's items are rejected, naming them; give --model "
            "to choose another, or split the input by instrument"
        )
    why = "answers instrument 1.2 mostly" if len(items) > len(blocks) else "names as many blocks of 2.0 as items of 1.2"
    return (
        f"{start}warning: {name} {why} ({both}), so it is scored with the 1.2 reference model; answers to 2.0's "
        f"blocks are rejected, naming them; give --model {FORCED_CHOICE_MODEL} to score the blocks instead, or split "
        "the input by instrument"
    )


def model_for_assessment(command: str, name: str, text: str, model: str | None) -> str | None:
    """The model that scores one assessment's JSON: ``model`` when given, else as :func:`version_decided` decides.

    The note (or warning) that says so goes to standard error; so does :func:`version_note`'s for an
    assessment whose answers do not tell its version. ``score-one`` and ``report`` both read it here.
    """
    if model is not None:
        return model
    blocks, items = answered_questions(text)
    if blocks:
        print(version_decided(command, name, blocks, items, what="field"), file=sys.stderr)
        return FORCED_CHOICE_MODEL if len(blocks) > len(items) else None
    if (note := version_note(command, name, text)) is not None:
        print(note, file=sys.stderr)
    return None


def answered_questions(text: str) -> tuple[list[str], list[str]]:
    """The 2.0 blocks and 1.2 items an assessment's JSON answers (read by :func:`questions_named`).

    A key whose value is ``null`` or blank answers nothing, so it does not count (as the service reads it,
    with :func:`profilefit.core.rows.answered_keys`). Text that is not one JSON object answers none.
    """
    from profilefit.core.rows import answered_keys, load_json_object
    from profilefit.exceptions import JsonRowError

    try:
        return questions_named(answered_keys(load_json_object(text).items()))
    except JsonRowError:
        return [], []


def version_note(command: str, name: str, text: str) -> str | None:
    """The note for an assessment whose answers cannot tell its version (no statement and no block answered).

    Such an assessment is scored with the model given, by default 1.2's, where the service scores it with its
    current version (2.0): the note says so, as the two doors differ here. An assessment that answers no
    question at all gets no note: every door refuses it (:data:`profilefit.core.schema.NO_ANSWERS`).
    """
    if _answered_questions(text) != "neither":
        return None
    return (
        f"profilefit {command}: note: {name} answers no statement and no block, so its answers do not tell the "
        f"instrument version: it is scored with 1.2, the default model (the service scores such an assessment "
        f"with 2.0); give --model {FORCED_CHOICE_MODEL} to score it with 2.0"
    )


def _answered_questions(text: str) -> str | None:
    """``"blocks"``, ``"items"``, ``"both"`` or ``"neither"``: which questions an assessment's JSON answers.

    ``None`` for text that is not one JSON object, and for one that answers no question (the screener names why).
    """
    from profilefit.core.instrument import load_instrument
    from profilefit.core.rows import answered_keys, field_named, load_json_object
    from profilefit.exceptions import JsonRowError

    try:
        answered = answered_keys(load_json_object(text).items())
    except JsonRowError:
        return None
    blocks, items = questions_named(answered)
    shared = load_instrument()  # scenarios and checks: the versions share them
    if not (
        blocks
        or items
        or {field_named(shared, str(key)) for key in answered} & {*shared.scenario_ids, *shared.check_ids}
    ):
        return None
    return {(True, False): "blocks", (False, True): "items", (True, True): "both"}.get(
        (bool(blocks), bool(items)), "neither"
    )
