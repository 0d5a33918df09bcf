"""A DIF report: every comparison of one dimension, as text, JSON and a self-contained HTML page.

Texts come from ``dif/data/strings.json`` in English, Norwegian (bokmål), Swedish and Dutch,
the languages of the reports; a test fails when a language lacks a key. JSON keys and class
letters stay the same in every language, so systems can read them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from profilefit.dif._analysis import FDR, MIN_GROUP_SIZE, AnswerDif, DifComparison, dif_comparison
from profilefit.dif._inputs import DifInputError, DifInputs, dif_inputs
from profilefit.instrument import Instrument, load_instrument
from profilefit.profiles import load_profiles

#: Groups smaller than this are not compared unless named as focal groups: their figures would be noise.
MIN_COMPARED = 30
#: Version of the DIF JSON layout.
DIF_SCHEMA_VERSION = "1"


@lru_cache(maxsize=1)
def _strings_file() -> dict[str, Any]:
    text = resources.files("profilefit.dif").joinpath("data", "strings.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def dif_languages() -> tuple[str, ...]:
    """Languages the DIF report is written in."""
    return tuple(_strings_file()["languages"])


def dif_strings() -> dict[str, dict[str, str]]:
    """Every DIF report string: key, then language, then text with ``{placeholders}``."""
    strings: dict[str, dict[str, str]] = _strings_file()["strings"]
    return strings


class DifText:
    """The DIF report's words and numbers in one language, and the names of scales and profiles in it.

    Parameters
    ----------
    language : str
        One of :func:`dif_languages`.
    instrument : Instrument, optional
        Where scale names come from; without it, scales are shown by id.
    """

    def __init__(self, language: str = "en", instrument: Instrument | None = None) -> None:
        if language not in dif_languages():
            raise ValueError(f"no DIF report in language {language!r}; choose one of {', '.join(dif_languages())}")
        self.language = language
        self._names: dict[str, str] = {}
        if instrument is not None:
            profiles = load_profiles()
            self._names = {p: profiles.name(p, language) for p in profiles.ids}
            self._names.update(
                {scale.id: scale.name.get(language) or scale.name.get("en") or scale.id for scale in instrument.scales}
            )

    def group_name(self, group: str) -> str:
        """Display name of what an answer belongs to: a scale, a profile an option is keyed to, or itself."""
        return self._names.get(group, group)

    def t(self, key: str, **values: object) -> str:
        """The string ``key`` in this language, with ``values`` filled in."""
        text = dif_strings()[key][self.language]
        return text.format(**values) if values else text

    def number(self, value: float, decimals: int = 2) -> str:
        """A number with this language's decimal separator; a dash when undefined."""
        if not math.isfinite(value):
            return "–"
        text = f"{value:.{decimals}f}"
        if float(text) == 0:
            text = text.lstrip("-")  # no "−0.00"
        return text.replace(".", self.t("decimal_separator")).replace("-", "−")

    def q(self, value: float) -> str:
        """An adjusted p-value, with ``<0.001`` for the smallest."""
        if not math.isfinite(value):
            return "–"
        return "<" + self.number(0.001, 3) if value < 0.001 else self.number(value, 3)


@dataclass(frozen=True, eq=False)
class DifReport:
    """DIF of an export by one demographic dimension.

    Attributes
    ----------
    instrument : Instrument
    inputs : DifInputs
        What was read, and the counts of rows left out and why.
    comparisons : tuple of DifComparison
        One per focal group, each against the reference group.
    skipped : dict of str to int
        Groups left out of the default comparisons because they had fewer than
        :data:`MIN_COMPARED` people (name one with ``focal`` to compare it anyway).
    """

    instrument: Instrument
    inputs: DifInputs
    comparisons: tuple[DifComparison, ...]
    skipped: dict[str, int] = field(default_factory=dict)


def dif_report(
    inputs: DifInputs,
    instrument: Instrument,
    *,
    reference: str | None = None,
    focal: Sequence[str] | None = None,
    purify: bool = True,
) -> DifReport:
    """Compare every focal group with the reference group.

    Parameters
    ----------
    inputs : DifInputs
    instrument : Instrument
    reference : str, optional
        The reference group; by default the largest group (other than a single named focal group).
    focal : sequence of str, optional
        The focal groups; by default every other group.
    purify : bool, default=True

    Raises
    ------
    DifInputError
        When a named group has nobody in it, or there are fewer than two groups.
    """
    counts = inputs.counts()
    if not counts:
        raise DifInputError(
            f"no valid row of the export has a known {inputs.by}: {inputs.rows_read} rows read, "
            f"{inputs.rows_rejected} rejected, {inputs.without_demographics} without a demographics row, "
            f"{inputs.unknown_category} with an unknown category"
        )
    found = ", ".join(f"{g} ({n})" for g, n in counts.items()) or "(none)"
    for name in [reference, *(focal or [])]:
        if name is not None and name not in counts:
            raise DifInputError(f"no candidate of the export is in group {name!r} of {inputs.by}; found: {found}")
    if reference is None:
        others = [g for g in counts if not focal or g not in focal]
        if not others:
            raise DifInputError(f"give --reference: every group found is a focal group ({found})")
        reference = others[0]
    skipped: dict[str, int] = {}
    if focal:
        focal_groups = list(focal)
    else:
        focal_groups = [g for g, n in counts.items() if g != reference and n >= MIN_COMPARED]
        skipped = {g: n for g, n in counts.items() if g != reference and n < MIN_COMPARED}
    if not focal_groups:
        raise DifInputError(
            f"DIF compares two groups, but {inputs.by} has no group besides {reference!r} with at least "
            f"{MIN_COMPARED} people: {found}; name a smaller group with --focal to compare it anyway"
        )
    comparisons = tuple(
        dif_comparison(inputs.responses, inputs.groups, reference=reference, focal=group, purify=purify)
        for group in focal_groups
    )
    return DifReport(instrument, inputs, comparisons, skipped)


def dif_files(
    export: str | Path,
    demographics: str | Path,
    *,
    by: str = "sex",
    reference: str | None = None,
    focal: Sequence[str] | None = None,
    instrument: Instrument | str | Path | None = None,
    ignore_columns: tuple[str, ...] = (),
    purify: bool = True,
) -> DifReport:
    """Read an export and a demographics file and analyse DIF by ``by``.

    Parameters
    ----------
    export : str or Path
        Assessment export, as ``profilefit score`` reads it.
    demographics : str or Path
        The audit's demographics CSV.
    by : {"sex", "race_ethnicity", "age_band"}, default="sex"
    reference, focal : optional
        See :func:`dif_report`.
    instrument : Instrument, str or Path, optional
        The instrument answered: an object, a built-in name or an instrument file; by default
        the shipped customer-contact instrument.
    ignore_columns : tuple of str, optional
    purify : bool, default=True

    Returns
    -------
    DifReport

    Examples
    --------
    >>> from profilefit.dif import dif_files, format_dif_text  # doctest: +SKIP
    >>> report = dif_files("export.csv", "demographics.csv", by="sex")  # doctest: +SKIP
    >>> print(format_dif_text(report, "nb"))  # doctest: +SKIP
    """
    loaded = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    inputs = dif_inputs(export, demographics, by=by, instrument=loaded, ignore_columns=ignore_columns)
    return dif_report(inputs, loaded, reference=reference, focal=focal, purify=purify)


# ---- JSON ---------------------------------------------------------------------------------


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _answer_dict(answer: AnswerDif) -> dict[str, Any]:
    record: dict[str, Any] = {
        "field": answer.field,
        "kind": answer.kind,
        "group": answer.group,
        "n_reference": answer.n_reference,
        "n_focal": answer.n_focal,
        "matched_on": list(answer.matched_on),
        "purified": answer.purified,
        "flagged": answer.flagged,
        "ets_class": answer.ets,
        "q_mh": _number(answer.q_mh),
    }
    if answer.mantel is not None:
        record["mantel"] = {
            "chi2": _number(answer.mantel.chi2),
            "p": _number(answer.mantel.p_value),
            "smd": _number(answer.mantel.smd),
            "smd_sd": _number(answer.mantel.smd_effect),
            "strata": answer.mantel.n_strata,
        }
    if answer.logistic is not None:
        lr = answer.logistic
        record["logistic"] = {
            "chi2_uniform": _number(lr.chi2_uniform),
            "p_uniform": _number(lr.p_uniform),
            "chi2_nonuniform": _number(lr.chi2_nonuniform),
            "p_nonuniform": _number(lr.p_nonuniform),
            "chi2_any": _number(lr.chi2_any),
            "p_any": _number(lr.p_any),
            "q_any": _number(answer.q_logistic),
            "r2_change_nagelkerke": _number(lr.r2_change),
            "group_coef": _number(lr.group_coef),
            "dif_type": answer.dif_type or None,
            "zumbo_thomas": answer.zumbo_thomas,
            "jodoin_gierl": answer.jodoin_gierl,
            "converged": lr.converged,
        }
    if answer.mh is not None:
        mh = answer.mh
        record["mantel_haenszel"] = {
            "odds_ratio": _number(mh.odds_ratio),
            "log_odds_se": _number(mh.log_odds_se),
            "chi2": _number(mh.chi2),
            "p": _number(mh.p_value),
            "delta": _number(mh.delta),
            "delta_se": _number(mh.delta_se),
            "strata": mh.n_strata,
        }
    return record


def dif_to_dict(report: DifReport) -> dict[str, Any]:
    """The report as plain JSON-ready data (keys in English; ``null`` where a figure is undefined)."""
    inputs = report.inputs
    return {
        "schema_version": DIF_SCHEMA_VERSION,
        "instrument": {"id": report.instrument.id, "version": report.instrument.version},
        "by": inputs.by,
        "rows": {
            "read": inputs.rows_read,
            "rejected": inputs.rows_rejected,
            "repeated_ids": inputs.rows_repeated,
            "without_demographics": inputs.without_demographics,
            "unknown_category": inputs.unknown_category,
        },
        "groups": inputs.counts(),
        "skipped_groups": report.skipped,
        "method": {
            "false_discovery_rate": FDR,
            "adjustment": "Benjamini-Hochberg within each comparison, Mantel-Haenszel and logistic tests apart",
            "purification": "two-step: answers in ETS class B/C or BB/CC in step 1 are left out of matching scores",
            "min_group_size": MIN_GROUP_SIZE,
            "matching": {
                "likert": "rest score of the item's own scale",
                "option": "deciles of a propensity from scale scores and same-key choices in other scenarios",
                "check": "other attention checks answered as instructed",
            },
            "r2": "Nagelkerke",
        },
        "comparisons": [
            {
                "reference": c.reference,
                "focal": c.focal,
                "n_reference": c.n_reference,
                "n_focal": c.n_focal,
                "step1_flagged": list(c.step1_flagged),
                "flagged": [a.field for a in c.flagged],
                "warnings": [{"code": code, **values} for code, values in c.warnings],
                "answers": [_answer_dict(a) for a in c.answers],
            }
            for c in report.comparisons
        ],
    }


def write_dif_json(report: DifReport, path: str | Path) -> Path:
    """Write :func:`dif_to_dict` as indented UTF-8 JSON."""
    path = Path(path)
    path.write_text(json.dumps(dif_to_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n", "utf-8")
    return path


# ---- text ---------------------------------------------------------------------------------


#: A sentence to say: a string key and the values to fill in (a list is a list of data values).
Sentence = tuple[str, dict[str, Any]]


def _header_sentences(report: DifReport) -> list[Sentence]:
    inputs = report.inputs
    sentences: list[Sentence] = [
        ("instrument", {"id": report.instrument.id, "version": report.instrument.version}),
        (
            "rows",
            {
                "read": inputs.rows_read,
                "rejected": inputs.rows_rejected,
                "repeated": inputs.rows_repeated,
                "missing": inputs.without_demographics,
                "unknown": inputs.unknown_category,
            },
        ),
        ("group_counts", {"counts": [f"{g} {n}" for g, n in inputs.counts().items()]}),
    ]
    if report.skipped:
        sentences.append(
            ("skipped", {"groups": [f"{g} {n}" for g, n in report.skipped.items()], "minimum": MIN_COMPARED})
        )
    sentences.append(("demographics_note", {}))
    return sentences


def _comparison_sentences(comparison: DifComparison) -> list[Sentence]:
    sentences: list[Sentence] = [(code, dict(values)) for code, values in comparison.warnings]
    if comparison.step1_flagged:
        sentences.append(("purification_some", {"fields": list(comparison.step1_flagged)}))
    else:
        sentences.append(("purification_none", {}))
    sentences.append(("multiple_comparisons", {"m": len(comparison.answers)}))
    flagged = [a.field for a in comparison.flagged]
    sentences.append(("flagged_some", {"fields": flagged}) if flagged else ("flagged_none", {}))
    return sentences


def _say(words: DifText, sentence: Sentence) -> str:
    """A sentence as plain text: lists joined with commas (``none`` when empty)."""
    key, values = sentence
    filled = {k: (", ".join(map(str, v)) or words.t("none")) if isinstance(v, list) else v for k, v in values.items()}
    return words.t(key, **filled)


def _item_row(answer: AnswerDif, words: DifText) -> list[str]:
    mantel, lr = answer.mantel, answer.logistic
    assert mantel is not None
    return [
        answer.field + (" †" if answer.purified else ""),
        words.group_name(answer.group),
        f"{answer.n_reference}/{answer.n_focal}",
        words.number(mantel.smd),
        words.number(mantel.smd_effect),
        words.number(mantel.chi2, 1),
        words.q(answer.q_mh),
        answer.ets,
        words.number(lr.r2_change, 3) if lr else "–",
        words.q(answer.q_logistic),
        answer.zumbo_thomas or "–",
        answer.jodoin_gierl or "–",
        words.t(f"type_{answer.dif_type.replace('-', '_')}") if answer.dif_type else "",
        words.t("flag_yes") if answer.flagged else "",
    ]


def _binary_row(answer: AnswerDif, words: DifText) -> list[str]:
    mh = answer.mh
    assert mh is not None
    return [
        answer.field + (" †" if answer.purified else ""),
        "" if answer.kind == "check" else words.group_name(answer.group),
        f"{answer.n_reference}/{answer.n_focal}",
        words.number(mh.odds_ratio),
        words.number(mh.delta),
        words.number(mh.chi2, 1),
        words.q(answer.q_mh),
        answer.ets,
        words.t("flag_yes") if answer.flagged else "",
    ]


def _tables(comparison: DifComparison, words: DifText) -> list[tuple[str, str, list[str], list[list[str]]]]:
    """(title, note, header, rows) of each section that has answers."""
    t = words.t
    item_header = [
        t("column_item"),
        t("column_scale"),
        t("column_n"),
        t("column_smd"),
        t("column_smd_sd"),
        t("column_chi2"),
        t("column_q"),
        t("column_ets"),
        t("column_r2"),
        t("column_q_lr"),
        t("column_zt"),
        t("column_jg"),
        t("column_type"),
        t("column_flag"),
    ]
    binary_tail = [t("column_n"), t("column_alpha"), t("column_delta"), t("column_chi2"), t("column_q")]
    binary_tail += [t("column_ets"), t("column_flag")]
    sections = []
    kinds = (
        ("likert", "section_items", "matching_items", item_header, _item_row),
        ("option", "section_options", "matching_options", [t("column_option"), t("column_key"), *binary_tail], None),
        ("check", "section_checks", "matching_checks", [t("column_check"), "", *binary_tail], None),
    )
    for kind, title, note, header, row in kinds:
        answers = [a for a in comparison.answers if a.kind == kind]
        if answers:
            make = row or _binary_row
            sections.append((t(title), t(note), header, [make(a, words) for a in answers]))
    return sections


def _plain_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return lines


def format_dif_text(report: DifReport, language: str = "en") -> str:
    """The report as plain text for a terminal."""
    words = DifText(language, report.instrument)
    by = words.t(f"dimension_{report.inputs.by}")
    header = [_say(words, sentence) for sentence in _header_sentences(report)]
    lines = [words.t("title", by=by), "", *header, "", words.t("what_dif_is")]
    for comparison in report.comparisons:
        lines += ["", "=" * 72, words.t("comparison", **_comparison_values(comparison)), ""]
        lines += [_say(words, sentence) for sentence in _comparison_sentences(comparison)]
        for title, note, header, rows in _tables(comparison, words):
            lines += ["", title, note, *_plain_table(header, rows)]
        lines += ["", words.t("purified_mark"), words.t("legend_items"), words.t("legend_binary")]
    lines += ["", words.t("sources")]
    return "\n".join(lines) + "\n"


def _comparison_values(comparison: DifComparison) -> dict[str, object]:
    return {
        "focal": comparison.focal,
        "reference": comparison.reference,
        "n_focal": comparison.n_focal,
        "n_reference": comparison.n_reference,
    }
