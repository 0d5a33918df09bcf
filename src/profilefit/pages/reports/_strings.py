"""Report texts in every language, read from ``reports/data/strings.json``, and the names reports show.

Every string a report prints is in the data file, in every language of the file; a
test fails when a language lacks a key. Scale names come from the instrument, profile
names from the profile file, role names from the role file, so each lives in one place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from profilefit.core.fit import FitReason, RoleProfile, builtin_roles, load_role, reason_text
from profilefit.core.instrument import Instrument, builtin_instrument_name, load_instrument
from profilefit.core.profiles import load_profiles
from profilefit.core.scoring import Responses
from profilefit.core.validity import (
    CONTRADICTION_SCALES,
    CYCLE_LONGEST,
    CYCLE_SHARE,
    FC_IDEALISED_STATEMENTS_ONLY,
    FC_IDEALISED_THRESHOLD,
    FC_PERSON_FIT_MIN_BLOCKS,
    FC_ROLE_ONE_SIDE_SHARE,
    FC_ROLE_ORDER_SHARE,
    FLAG_IDS,
    IDEALISED_STATEMENTS_ONLY,
    IDEALISED_THRESHOLD,
    LONG_STRING_SHARE,
    MIN_SECONDS_PER_SCENARIO,
    MISSING_SHARE,
    MODAL_SHARE,
    PATTERN_MIN_BLOCKS,
    PATTERN_SHARE,
    minimum_plausible_seconds,
)
from profilefit.pages import capped, catalogue, domain_strings, isolate, page_languages

#: The reports' strings domain in the page catalogue (``reports/data/strings.json``).
DOMAIN = "profilefit.pages.reports"


def report_strings() -> dict[str, dict[str, str]]:
    """Every report string: key, then language code, then text (with ``{placeholders}``)."""
    return domain_strings(DOMAIN)


def report_languages() -> tuple[str, ...]:
    """Language codes reports are written in: English, Norwegian bokmål, Swedish, Dutch."""
    return page_languages()


def instrument_named(
    instrument_id: str | None, version: str | None, given: Instrument | None = None
) -> Instrument | None:
    """The instrument a result names (by id and version), when it is built in and none is given.

    A 2.0 result's scales are named as instrument 2.0 names them, never with 1.2's names.

    Examples
    --------
    >>> instrument_named("customer-contact", "2.0").version
    '2.0'
    >>> instrument_named("our-own", "1") is None
    True
    """
    if given is not None or instrument_id is None or version is None:
        return given
    name = builtin_instrument_name(instrument_id, version)
    return load_instrument(name) if name is not None else None


class Labels:
    """What a report says, in one language: its strings, numbers, and the names of scales, profiles and flags.

    Parameters
    ----------
    language : str
        One of :func:`report_languages`.
    instrument : Instrument, optional
        Where scale names come from; by default the shipped instrument.

    Raises
    ------
    ValueError
        For a language reports are not written in.
    """

    def __init__(self, language: str = "en", instrument: Instrument | None = None) -> None:
        if language not in report_languages():
            raise ValueError(f"no reports in language {language!r}; choose one of {', '.join(report_languages())}")
        self.language = language
        self.catalogue = catalogue(language)
        self.instrument = instrument or load_instrument()
        self._profiles = load_profiles()
        self._scale_names = {
            scale.id: scale.name.get(language) or scale.name.get("en") or next(iter(scale.name.values()))
            for scale in self.instrument.scales
        }
        self._profile_names = {p: self._profiles.name(p, language) for p in self._profiles.ids}

    def t(self, key: str, **values: object) -> str:
        """The string ``key`` in this language, with ``values`` filled in."""
        return self.catalogue.t(DOMAIN, key, **values)

    def strings(self) -> dict[str, str]:
        """Every string in this language, unfilled: what templates read as ``t.<key>``."""
        return self.catalogue.strings(DOMAIN)

    def number(self, value: float, decimals: int = 1) -> str:
        """A number as every page writes it in this language (:meth:`profilefit.pages.Catalogue.number`).

        ``2000`` is ``2,000`` in English, ``2 000`` in Norwegian and Swedish (a no-break space, so the number
        never breaks across lines) and ``2.000`` in Dutch.
        """
        return self.catalogue.number(value, decimals)

    def percent(self, share: float, decimals: int = 0) -> str:
        """A share 0–1 as a percentage, written as this language writes it."""
        return self.catalogue.percent(share, decimals)

    def scale(self, scale_id: str) -> str:
        """Display name of a scale."""
        return self._scale_names.get(scale_id, scale_id.replace("_", " "))

    def profile(self, profile_id: str) -> str:
        """Display name of a profile (``"undetermined"`` included)."""
        if profile_id == "undetermined":
            return self.t("undetermined")
        return self._profile_names.get(profile_id, profile_id.replace("_", " "))

    def profile_named(self, profile_id: str) -> str:
        """The profile's name with its English name in parentheses, where the two differ (first mention)."""
        name = self.profile(profile_id)
        english = self._profiles.name(profile_id, "en") if profile_id in self._profiles.ids else name
        return name if english == name else f"{name} ({english})"

    def profile_description(self, profile_id: str) -> str:
        """The profile's description, or nothing for a profile the profile file does not know."""
        if profile_id not in self._profiles.ids:
            return ""
        descriptions = self._profiles.get(profile_id).description
        return descriptions.get(self.language, descriptions["en"])

    def band(self, band: str | None) -> str:
        """Display name of a fit band; ``None`` (an incomplete fit has no band) reads "incomplete"."""
        return self.t(f"band_{band or 'incomplete'}")

    def feature(self, feature: str) -> str:
        """Display name of a classifier feature: a scale, or ``sjt_<profile>`` scenario choices."""
        if feature.startswith("sjt_"):
            return self.t("scenario_choices", profile=self.profile(feature.removeprefix("sjt_")))
        return self.scale(feature)

    def flag_name(self, flag: str) -> str:
        """Short name of a validity flag (a forced-choice instrument's own name where its rule differs)."""
        key = f"flag_name_{flag}"
        if self.instrument.blocks and f"flag_name_fc_{flag}" in report_strings():
            key = f"flag_name_fc_{flag}"
        return self.t(key) if key in report_strings() else flag.replace("_", " ")

    def chance_warning(self, flags: Iterable[str]) -> str:
        """The warning a page shows where it shows the fit when the scores may be largely chance; else nothing.

        On a forced-choice instrument (2.0), ``contradictory`` reads person fit: marks that the candidate's own
        scale scores explain hardly better than chance. The fit, the profile and the scale scores (and the reasons
        built from them) then rest on chance, so the page says it beside them, not only in the flag's explanation.
        """
        return self.t("chance_warning") if self._chance(flags) else ""

    def review_flag(self, flag: str) -> str:
        """A flag as a review box lists it: its name, and on 2.0's ``contradictory`` that the scores may be chance."""
        name = self.flag_name(flag)
        return self.t("review_flag_chance", flag=name) if self._chance((flag,)) else name

    def _chance(self, flags: Iterable[str]) -> bool:
        return bool(self.instrument.blocks) and "contradictory" in flags

    def no_flags(self) -> str:
        """What a report without a validity flag says: the checks that ran, and what none firing does not prove.

        The checks are named as the report names the flags of this instrument (on 2.0, ``contradictory`` is
        "Answers follow no consistent pattern"), so the sentence lists every flag there is, no more.
        """
        names = [self.flag_name(flag) for flag in FLAG_IDS]
        # Mid-sentence, lower-case the names' first letter (not an acronym's: "ID").
        listed = [name[:1].lower() + name[1:] if name[1:2].islower() else name for name in names]
        return self.t("no_flags", checks=", ".join(listed))

    def flag_explanation(self, flag: str) -> str:
        """What a validity flag means and its threshold, in plain words (the blocks' rules on instrument 2.0)."""
        instrument = self.instrument
        if flag == "too_fast":
            return self._too_fast_explanation()
        if instrument.blocks and (forced := self._forced_choice_explanation(flag)) is not None:
            return forced
        n_items = len(instrument.items)
        if flag == "straight_lining":
            run = max(3, math.ceil(LONG_STRING_SHARE * n_items))  # as profilefit.core.validity counts it
            pattern = self.t("flag_straight_lining", run=run, modal=self.percent(MODAL_SHARE))
            return f"{pattern} {self.t('flag_cycle', longest=CYCLE_LONGEST, share=self.percent(CYCLE_SHARE))}"
        if flag == "failed_attention_check":
            return self._attention_check_explanation()
        if flag == "contradictory":
            return self.t("flag_contradictory", scales=CONTRADICTION_SCALES)
        if flag == "too_many_missing":
            return self.t("flag_too_many_missing", missing=self.percent(MISSING_SHARE))
        if flag == "idealised":
            return self.t(
                "flag_idealised",
                threshold=self.number(IDEALISED_THRESHOLD, 2),
                statements=self.number(IDEALISED_STATEMENTS_ONLY, 2),
            )
        key = f"flag_{flag}"
        return self.t(key) if key in report_strings() else flag.replace("_", " ")

    def _too_fast_explanation(self) -> str:
        """The too-fast flag with its threshold and the parts it adds up (blocks too, on a forced-choice instrument)."""
        instrument = self.instrument
        numbers = {
            "seconds": self.number(minimum_plausible_seconds(Responses.from_records(instrument, [])), 0),
            "per_item": self.number(instrument.timing.min_seconds_per_item, 0),
            "per_scenario": self.number(MIN_SECONDS_PER_SCENARIO, 0),
        }
        if instrument.blocks:
            return self.t(
                "flag_fc_too_fast", per_block=self.number(instrument.timing.min_seconds_per_block, 1), **numbers
            )
        return self.t("flag_too_fast", **numbers)

    def _forced_choice_explanation(self, flag: str) -> str | None:
        """:meth:`flag_explanation` of the flags that read the blocks on a forced-choice instrument; None for others.

        The attention checks are agreement statements on 2.0 too; ``contradictory`` reads person fit there.
        """
        if flag == "straight_lining":
            pattern = self.t("flag_fc_straight_lining", share=self.percent(PATTERN_SHARE), blocks=PATTERN_MIN_BLOCKS)
            return f"{pattern} {self.t('flag_cycle', longest=CYCLE_LONGEST, share=self.percent(CYCLE_SHARE))}"
        if flag == "too_many_missing":
            return self.t("flag_fc_too_many_missing", missing=self.percent(MISSING_SHARE))
        if flag == "contradictory":
            # The line is the scoring parameters' own (calibrated parameters set theirs): the detail gives it.
            return self.t("flag_fc_contradictory", blocks=FC_PERSON_FIT_MIN_BLOCKS)
        if flag == "idealised":
            return self.t(
                "flag_fc_idealised",
                threshold=self.number(FC_IDEALISED_THRESHOLD, 2),
                statements=self.percent(FC_IDEALISED_STATEMENTS_ONLY),
                role=self.percent(FC_ROLE_ORDER_SHARE),
                one_side=self.percent(FC_ROLE_ONE_SIDE_SHARE),
            )
        return None

    def _attention_check_explanation(self) -> str:
        """The attention-check flag, its example answer in the words the candidate saw (the scale's second point)."""
        labels = self.instrument.response_scale.labels
        words = labels.get(self.language) or labels.get("en") or []
        example = words[1] if len(words) > 1 else str(self.instrument.response_scale.min + 1)
        return self.t("flag_failed_attention_check", example=example)

    def reason(self, reason: FitReason, *, isolated: bool = False) -> str:
        """A fit reason in plain words; with ``isolated``, the name in it is wrapped in FSI … PDI."""
        names = self._profile_names if reason.kind == "profile" else self._scale_names
        if isolated:
            names = {key: isolate(name) for key, name in names.items()}
        text = reason_text(reason, self.language, scale_names=names, profile_names=names)
        text = text.replace(" %", "\u00a0%")  # "62 %" never breaks between the number and its sign
        return text[:1].upper() + text[1:]

    def flag_detail(self, flag: str, detail: str) -> str:
        """The numbers of one flag for one candidate, in this language.

        Results hold the detail as an English sentence (``ValidityFlag.detail``); its numbers
        are read back by the patterns below and put into this language's sentence. A detail in
        another form is shown as it is, marked as English.
        """
        pattern = _DETAIL_PATTERNS.get(flag)
        match = pattern.fullmatch(detail.strip()) if pattern else None
        forced = _FORCED_CHOICE_PATTERNS.get(flag)
        fc_match = forced.fullmatch(detail.strip()) if forced and match is None else None
        if fc_match is not None:  # instrument 2.0's blocks
            values = {key: value for key, value in fc_match.groupdict().items() if value is not None}
            if "index" in values:  # nan: too few rated blocks answered for the index (the role's rule fired)
                index = float(values["index"])
                values["index"] = "–" if math.isnan(index) else self.number(index, 2)
            for key in ("fit", "below"):  # person fit and its line: as many decimals, as this language writes them
                if key in values:
                    decimals = len(values[key].partition(".")[2])
                    values[key] = self.number(float(values[key]), decimals)
            text = self.t(f"detail_fc_{flag}", **values)
            if "role_ideal" in values:
                text += self.t("detail_fc_idealised_role", **values)
            if "role_most" in values:
                text += self.t("detail_fc_idealised_one_side", **values)
            if flag == "idealised":
                text += self._fired(fc_match)
            if values.get("cycle"):
                text += self.t("detail_cycle", **values)
            return self.t("flag_detail", detail=text)
        if match is None:
            key = "flag_detail" if self.language == "en" else "flag_detail_english"
            return self.t(key, detail=capped(detail))
        values = match.groupdict()
        if "index" in values:  # a decimal: written as this language writes numbers
            values["index"] = self.number(float(values["index"]), 2)
        text = self.t(f"detail_{flag}", **values)
        if values.get("cycle"):
            text += self.t("detail_cycle", **values)
        return self.t("flag_detail", detail=text)

    def _fired(self, match: re.Match[str]) -> str:
        """Which rules of the 2.0 idealised flag fired, and their lines ("; flagged for the role's order, from 13").

        Read from the detail's own "; flagged for ..." (it names them exactly); a result written before it did
        is told the rules its counts reach (:func:`~profilefit.core.validity.fc_idealised_rules`).
        """
        from profilefit.core.validity import FC_RULE_NAMES, fc_idealised_rules

        named_rules = match.group("rules")
        if named_rules:
            keys = {name: key for key, name in FC_RULE_NAMES.items()}
            rules = [
                (keys[name], float(line))
                for name, line in re.findall(r"(the desirability order|the index|the role's order|one side in the "
                r"role's order) \(from ([0-9.]+)(?: blocks)?\)", named_rules)
            ]  # fmt: skip
        else:

            def number(name: str) -> int | None:
                found = match.group(name)
                return None if found is None else int(found)

            rules = fc_idealised_rules(
                number("ideal"),
                number("rated"),
                number("role_ideal"),
                number("role_rated"),
                number("role_most"),
                number("role_least"),
            )
        if not rules:
            return ""
        named = [
            self.t(f"fc_rule_{rule}", line=self.number(line, 2) if rule == "index" else self.number(line, 0))
            for rule, line in rules
        ]
        joined = named[0] if len(named) == 1 else self.t("and_list", first=", ".join(named[:-1]), last=named[-1])
        return self.t("detail_fc_idealised_flagged", rules=joined)

    def norm_group(self, name: str) -> str:
        """The norm group's name; the shipped simulated group's description is translated, its figures kept."""
        name = capped(name)
        # 2.0's group is "customer-contact 2.0, honest simulated applicants": the longer phrase first.
        for english, key in (
            ("honest simulated applicants", "norm_group_simulated_honest"),
            ("simulated applicants", "norm_group_simulated"),
        ):
            if english in name:
                return name.replace(english, self.t(key), 1)
        return name

    def number_range(self) -> tuple[int, int]:
        """The lowest and highest answer of the instrument's agreement scale."""
        scale = self.instrument.response_scale
        return scale.min, scale.max


# The English details profilefit.core.validity writes (FlagTable.detail); a test keeps the two in step. A
# count's noun is in its number ("1 improbable virtue", "2 improbable virtues"); results files written before
# say "virtue(s)" and "check(s)", which are read too.
# The English details of instrument 2.0 (forced choice; ValidityFlags._forced_choice_detail); a test keeps
# them in step too.
_FORCED_CHOICE_PATTERNS = {
    "contradictory": re.compile(
        r"marks that follow no consistent pattern: answer consistency \(person fit\) (?P<fit>-?[0-9.]+), "
        r"flagged below (?P<below>-?[0-9.]+); (?P<answered>\d+) blocks answered"
    ),
    "straight_lining": re.compile(
        r"marked the statement in one place \(a, b or c\) most, or least, in (?P<modal>\d+) of (?P<answered>\d+) "
        r"blocks; the same two letters (?P<run>\d+) times in a row"
        r"(?:; answers repeating in a cycle of (?P<cycle>\d+) in (?P<cycle_matches>\d+) of "
        r"(?P<cycle_pairs>\d+) places)?"
    ),
    "too_many_missing": re.compile(
        r"left (?P<missing>\d+) of (?P<total>\d+) blocks unanswered, or too few for a score"
    ),
    "idealised": re.compile(
        r"answered in an idealised way \(index (?P<index>[0-9.]+|nan)\): the most desirable statement marked most and "
        r"the least desirable least in (?P<ideal>\d+) of (?P<rated>\d+) blocks; (?P<claims>\d+) improbable "
        r"virtue(?:s|\(s\))? claimed strongly(?:; the statement the role favours most marked most and the one it "
        r"favours least marked least in (?P<role_ideal>\d+) of (?P<role_rated>\d+) blocks"
        r"(?: \(the most marks in its order in (?P<role_most>\d+), the least marks in (?P<role_least>\d+)\))?)?"
        # Which rules fired (results written before named none); the numbers above say the same, and the report
        # names them in its own language (fc_idealised_rules).
        r"(?:; flagged for (?P<rules>[^;]*))?"
    ),
}

_DETAIL_PATTERNS = {
    "straight_lining": re.compile(
        r"gave one answer to (?P<modal>\d+) of (?P<answered>\d+) statements, (?P<run>\d+) of them in a row"
        r"(?:; answers repeating in a cycle of (?P<cycle>\d+) in (?P<cycle_matches>\d+) of "
        r"(?P<cycle_pairs>\d+) places)?"
    ),
    "failed_attention_check": re.compile(
        r"missed (?P<count>\d+) attention check(?:s|\(s\))? that asked for a given answer"
    ),
    "too_fast": re.compile(
        r"finished in (?P<seconds>\d+) s; reading every question takes at least about (?P<minimum>\d+) s"
    ),
    "contradictory": re.compile(r"agreed with statements and with their opposites on (?P<count>\d+) scales"),
    "too_many_missing": re.compile(
        r"left (?P<missing>\d+) of (?P<total>\d+) statements unanswered, or a whole scale too thin"
    ),
    "idealised": re.compile(
        r"answered in an idealised way \(index (?P<index>[0-9.]+)\): clearly desirable answers at or next to the "
        r"extreme again and again; (?P<claims>\d+) improbable virtue(?:s|\(s\))? claimed strongly"
    ),
}


def role_for(role_id: str | None, role: RoleProfile | None = None) -> RoleProfile | None:
    """The role a result names: the one given, else a built-in role with that id, else none."""
    if role is not None:
        return role
    if role_id and role_id in builtin_roles():
        return load_role(role_id)
    return None
