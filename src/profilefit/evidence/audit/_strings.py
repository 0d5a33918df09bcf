"""The audit's texts in English, Norwegian bokmål, Swedish and Dutch, read from ``audit/data/strings.json``.

Every string the audit prints is in the data file in every language (a test checks it), with
numbers written as each language writes them. Profile names come from the profile file; a
classification the profile file does not know (an organisation's own label) is shown as it is.
"""

from __future__ import annotations

import contextlib

from profilefit.core.instrument import load_instrument
from profilefit.core.profiles import load_profiles
from profilefit.evidence.audit._inputs import NEEDS_REVIEW
from profilefit.evidence.audit._tool import UNDETERMINED
from profilefit.pages import catalogue, domain_file, domain_strings, marked

#: The audit's strings domain in the page catalogue (``audit/data/strings.json``).
DOMAIN = "profilefit.evidence.audit"


def audit_strings() -> dict[str, dict[str, str]]:
    """Every audit string: key, then language code, then text (with ``{placeholders}``)."""
    return domain_strings(DOMAIN)


def audit_languages() -> tuple[str, ...]:
    """Language codes the audit is written in."""
    return tuple(domain_file(DOMAIN)["languages"])


class AuditLabels:
    """What the audit says in one language: its sentences, numbers and the names of what it counts.

    Parameters
    ----------
    language : {"en", "nb", "sv", "nl"}, default "en"
    isolate : bool, default False
        Mark every data string (text that came from a file someone else wrote) with
        :func:`profilefit.pages.marked` (capped in length), so that a page can isolate its direction.
    instrument_id : str, optional
        The instrument of the audited model. Scales are named as the shipped instrument names them
        unless the model reads another instrument; then they are named by their ids.

    Raises
    ------
    ValueError
        For a language the audit is not written in.

    Examples
    --------
    >>> labels = AuditLabels("nb")
    >>> labels.ratio(0.8), labels.profile("hard_worker"), labels.category("age_band", "40_and_over")
    ('0,800', 'Arbeidsjernet', '40 år og over')
    """

    def __init__(
        self,
        language: str = "en",
        *,
        isolate: bool = False,
        instrument_id: str | None = None,
        instrument_version: str | None = None,
    ) -> None:
        if language not in audit_languages():
            raise ValueError(f"no audit in language {language!r}; choose one of {', '.join(audit_languages())}")
        self.language = language
        self._catalogue = catalogue(language)
        self.isolate = isolate
        profiles = load_profiles()
        self._profile_names = {profile: profiles.name(profile, language) for profile in profiles.ids}
        self._scale_names: dict[str, str] | None = None
        self._instrument_id = instrument_id
        self._instrument_version = instrument_version

    def t(self, key: str, **values: object) -> str:
        """The string ``key`` in this language, with ``values`` filled in."""
        return self._catalogue.t(DOMAIN, key, **values)

    def number(self, value: float, decimals: int = 2) -> str:
        """A number as every page writes it in this language (:meth:`profilefit.pages.Catalogue.number`)."""
        return self._catalogue.number(value, decimals)

    def count(self, value: int) -> str:
        """A whole number, thousands grouped as this language groups them (``200,000``, ``200 000``)."""
        return self._catalogue.count(value)

    def percent(self, share: float, decimals: int = 1) -> str:
        """A share from 0 to 1 as a percentage, written as this language writes it."""
        return self._catalogue.percent(share, decimals)

    def ratio(self, value: float | None) -> str:
        """A rate or impact ratio with three decimals, or a dash when there is none."""
        return self.t("dash") if value is None else self.number(value, 3)

    def p(self, value: float | None) -> str:
        """A p-value with three decimals; below 0.001 written as such."""
        return self.t("dash") if value is None else self._catalogue.p_value(value, 3)

    def z(self, value: float | None) -> str:
        """A z statistic with its sign and two decimals."""
        return self.t("dash") if value is None else self._catalogue.number(value, 2, sign=True)

    def yes_no(self, flag: bool | None) -> str:
        """``yes``/``no`` in this language, or a dash for ``None``."""
        return self.t("dash") if flag is None else self.t("yes" if flag else "no")

    def data(self, value: str) -> str:
        """A data string, marked for direction isolation when ``isolate`` is on."""
        return marked(value) if self.isolate else value

    def profile(self, profile_id: str) -> str:
        """Display name of a classification: a profile's name, undetermined, or an organisation's own label."""
        if profile_id == UNDETERMINED:
            return self.t("undetermined")
        return self._profile_names.get(profile_id) or self.data(profile_id)

    def dimension(self, dimension: str) -> str:
        """Display name of a dimension (``sex``, ``race_ethnicity``, ``sex_race_ethnicity``, ``age_band``)."""
        key = f"dimension_{dimension}"
        return self.t(key) if key in audit_strings() else dimension

    def category(self, dimension: str, category: str) -> str:
        """Display name of a category: the age bands are translated; other categories are data, shown as given."""
        key = f"age_{category}"
        return self.t(key) if dimension == "age_band" and key in audit_strings() else self.data(category)

    def scale(self, scale_id: str) -> str:
        """Display name of a scale of the shipped instrument, or the id in words for another instrument's scale."""
        if self._scale_names is None:  # read the instrument only when a scale is named
            shipped = load_instrument()
            if self._instrument_id == shipped.id and self._instrument_version not in (None, shipped.version):
                # Another built-in version of the shipped instrument (2.0 names its scales anew).
                with contextlib.suppress(ValueError, OSError):
                    shipped = load_instrument(f"{self._instrument_id}-{self._instrument_version}")
            same = self._instrument_id in (None, shipped.id)
            self._scale_names = {
                scale.id: scale.name.get(self.language) or scale.name.get("en") or scale.id
                for scale in (shipped.scales if same else ())
            }
        return self._scale_names.get(scale_id, scale_id.replace("_", " "))

    def flag(self, flag: str) -> str:
        """Display name of an adverse flag: needing review, or a validity flag as the candidate reports name it."""
        # The candidate reports name every flag in the same four languages: one home for those names.
        # Imported here, when a flag is named, so that the audit alone does not load the reports.
        from profilefit.pages.reports import report_strings

        names = report_strings().get("review_heading" if flag == NEEDS_REVIEW else f"flag_name_{flag}")
        return names[self.language] if names else self.data(flag)

    def band(self, band: str) -> str:
        """Display name of a fit band."""
        return self.t(f"band_{band}")
