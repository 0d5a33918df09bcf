"""The forecast as text and as JSON-ready data, in English, Norwegian (bokmål), Swedish or Dutch.

Texts come from ``forecast/data/strings.json``; a test fails when a language lacks a key. Numbers are
written by the one formatter of the page catalogue (:meth:`profilefit.pages.Catalogue.number`), so a number
prints alike in every output. Both outputs name the sources of the differences and say how far their
values are checked. The differences file's title, group names and check note are shown in the page's
language where the file gives it (English otherwise); citations are shown as published.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from profilefit.evidence.forecast._document import FORECAST_SCHEMA_VERSION, ForecastDocument
from profilefit.evidence.forecast._forecast import FOUR_FIFTHS, ImpactForecast, RateForecast
from profilefit.pages import catalogue, domain_file, domain_strings, terminal_text

#: The forecast's strings domain in the page catalogue (``forecast/data/strings.json``).
DOMAIN = "profilefit.evidence.forecast"


def forecast_languages() -> tuple[str, ...]:
    """Languages the forecast is written in."""
    return tuple(domain_file(DOMAIN)["languages"])


def forecast_strings() -> dict[str, dict[str, str]]:
    """Every forecast string: key, then language, then text with ``{placeholders}``."""
    return domain_strings(DOMAIN)


def warning_light(language: str = "en") -> str:
    """The warning every forecast ends with: a warning light, not a verdict."""
    return forecast_strings()["warning_light"][language]


class ForecastText:
    """The forecast's words and numbers in one language."""

    def __init__(self, forecast: ImpactForecast, language: str = "en") -> None:
        if language not in forecast_languages():
            raise ValueError(f"no forecast in language {language!r}; choose one of {', '.join(forecast_languages())}")
        self.language = language
        self._catalogue = catalogue(language)
        self._differences = forecast.differences
        names = forecast.role_names
        self.role = names.get(language) or names.get("en") or forecast.role
        self._scales = {}
        if forecast.instrument is not None:
            self._scales = {s.id: s.name.get(language) or s.name.get("en") or s.id for s in forecast.instrument.scales}

    def t(self, key: str, **values: object) -> str:
        """The string ``key`` in this language, with ``values`` filled in."""
        return self._catalogue.t(DOMAIN, key, **values)

    def number(self, value: float, decimals: int = 2, *, sign: bool = False) -> str:
        """A number as every page writes it in this language (:meth:`profilefit.pages.Catalogue.number`).

        With ``sign``, a ``+`` before a number that is not negative; a number that rounds to zero has no minus.
        """
        return self._catalogue.number(value, decimals, sign=sign)

    def count(self, value: int) -> str:
        """A whole number, thousands grouped as this language groups them (``2,000``, ``2 000``, ``2.000``)."""
        return self.number(value, 0)

    def percent(self, share: float, decimals: int = 1) -> str:
        """A share 0–1 as a percentage, as the candidate reports write it (``12.5%``, ``12,5 %``)."""
        return self._catalogue.percent(share, decimals)

    def weight(self, value: float) -> str:
        """A role weight without trailing zeros."""
        return f"{value:g}".replace(".", self._catalogue.decimal_mark())

    def scale(self, scale_id: str) -> str:
        """A scale's name in this language, or its id."""
        return self._scales.get(scale_id, scale_id)

    def band(self, band: str) -> str:
        """A band's name (or the scoring rate) in this language."""
        return self.t(f"band_{band}")

    def group(self, group: str) -> str:
        """A group's name in this language, as the differences file gives it (English, else its key)."""
        return self._differences.group_label(group, self.language)

    def title(self) -> str:
        """The differences file's title in this language (English when the file gives no translation)."""
        return self._differences.text("title", self.language) or ""

    def verification(self) -> str | None:
        """How far the differences are checked, in this language (English when not translated); None: not said."""
        return self._differences.text("verification", self.language)


#: A sentence: a string key and its values (a list is a list of data values).
Sentence = tuple[str, dict[str, Any]]


def intro_sentences(forecast: ImpactForecast, words: ForecastText) -> list[Sentence]:
    """What was simulated, with which differences and model."""
    diff = forecast.differences
    trained = "model_simulation" if forecast.trained_on == "simulation" else "model_organisation"
    sentences: list[Sentence] = [
        (trained, {"model": forecast.model_id}),
        ("differences", {"title": words.title(), "id": diff.id, "reference": words.group(diff.reference)}),
    ]
    for group, scales in diff.groups.items():
        values = [
            f"{words.scale(scale)} {words.number(entry.d, 1, sign=True)}{'*' if entry.basis == 'extrapolated' else ''}"
            for scale, entry in scales.items()
        ]
        sentences.append(
            ("group_d", {"group": words.group(group), "reference": words.group(diff.reference), "values": values})
        )
    if any(entry.basis == "extrapolated" for scales in diff.groups.values() for entry in scales.values()):
        sentences.append(("extrapolated", {}))
    sentences.append(("mapping", {"id": diff.id}))
    sentences.append(
        (
            "simulated",
            {"draws": words.count(forecast.draws), "n": words.count(forecast.n_per_group), "seed": str(forecast.seed)},
        )
    )
    return sentences


def rate_rows(forecast: ImpactForecast, words: ForecastText) -> list[tuple[str, RateForecast]]:
    """(band label, rate) for every band and the scoring rate, reference group first within each."""
    rows = []
    for band, rates in forecast.selection.items():
        label = words.band(band) + (" *" if band == forecast.select_band else "")
        rows += [(label, rate) for rate in rates]
    rows += [(words.band("scoring"), rate) for rate in forecast.scoring]
    return rows


def rate_cells(rate: RateForecast, words: ForecastText) -> list[str]:
    """The cells of one rate: selected [interval], impact ratio [interval], share of draws below 4/5."""
    return [
        f"{words.percent(rate.rate)} [{words.number(100 * rate.rate_low, 1)}–{words.number(100 * rate.rate_high, 1)}]",
        f"{words.number(rate.ratio)} [{words.number(rate.ratio_low)}–{words.number(rate.ratio_high)}]"
        + (" <4/5" if rate.ratio < FOUR_FIFTHS else ""),
        words.percent(rate.below_four_fifths, 0),
    ]


def why_sentences(forecast: ImpactForecast, words: ForecastText) -> list[Sentence]:
    """The role's weighted scales with each group's difference and whom it favours, then the fit-score gap."""
    diff = forecast.differences
    sentences: list[Sentence] = []
    for scale, (weight, direction) in sorted(forecast.role_scales.items(), key=lambda kv: -kv[1][0]):
        parts = []
        for group, scales in diff.groups.items():
            d = scales[scale].d if scale in scales else 0.0
            gain = d if direction == "higher" else -d
            favoured = (
                words.group(group) if gain > 0 else (words.group(diff.reference) if gain < 0 else words.t("neither"))
            )
            parts.append(
                words.t("favours", group=words.group(group), d=words.number(d, 1, sign=True), favoured=favoured)
            )
        sentences.append(
            (
                "why_line",
                {
                    "scale": words.scale(scale),
                    "weight": words.weight(weight),
                    "direction": words.t(f"direction_{direction}"),
                    "parts": parts,
                },
            )
        )
    for group, (gap, low, high) in forecast.fit_gap.items():
        sentences.append(
            (
                "fit_gap",
                {
                    "group": words.group(group),
                    "reference": words.group(diff.reference),
                    "d": words.number(gap, sign=True),
                    "low": words.number(low, sign=True),
                    "high": words.number(high, sign=True),
                },
            )
        )
    return sentences


def headline_sentence(forecast: ImpactForecast, words: ForecastText) -> Sentence:
    """The lowest impact ratio at the headline band."""
    lowest = forecast.lowest_ratio
    return (
        "headline",
        {
            "band": words.band(forecast.select_band),
            "ratio": words.number(lowest.ratio),
            "group": words.group(lowest.group),
            "low": words.number(lowest.ratio_low),
            "high": words.number(lowest.ratio_high),
            "share": words.percent(lowest.below_four_fifths, 0),
        },
    )


def _say(words: ForecastText, sentence: Sentence) -> str:
    key, values = sentence
    filled = {
        k: "; ".join(map(terminal_text, v)) if isinstance(v, list) else terminal_text(v) for k, v in values.items()
    }
    if key == "group_d":
        filled["values"] = ", ".join(values["values"])
    return words.t(key, **filled)


def _plain_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return [
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def format_forecast_text(forecast: ImpactForecast, language: str = "en") -> str:
    """The forecast as plain text: the differences and their sources, the rates, ratios, intervals and why."""
    words = ForecastText(forecast, language)
    lines = [
        words.t("title", role=terminal_text(words.role)),
        *(_say(words, s) for s in intro_sentences(forecast, words)),
        "",
    ]
    header = [words.t(k) for k in ("column_band", "column_group", "column_rate", "column_ratio", "column_below")]
    rows, previous = [], ""
    for label, rate in rate_rows(forecast, words):
        rows.append(
            [label if label != previous else "", terminal_text(words.group(rate.group)), *rate_cells(rate, words)]
        )
        previous = label
    lines += _plain_table(header, rows)
    lines += ["  " + words.t("headline_mark"), "  " + words.t("scoring_note"), "", words.t("why")]
    lines += ["  " + _say(words, s) for s in why_sentences(forecast, words)]
    lines += ["", _say(words, headline_sentence(forecast, words)), "", words.t("sources")]
    diff = forecast.differences
    lines += [
        f"  - {terminal_text(source.citation)}" + (f" {terminal_text(source.url)}" if source.url else "")
        for source in diff.sources
    ]
    verification = words.verification()
    if verification:
        lines += [f"  {words.t('checked')} {terminal_text(verification)}"]
    lines += ["", words.t("warning_light")]
    return "\n".join(lines) + "\n"


def _rate_dict(rate: RateForecast) -> dict[str, Any]:
    return {
        "group": rate.group,
        "rate": rate.rate,
        "rate_interval": (rate.rate_low, rate.rate_high),
        "impact_ratio": rate.ratio,
        "impact_ratio_interval": (rate.ratio_low, rate.ratio_high),
        "share_of_draws_below_four_fifths": rate.below_four_fifths,
    }


def forecast_document(forecast: ImpactForecast) -> ForecastDocument:
    """The forecast as its JSON document, with the differences file it used (sources included).

    Gathered as a dict, which reads as the file does, then validated into :class:`ForecastDocument` in strict
    mode (a number given as text, or a tuple where a list belongs, is an error, not converted), so a
    missing, misspelt or mistyped key fails in the tests and never reaches a file; the JSON written
    always matches ``docs/schema/forecast.schema.json``.
    """
    data = {
        "schema_version": FORECAST_SCHEMA_VERSION,
        "role": forecast.role,
        "role_names": forecast.role_names,
        "model_id": forecast.model_id,
        "trained_on": forecast.trained_on,
        "n_per_group": forecast.n_per_group,
        "draws": forecast.draws,
        "seed": forecast.seed,
        "select_band": forecast.select_band,
        "selection": {band: [_rate_dict(r) for r in rates] for band, rates in forecast.selection.items()},
        "scoring": [_rate_dict(r) for r in forecast.scoring],
        "fit_score_d": {
            group: {"d": gap, "interval": (low, high)} for group, (gap, low, high) in forecast.fit_gap.items()
        },
        "role_scales": {scale: {"weight": w, "direction": d} for scale, (w, d) in forecast.role_scales.items()},
        "differences": forecast.differences,
        "note": warning_light(),
    }
    return ForecastDocument.model_validate(data, strict=True)


def forecast_to_dict(forecast: ImpactForecast) -> dict[str, Any]:
    """The forecast as plain data: :func:`forecast_document`, dumped."""
    return forecast_document(forecast).model_dump(mode="json")


def write_forecast_json(forecast: ImpactForecast, path: str | Path) -> Path:
    """Write :func:`forecast_to_dict` as indented UTF-8 JSON."""
    path = Path(path)
    path.write_text(json.dumps(forecast_to_dict(forecast), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
