"""The shortlist page: a batch of candidates, sortable by fit, filterable by band and flag, in one HTML file.

Rows come from a results file that ``profilefit score`` writes (CSV, JSON Lines or
Parquet, with the columns ``candidate_id``, ``profile``, ``confidence``,
``fit_score``, ``fit_band``, ``needs_review``, ``validity_flags`` and more) or from
:class:`~profilefit.core.screening.ScreeningResult` objects. The page works offline: its
small inline script (``reports/data/shortlist.js``) only sorts and hides table rows,
and reads no candidate data except from escaped HTML attributes. The page is rendered
from the template ``reports/data/shortlist.html``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from profilefit.core.fit import BANDS, RoleProfile
from profilefit.core.instrument import Instrument
from profilefit.core.screening import UNDETERMINED, ScreeningResult
from profilefit.core.validity import FLAG_IDS
from profilefit.data.results import ResultRecord, open_results, stored_role
from profilefit.pages import MAX_ID_CHARS, asset, capped, isolate, render_page
from profilefit.pages.reports._candidate import profilefit_version, trained_on_of
from profilefit.pages.reports._strings import Labels, instrument_named

#: The band filter's value for a fit without a band (an incomplete fit: never selected).
_INCOMPLETE = "incomplete"
#: Longest profile or flag name a shortlist shows (ids: MAX_ID_CHARS).
MAX_NAME_CHARS = 64
#: Columns a results file must have for a shortlist.
REQUIRED_COLUMNS = ("candidate_id", "profile")
#: Candidates a shortlist page lists by default: the best by fit (the counts cover all of them).
DEFAULT_TOP = 500


@dataclass(frozen=True)
class ShortlistRow:
    """One candidate on the shortlist.

    Attributes
    ----------
    candidate_id : str
    profile : str
        The reported profile, or ``"undetermined"``.
    top_profile : str
        The most probable profile.
    confidence : float or None
        Its probability.
    fit_score : float or None
        Fit 0–100; ``None`` when the results have no fit.
    fit_band : str or None
        ``None`` when there is no fit, or when the fit is incomplete (a score but no band).
    needs_review : bool
    flags : tuple of str
        Validity flags that fired.
    trained_on : str or None
        ``"simulation"`` for the reference model; ``None`` when the results do not say (a model other than a
        shipped one, in a results file, which records the model's id only).
    model_id : str or None
        The model that scored the candidate, when the results record it.
    fit_role : str or None
        The role the fit was computed for (``""`` without a fit); ``None`` when the results
        file does not record it (written before the ``fit_role`` column).
    instrument_id, instrument_version : str or None
        The instrument of the model that scored the candidate; ``None`` when the file does not say
        (written before the ``instrument_id`` and ``instrument_version`` columns).
    """

    candidate_id: str
    profile: str
    top_profile: str
    confidence: float | None
    fit_score: float | None
    fit_band: str | None
    needs_review: bool
    flags: tuple[str, ...] = ()
    trained_on: str | None = "simulation"
    fit_role: str | None = None
    instrument_id: str | None = None
    instrument_version: str | None = None
    model_id: str | None = None

    @property
    def incomplete(self) -> bool:
        """A fit without a band: a weighted scale had too few answers, so the candidate is not selected."""
        return self.fit_score is not None and self.fit_band is None


def _row(record: ResultRecord) -> ShortlistRow:
    """A results file's record as a shortlist row: no review asked when the file does not say."""
    return ShortlistRow(
        candidate_id=record.candidate_id,
        profile=record.profile,
        top_profile=record.top_profile,
        confidence=record.confidence,
        fit_score=record.fit_score,
        fit_band=record.fit_band,
        needs_review=bool(record.needs_review),
        flags=record.validity_flags or (),
        trained_on=trained_on_of(record.model_id, record.trained_on),
        model_id=record.model_id,
        fit_role=record.fit_role,
        instrument_id=record.instrument_id,
        instrument_version=record.instrument_version,
    )


def read_results(path: str | Path) -> list[ShortlistRow]:
    """Read a results file written by ``profilefit score``: ``.csv``, ``.jsonl``/``.ndjson``, ``.parquet`` or ``.xlsx``.

    Read by :func:`profilefit.data.results.open_results`, the one reader of results files (the audit
    and the validation study read them there too): CSV may use commas or semicolons, a byte-order
    mark and decimal commas, as spreadsheets in Oslo, Stockholm and Utrecht write it. Every row is
    returned; for a shortlist of a large file, :func:`select_shortlist` keeps only the best ``top``.

    Raises
    ------
    ValueError
        If the file is missing, its type is unknown, a required column is missing, or a cell is not
        what its column holds (the message names the file, the line and the field).
    """
    return [capped_row(row) for row in iter_results(path)]


def iter_results(path: str | Path) -> Iterator[ShortlistRow]:
    """The rows of a results file one at a time, as read (texts not yet capped); see :func:`read_results`."""
    for record in open_results(path, required=REQUIRED_COLUMNS, unique_ids=True):
        yield _row(record)


#: What a model was trained on, in the order a shortlist's notices name the groups: the shipped reference model's
#: simulation, the organisation's own data, and ``None``: a model whose training data the results do not record.
TRAINED_ON = ("simulation", "organisation data", None)
#: Model ids a shortlist names per group: enough to tell which; the results file holds every one.
MAX_MODELS_NAMED = 3


def _trained_on_group(trained_on: str | None) -> str | None:
    """The group of :data:`TRAINED_ON` a recorded value belongs to, as every page words it (``notices``)."""
    return trained_on if trained_on in ("simulation", None) else "organisation data"


@dataclass(frozen=True)
class ModelGroup:
    """The candidates of a batch whose models were trained on the same kind of data.

    Attributes
    ----------
    trained_on : {"simulation", "organisation data"} or None
        ``None`` for models whose training data the results do not record (not shipped ones); any other value a
        file records counts as the organisation's own data, as every page words it.
    candidates : int
        How many candidates of the batch, shown on the page or not.
    models : tuple of str
        The ids of their models as the results name them, in the order met (at most three).
    """

    trained_on: str | None
    candidates: int
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shortlist:
    """The best candidates of a batch, and counts over all of it.

    Attributes
    ----------
    rows : list of ShortlistRow
        At most ``top`` rows, best fit first (an incomplete fit after every banded one).
    total : int
        Candidates in the batch, shown or not.
    band_counts : dict of str to int
        Candidates per fit band, over the whole batch.
    needs_review : int
        Candidates whose result needs a person's review, over the whole batch.
    incomplete : int
        Candidates with an incomplete fit (a score, no band), over the whole batch.
    model_groups : tuple of ModelGroup
        The candidates per kind of training data (:data:`TRAINED_ON` order, only those present), over the whole
        batch: a page of mixed results says what holds for each group, never one sentence for all.
    roles : dict of str or None to int
        Candidates per recorded role (see :attr:`ShortlistRow.fit_role`), over the whole batch;
        :func:`~profilefit.data.results.stored_role` decides from it which role the page names.
    instruments : dict of (str, str) to int
        Candidates per instrument (id, version) the results name, over the whole batch; a file
        written before results said their instrument counts none.
    """

    rows: list[ShortlistRow]
    total: int
    band_counts: dict[str, int]
    needs_review: int
    incomplete: int
    model_groups: tuple[ModelGroup, ...] = ()
    roles: dict[str | None, int] = field(default_factory=dict)
    instruments: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def left_out(self) -> int:
        """Candidates not on the page (the results file still holds them)."""
        return self.total - len(self.rows)

    @property
    def trained_on(self) -> str | None:
        """What the whole batch's models were trained on, in one word; pages name each of :attr:`model_groups`.

        ``"simulation"`` when every result comes from the reference model, ``None`` when some come from a model
        the results do not say the training data of, else ``"organisation data"``.
        """
        kinds = {group.trained_on for group in self.model_groups}
        return None if None in kinds else "organisation data" if kinds - {"simulation"} else "simulation"

    @property
    def models(self) -> tuple[str, ...]:
        """The ids of the models that are not shipped ones, as the results name them (at most three)."""
        ids = [model for group in self.model_groups if group.trained_on != "simulation" for model in group.models]
        return tuple(dict.fromkeys(ids))[:MAX_MODELS_NAMED]


def _order(row: ShortlistRow) -> tuple[bool, bool, float, str]:
    # Best fit first; an incomplete fit is never selected, so it comes after every banded one.
    return (row.fit_band is None, row.fit_score is None, -(row.fit_score or 0.0), row.candidate_id)


def select_shortlist(rows: Iterable[ShortlistRow], *, top: int | None = DEFAULT_TOP) -> Shortlist:
    """Keep the ``top`` best rows of a stream, counting bands and reviews over all of it.

    Memory grows with ``top``, not with the number of rows: a million results pass through
    while at most ``top`` are held.

    Parameters
    ----------
    rows : iterable of ShortlistRow
        For example :func:`iter_results` of a results file.
    top : int or None, default=500
        How many to keep; ``None`` keeps every row.

    Raises
    ------
    ValueError
        If ``top`` is not a positive whole number.
    """
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise ValueError(f"top must be a whole number of at least 1 (or None for every row), not {top!r}")
    counts = dict.fromkeys(BANDS, 0)
    tally = {"total": 0, "review": 0, "incomplete": 0}
    groups: dict[str | None, tuple[int, dict[str, None]]] = {}
    roles: dict[str | None, int] = {}
    instruments: dict[tuple[str, str], int] = {}

    def counted() -> Iterator[ShortlistRow]:
        for row in rows:
            tally["total"] += 1
            tally["review"] += row.needs_review
            tally["incomplete"] += row.incomplete
            count, models = groups.get(_trained_on_group(row.trained_on), (0, {}))
            if row.model_id and len(models) < MAX_MODELS_NAMED:
                models[row.model_id] = None
            groups[_trained_on_group(row.trained_on)] = (count + 1, models)
            if row.fit_band in counts:
                counts[row.fit_band] += 1
            roles[row.fit_role] = roles.get(row.fit_role, 0) + 1
            if row.instrument_id is not None and row.instrument_version is not None:
                named = (row.instrument_id, row.instrument_version)
                instruments[named] = instruments.get(named, 0) + 1
            yield row

    kept = sorted(counted(), key=_order) if top is None else heapq.nsmallest(top, counted(), key=_order)
    return Shortlist(
        rows=[capped_row(row) for row in kept],
        total=tally["total"],
        band_counts=counts,
        needs_review=tally["review"],
        incomplete=tally["incomplete"],
        model_groups=tuple(
            ModelGroup(kind, groups[kind][0], tuple(groups[kind][1])) for kind in TRAINED_ON if kind in groups
        ),
        roles=roles,
        instruments=instruments,
    )


def capped_row(row: ShortlistRow) -> ShortlistRow:
    """The row with its texts cut to what a page shows: ids to 128 characters, profile and flag names to 64.

    A results file is data someone else wrote; one 5,000-character cell must not make the page thousands
    of pixels wide. A cut text ends in … so that it never passes for the whole.
    """
    return replace(
        row,
        candidate_id=capped(row.candidate_id, MAX_ID_CHARS),
        profile=capped(row.profile, MAX_NAME_CHARS),
        top_profile=capped(row.top_profile, MAX_NAME_CHARS),
        flags=tuple(capped(flag, MAX_NAME_CHARS) for flag in row.flags),
    )


def rows_from_results(results: Iterable[ScreeningResult]) -> list[ShortlistRow]:
    """Shortlist rows from screening results."""
    rows = [
        ShortlistRow(
            candidate_id=result.candidate_id,
            profile=result.profile,
            top_profile=result.top_profile,
            confidence=result.confidence,
            fit_score=result.fit.score if result.fit else None,
            fit_band=result.fit.band if result.fit else None,
            needs_review=result.needs_human_review,
            flags=tuple(flag.flag for flag in result.flags),
            trained_on=result.model.trained_on,
            model_id=result.model.model_id,
            fit_role=result.fit.role if result.fit else "",
            instrument_id=result.model.instrument_id,
            instrument_version=result.model.instrument_version,
        )
        for result in results
    ]
    return [capped_row(row) for row in rows]


@dataclass(frozen=True)
class _Column:
    heading: str
    kind: str
    sortable: bool
    sorted: bool


@dataclass(frozen=True)
class _RowView:
    rank: int
    candidate_id: str
    fit_text: str
    fit_sort: str
    bar_width: str
    band: str
    band_sort: str
    band_class: str
    band_name: str
    profile: str
    confidence: str
    confidence_sort: str
    flag_ids: str
    flag_names: str
    review: str
    review_flag: str
    review_sort: str
    href: str = ""


def shortlist_html(
    source: str | Path | Shortlist | Sequence[ScreeningResult] | Sequence[ShortlistRow],
    *,
    language: str = "en",
    role: RoleProfile | str | Path | None = None,
    instrument: Instrument | None = None,
    top: int | None = DEFAULT_TOP,
    links: Mapping[str, str] | None = None,
) -> str:
    """A self-contained shortlist page, best fit first.

    Parameters
    ----------
    source : path, Shortlist, list of ScreeningResult or list of ShortlistRow
        A results file (read a row at a time, see :func:`iter_results`), a :class:`Shortlist`
        already selected, or results in memory.
    language : {"en", "nb", "sv", "nl"}, default="en"
    role : RoleProfile or str, optional
        The role the fit was computed for (a built-in id or a role file), to name it on the
        page; by default the role the results record. Another role than the recorded one is
        refused (see :func:`~profilefit.data.results.stored_role`).
    instrument : Instrument, optional
        Only for names; by default the built-in instrument the results name (2.0's names for a 2.0
        file), else the shipped instrument.
    top : int or None, default=500
        The page lists the ``top`` candidates by fit and says how many it leaves out; its
        counts cover every candidate. ``None`` lists them all. Ignored for a Shortlist.
    links : mapping of str to str, optional
        A relative link for candidate ids (as listed): the row's id opens it, e.g. the report
        pages :func:`~profilefit.pages.reports.write_row_reports` writes beside the shortlist.

    Returns
    -------
    str

    Raises
    ------
    profilefit.exceptions.ResultsRoleError
        If the results record another role than ``role``, or more than one role.
    """
    shortlist = source if isinstance(source, Shortlist) else select_shortlist(_rows(source), top=top)
    labels = Labels(language, _instrument(shortlist, instrument))
    named = source if isinstance(source, str | Path) else "the results"
    resolved = stored_role(named, shortlist.roles, role).profile()
    summary = (
        labels.t("candidates_count", n=shortlist.total)
        + "; "
        + labels.t("band_counts", review=shortlist.needs_review, **shortlist.band_counts)
    )
    left_out = (
        labels.t("left_out", shown=len(shortlist.rows), left_out=shortlist.left_out) if shortlist.left_out else ""
    )
    return render_page(
        "pages/reports/shortlist.html",
        language=language,
        title=labels.t("title_shortlist"),
        styles=("pages/reports/report.css", "pages/reports/shortlist.css"),
        script=asset("pages/reports/shortlist.js"),
        t=labels.strings(),
        role_name=capped(resolved.text("name", language)) if resolved is not None else "",
        summary=summary,
        left_out=left_out,
        notices=[*_notices(shortlist, labels), labels.t("notice_flags")],
        bands=[(band, labels.band(band)) for band in (*BANDS, _INCOMPLETE)],
        flags=[(flag, labels.flag_name(flag)) for flag in FLAG_IDS],
        columns=_columns(labels),
        rows=[
            replace(_row_view(rank, row, labels), href=(links or {}).get(row.candidate_id, ""))
            for rank, row in enumerate(shortlist.rows, start=1)
        ],
        made_with=labels.t("made_with", version=profilefit_version()),
        instruments=", ".join(capped(f"{name} {version}", MAX_NAME_CHARS) for name, version in shortlist.instruments),
        group_mark=labels.catalogue.group_mark(),  # the script groups the counts it writes alike
    )


#: The notice of results that all come from one kind of model (the plural of a single result's), by kind.
_ONE_KIND = {
    "simulation": "notice_simulated",
    "organisation data": "notice_results_organisation_model",
    None: "notice_results_model_unknown",
}
#: The notice of one group of mixed results, with its count of candidates, by kind.
_EACH_GROUP = {
    "simulation": "notice_rows_simulated",
    "organisation data": "notice_rows_organisation_model",
    None: "notice_rows_model_unknown",
}


def _notices(shortlist: Shortlist, labels: Labels) -> list[str]:
    """The notices of a shortlist: decision support, and what the models behind its results were trained on.

    Results of one kind of model get one sentence. Mixed results get one per group of
    :attr:`Shortlist.model_groups`, each with its count of candidates (and, for models whose training data the
    file does not record, their ids): the reference model's rows keep the simulation notice beside another
    model's rows.
    """
    groups = shortlist.model_groups or (ModelGroup("simulation", 0),)  # an empty batch: the shipped model's words
    sentences = [labels.t("notice_human_results")]
    for group in groups:
        model = ", ".join(isolate(capped(model)) for model in group.models) or "?"
        if len(groups) == 1:
            sentences.append(labels.t(_ONE_KIND[group.trained_on], model=model))
        else:
            count = {"count": group.candidates, "total": shortlist.total}
            sentences.append(labels.t(_EACH_GROUP[group.trained_on], model=model, **count))
    return sentences


def _instrument(shortlist: Shortlist, given: Instrument | None) -> Instrument | None:
    """The instrument a shortlist's names come from: the one given, else the one built-in instrument its results name.

    Results of several instruments (a service that collected both) keep the shipped names; the page
    names every instrument in its footer.
    """
    if given is not None or len(shortlist.instruments) != 1:
        return given
    ((instrument_id, version),) = shortlist.instruments
    return instrument_named(instrument_id, version)


def _rows(source: str | Path | Sequence[ScreeningResult] | Sequence[ShortlistRow]) -> Iterator[ShortlistRow]:
    if isinstance(source, str | Path):
        yield from iter_results(source)
        return
    for item in source:
        if isinstance(item, ScreeningResult):
            yield from rows_from_results([item])
        else:  # rows built by hand are capped as rows read from a file are
            yield capped_row(item)


def _columns(labels: Labels) -> list[_Column]:
    columns = [
        ("col_rank", "number", False),
        ("candidate", "text", True),
        ("fit", "number", True),
        ("band", "text", True),
        ("profile_short", "text", True),
        ("probability", "number", True),
        ("col_flags", "text", True),
        ("col_review", "text", True),
    ]
    return [_Column(labels.t(key), kind, sortable, key == "fit") for key, kind, sortable in columns]


def _row_view(rank: int, row: ShortlistRow, labels: Labels) -> _RowView:
    score = row.fit_score
    band = _INCOMPLETE if row.incomplete else row.fit_band if row.fit_band in BANDS else ""
    profile = labels.profile(row.profile)
    if row.profile == UNDETERMINED and row.top_profile not in ("", UNDETERMINED):
        profile += f" ({labels.t('closest', profile=labels.profile(row.top_profile))})"
    return _RowView(
        rank=rank,
        candidate_id=row.candidate_id,
        fit_text="" if score is None else labels.number(score),
        fit_sort="-1" if score is None else f"{score:.1f}",
        bar_width="0" if score is None else f"{max(0.0, min(score, 100.0)) * 0.6:.1f}",
        band=band,
        band_sort=str((*BANDS, _INCOMPLETE).index(band)) if band else "9",
        band_class="none" if band in ("", _INCOMPLETE) else ("muted" if row.needs_review else band),
        band_name=labels.band(band or None) if score is not None else labels.t("no_score"),
        profile=profile,
        confidence="" if row.confidence is None else labels.percent(row.confidence),
        confidence_sort="-1" if row.confidence is None else repr(row.confidence),
        flag_ids=" ".join(row.flags),
        flag_names=", ".join(labels.flag_name(flag) for flag in row.flags),
        review=labels.t("review_needed" if row.needs_review else "review_not_needed"),
        review_flag=str(int(row.needs_review)),
        review_sort=str(int(not row.needs_review)),
    )
