"""The DIF report as plain text, and the sentences and tables the HTML page shares with it."""

from __future__ import annotations

from typing import Any

from profilefit.evidence.dif._analysis import AnswerDif, DifComparison
from profilefit.evidence.dif._report import MIN_COMPARED, DifReport
from profilefit.evidence.dif._strings import DifText
from profilefit.pages import terminal_text

#: A sentence to say: a string key and the values to fill in (a list is a list of data values).
Sentence = tuple[str, dict[str, Any]]


def _header_sentences(report: DifReport, words: DifText) -> list[Sentence]:
    inputs = report.inputs
    sentences: list[Sentence] = [
        ("instrument", {"id": report.instrument.id, "version": report.instrument.version}),
        (
            "rows",
            {
                "read": words.count(inputs.rows_read),
                "rejected": words.count(inputs.rows_rejected),
                "repeated": words.count(inputs.rows_repeated),
                "missing": words.count(inputs.without_demographics),
                "unknown": words.count(inputs.unknown_category),
            },
        ),
        ("group_counts", {"counts": [f"{g} {words.count(n)}" for g, n in inputs.counts().items()]}),
    ]
    if report.skipped:
        sentences.append(
            (
                "skipped",
                {
                    "groups": [f"{g} {words.count(n)}" for g, n in report.skipped.items()],
                    "minimum": words.count(MIN_COMPARED),
                },
            )
        )
    sentences.append(("demographics_note", {}))
    return sentences


def _comparison_sentences(comparison: DifComparison, words: DifText) -> list[Sentence]:
    sentences: list[Sentence] = [(code, dict(values)) for code, values in comparison.warnings]
    if comparison.step1_flagged:
        sentences.append(("purification_some", {"fields": list(comparison.step1_flagged)}))
    else:
        sentences.append(("purification_none", {}))
    sentences.append(("multiple_comparisons", {"m": words.count(len(comparison.answers))}))
    counts = comparison.class_counts()

    def listed(kind: str) -> list[str]:
        return [f"{name} {words.count(n)}" for name, n in counts.get(kind, {}).items()]

    if "most" in counts:
        statements = {"most": listed("most"), "least": listed("least")}
        sentences.append(
            ("class_counts_statements", {**statements, "options": listed("option"), "checks": listed("check")})
        )
    else:
        classes = {"items": listed("likert"), "options": listed("option"), "checks": listed("check")}
        sentences.append(("class_counts", classes))
    flagged = list(dict.fromkeys(a.field for a in comparison.flagged))
    sentences.append(("flagged_some", {"fields": flagged}) if flagged else ("flagged_none", {}))
    blocks = comparison.flagged_blocks()
    if blocks:
        sentences.append(("flagged_blocks", {"blocks": [f"{b} ({', '.join(f)})" for b, f in blocks.items()]}))
    return sentences


def _say(words: DifText, sentence: Sentence) -> str:
    """A sentence as plain text: lists joined with commas (``none`` when empty)."""
    key, values = sentence
    filled = {
        k: (", ".join(map(terminal_text, v)) or words.t("none")) if isinstance(v, list) else terminal_text(v)
        for k, v in values.items()
    }
    return words.t(key, **filled)


def _item_row(answer: AnswerDif, words: DifText) -> list[str]:
    mantel, lr = answer.mantel, answer.logistic
    assert mantel is not None
    return [
        answer.field + (" †" if answer.purified else ""),
        words.group_name(answer.group),
        f"{words.count(answer.n_reference)}/{words.count(answer.n_focal)}",
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
        f"{words.count(answer.n_reference)}/{words.count(answer.n_focal)}",
        words.number(mh.odds_ratio),
        words.number(mh.delta),
        words.number(mh.chi2, 1),
        words.q(answer.q_mh),
        answer.ets,
        words.t("flag_yes") if answer.flagged else "",
    ]


def _statement_row(answer: AnswerDif, words: DifText) -> list[str]:
    mh, lr = answer.mh, answer.logistic
    assert mh is not None
    return [
        answer.field + (" †" if answer.purified else ""),
        f"{answer.block} {answer.letter}",
        words.group_name(answer.group),
        f"{words.count(answer.n_reference)}/{words.count(answer.n_focal)}",
        words.number(mh.odds_ratio),
        words.number(mh.delta),
        words.number(mh.chi2, 1),
        words.q(answer.q_mh),
        answer.ets,
        words.number(lr.r2_change, 3) if lr else "–",
        words.q(answer.q_logistic),
        answer.jodoin_gierl or "–",
        words.t(f"type_{answer.dif_type.replace('-', '_')}") if answer.dif_type else "",
        words.t("flag_yes") if answer.flagged else "",
    ]


def legend(comparisons: tuple[DifComparison, ...], words: DifText) -> list[str]:
    """The legend lines under the tables of ``comparisons``: statements get their own line."""
    kinds = {a.kind for comparison in comparisons for a in comparison.answers}
    lines = [words.t("purified_mark")]
    if "likert" in kinds:
        lines.append(words.t("legend_items"))
    if kinds & {"most", "least"}:
        lines.append(words.t("legend_statements"))
    return [*lines, words.t("legend_binary")]


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
    statement_header = [t("column_statement"), t("column_block"), t("column_scale"), *binary_tail[:-1]]
    statement_header += [t("column_r2"), t("column_q_lr"), t("column_jg"), t("column_type"), t("column_flag")]
    sections = []
    kinds = (
        ("likert", "section_items", "matching_items", item_header, _item_row),
        ("most", "section_most", "matching_statements", statement_header, _statement_row),
        ("least", "section_least", "matching_statements", statement_header, _statement_row),
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
    by = words.dimension(report.inputs.by)
    header = [_say(words, sentence) for sentence in _header_sentences(report, words)]
    lines = [words.t("title", by=terminal_text(by)), "", *header, "", words.t("what_dif_is")]
    for comparison in report.comparisons:
        lines += ["", "=" * 72, _say(words, ("comparison", _comparison_values(comparison, words))), ""]
        lines += [_say(words, sentence) for sentence in _comparison_sentences(comparison, words)]
        for title, note, header, rows in _tables(comparison, words):
            lines += ["", title, note, *_plain_table(header, rows)]
        lines += ["", *legend((comparison,), words)]
    lines += ["", words.t("sources")]
    return "\n".join(lines) + "\n"


def _comparison_values(comparison: DifComparison, words: DifText) -> dict[str, object]:
    return {
        "focal": comparison.focal,
        "reference": comparison.reference,
        "n_focal": words.count(comparison.n_focal),
        "n_reference": words.count(comparison.n_reference),
    }
