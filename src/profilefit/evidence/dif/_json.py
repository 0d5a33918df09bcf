"""The DIF report as JSON: keys in English and class letters as published, the same in every language.

Gathered as a dict, which reads as the file does, then validated into
:class:`~profilefit.evidence.dif.DifDocument` in strict mode (a number given as text, or a tuple where a
list belongs, is an error, not converted), so a missing, misspelt or mistyped key fails in the tests
and never reaches a file; the JSON written always matches ``docs/schema/dif.schema.json``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from profilefit.evidence.dif._analysis import FDR, MIN_GROUP_SIZE, AnswerDif
from profilefit.evidence.dif._document import DIF_SCHEMA_VERSION, DifDocument
from profilefit.evidence.dif._report import DifReport


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
    if answer.block:
        record["block"], record["letter"] = answer.block, answer.letter
    if answer.mantel is not None:
        record["mantel"] = {
            "chi2": _number(answer.mantel.chi2),
            "p": _number(answer.mantel.p_value),
            "smd": _number(answer.mantel.smd),
            "smd_sd": _number(answer.mantel.smd_effect),
            "strata": answer.mantel.n_strata,
            "curves": {
                "rest_score": list(answer.mantel.levels),
                "mean_reference": list(answer.mantel.mean_reference),
                "mean_focal": list(answer.mantel.mean_focal),
            },
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


def dif_document(report: DifReport) -> DifDocument:
    """The report as its JSON document (keys in English; ``None`` where a figure is undefined)."""
    inputs = report.inputs
    data = {
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
                "statement": "deciles (MH) or value (logistic) of the Thurstonian estimate of the statement's scale "
                "from the other blocks",
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
                "flagged": list(dict.fromkeys(a.field for a in c.flagged)),
                "flagged_blocks": {block: list(flags) for block, flags in c.flagged_blocks().items()},
                "ets_class_counts": c.class_counts(),
                "warnings": [{"code": code, **values} for code, values in c.warnings],
                "answers": [_answer_dict(a) for a in c.answers],
            }
            for c in report.comparisons
        ],
    }
    return DifDocument.model_validate(data, strict=True)


def dif_to_dict(report: DifReport) -> dict[str, Any]:
    """The report as plain JSON-ready data: :func:`dif_document`, dumped (``null`` where a figure is undefined)."""
    return dif_document(report).model_dump(mode="json")


def write_dif_json(report: DifReport, path: str | Path) -> Path:
    """Write :func:`dif_to_dict` as indented UTF-8 JSON."""
    path = Path(path)
    path.write_text(json.dumps(dif_to_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n", "utf-8")
    return path
