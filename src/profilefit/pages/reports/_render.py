"""The one place where report data becomes markup: Jinja2 templates with autoescape.

Every page is a template in ``reports/data/`` rendered by :func:`render_page`. Autoescape
is on for every template, so a value placed with ``{{ value }}`` is escaped whatever
it holds; no code outside this module and the templates writes a tag. Text that came
from data (a candidate id, a norm group, names from a role or instrument file) is
placed with one of two filters, so that a right-to-left override inside it cannot
reorder the text around it:

- ``|bdi`` wraps it in ``<bdi>`` (in page text);
- ``|isolate`` wraps it in the Unicode isolates FSI … PDI (in the page title and in
  attributes, where an element cannot go).

Stored results are read with length caps (:func:`capped`), so one oversized value
cannot make a page thousands of pixels wide.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache, lru_cache
from html import escape
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

#: Longest candidate id a page shows; assessments refuse longer ids (``profilefit.core.schema``).
MAX_ID_CHARS = 128
#: Longest other stored text a page shows (norm group, model id, validity-flag detail).
MAX_TEXT_CHARS = 240
#: First strong isolate and pop directional isolate (Unicode bidirectional algorithm, UAX #9).
FSI, PDI = "\u2068", "\u2069"
ELLIPSIS = "…"


def capped(value: object, limit: int = MAX_TEXT_CHARS) -> str:
    """``value`` as text of at most ``limit`` characters, ending in … when it was cut."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


#: Characters that open an isolate: LRI, RLI, FSI (each closed by a PDI).
_INITIATORS = frozenset("\u2066\u2067\u2068")


def isolate(value: object) -> str:
    """Plain text wrapped in FSI … PDI: for titles, attributes and terminal text.

    The text's own isolates are balanced first: a PDI without an opener inside it would close
    the wrapping FSI early and let what follows (a right-to-left override, say) reorder the
    text after it, so such a PDI is dropped, and an opener left open is closed.
    """
    kept, depth = [], 0
    for char in str(value):
        if char == PDI:
            if depth == 0:
                continue
            depth -= 1
        elif char in _INITIATORS:
            depth += 1
        kept.append(char)
    return FSI + "".join(kept) + PDI * depth + PDI


def _bdi(value: object) -> Markup:
    return Markup("<bdi>{}</bdi>").format(value)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("profilefit.pages.reports", "data"),
        autoescape=True,  # every template, whatever its name: data never reaches a page unescaped
        undefined=StrictUndefined,  # a misspelt name fails in tests instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["bdi"] = _bdi
    environment.filters["isolate"] = isolate
    return environment


@cache
def asset(name: str) -> str:
    """A stylesheet or script from ``reports/data`` as text."""
    return resources.files("profilefit.pages.reports").joinpath("data", name).read_text(encoding="utf-8")


def page_data(value: object) -> str:
    """One data value for a page built without a template: capped, escaped, isolated in ``<bdi>``."""
    return f"<bdi>{escape(capped(value), quote=True)}</bdi>"


def chart_data(value: object, limit: int) -> str:
    """One data value for chart text or an attribute: capped at ``limit``, isolated with FSI … PDI, escaped."""
    return escape(isolate(capped(value, limit)), quote=True)


def content_security_policy(script: str) -> str:
    """A policy that lets the page run only its own inline script and styles and load nothing at all."""
    sources = "'none'"
    if script:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        sources = f"'sha256-{digest}'"
    return f"default-src 'none'; style-src 'unsafe-inline'; script-src {sources}; base-uri 'none'; form-action 'none'"


def render_page(
    template: str, *, language: str, title: str, styles: tuple[str, ...], script: str = "", **context: Any
) -> str:
    """Render one page template into a complete HTML document.

    Parameters
    ----------
    template : str
        File name under ``reports/data`` (``candidate.html``, ``shortlist.html``).
    language : str
        The page's ``lang``.
    title : str
        The document title, already with data parts isolated (see :func:`isolate`).
    styles : tuple of str
        Stylesheet file names under ``reports/data``, inlined in this order.
    script : str, optional
        Inline script; the page's Content-Security-Policy allows exactly this script.
    **context
        The template's values.

    Returns
    -------
    str
    """
    return (
        _environment()
        .get_template(template)
        .render(
            language=language,
            title=title,
            style=Markup("\n".join(asset(name) for name in styles)),  # our own files, not data
            script=Markup(script),
            csp=content_security_policy(script),
            **context,
        )
    )
