"""The one place where data becomes markup: one Jinja2 environment for every page profilefit writes.

Every page (a candidate report, a results row, the shortlist, the audit, the item-bias and forecast
pages, a validation study, the assessment service's candidate pages) is a template rendered here.
Autoescape is on for every template, so a value placed with ``{{ value }}`` is escaped whatever it
holds; no Python module writes a tag. Text that came from data (a candidate id, a category, a norm
group, names from a role or instrument file) is isolated so that a right-to-left override inside it
cannot reorder the words around it, and capped in length so that one oversized value cannot make a
page thousands of pixels wide:

- ``{{ value|bdi }}`` places one data value in page text: capped, escaped, in ``<bdi>``;
- ``{{ value|prose }}`` places a long text that is data but must be read whole (a note or a
  citation shipped in a data file, a caveat a reader must not lose): escaped, in ``<bdi>``, capped
  only at :data:`MAX_PROSE_CHARS`, far above the cap for names and ids;
- ``{{ value|isolate }}`` places one data value where an element cannot go (the title, an
  attribute, SVG text): capped, between the Unicode isolates FSI … PDI;
- a sentence that carries data inside translated words marks each data value with
  :func:`marked`; placed with ``{{ sentence }}``, each marked value lands in its own ``<bdi>``,
  and ``{{ sentence|plain }}`` (for a title or an attribute) puts it between FSI … PDI instead.

Template names are paths under the package: ``"pages/base.html"`` is ``base.html`` in the
``data`` folder of :mod:`profilefit.pages`, ``"evidence/audit/audit.html"`` the audit's template.
Every page extends ``pages/base.html`` and its stylesheet ``pages/page.css``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache
from html import escape
from importlib import resources
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound
from markupsafe import Markup

#: Longest candidate id a page shows; assessments refuse longer ids (``profilefit.core.schema``).
MAX_ID_CHARS = 128
#: Longest other data text a page shows (a norm group, a category, a model id, a flag's detail).
MAX_TEXT_CHARS = 240
#: Longest prose a page shows whole (``|prose``): a note or citation from a data file, a paragraph or
#: several. Far above any shipped note (the longest is about 1,200 characters), low enough that a broken
#: file cannot put megabytes on a page.
MAX_PROSE_CHARS = 8000
#: First strong isolate and pop directional isolate (Unicode bidirectional algorithm, UAX #9).
FSI, PDI = "\u2068", "\u2069"
ELLIPSIS = "…"
#: Marks around a data value inside a sentence (see :func:`marked`): private-use characters,
#: removed from the data itself, so that data can neither open nor close a mark.
DATA_START, DATA_END = "\ue000", "\ue001"

#: Characters that open an isolate: LRI, RLI, FSI (each closed by a PDI).
_INITIATORS = frozenset("\u2066\u2067\u2068")
_MARKED = re.compile(f"{DATA_START}([^{DATA_START}{DATA_END}]*){DATA_END}")


def capped(value: object, limit: int = MAX_TEXT_CHARS) -> str:
    """``value`` as text of at most ``limit`` characters, ending in … when it was cut."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


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


#: Bidirectional classes that can reorder the text around them (UAX #9): right-to-left letters and controls.
_REORDERING = frozenset({"R", "AL", "RLE", "RLO", "LRE", "LRO", "RLI", "LRI", "FSI", "PDF", "PDI"})


def terminal_text(value: object) -> str:
    """A data value for a terminal line: isolated (FSI … PDI) only when it could reorder the rest of the line.

    Terminals without bidirectional support may show the isolates themselves, so plain ids stay plain.
    """
    text = str(value)
    return isolate(text) if any(unicodedata.bidirectional(char) in _REORDERING for char in text) else text


def _unmarked(value: object) -> str:
    return str(value).replace(DATA_START, "").replace(DATA_END, "")


def marked(value: object, limit: int = MAX_TEXT_CHARS) -> str:
    """A data value to place inside a sentence: capped and marked, so that the page isolates it.

    Fill a translated sentence with marked values and give the sentence to a template: ``{{ sentence }}``
    puts each value in ``<bdi>``, ``{{ sentence|plain }}`` between FSI … PDI.

    Examples
    --------
    >>> from profilefit.pages import marked, page_environment
    >>> page_environment().from_string("<p>{{ s }}</p>").render(s="Hello " + marked("<b>"))
    '<p>Hello <bdi>&lt;b&gt;</bdi></p>'
    """
    return DATA_START + capped(_unmarked(value), limit) + DATA_END


def plain(value: object) -> str:
    """A sentence with its marked data values between FSI … PDI instead of marks (no markup)."""
    return _MARKED.sub(lambda match: isolate(match.group(1)), str(value)).replace(DATA_START, "").replace(DATA_END, "")


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}``: escaped, and each marked data value in it wrapped in ``<bdi>``."""
    if isinstance(value, Markup) or not isinstance(value, str) or (DATA_START not in value and DATA_END not in value):
        return value  # autoescape escapes it
    text = str(escape(value, quote=True))
    text = _MARKED.sub(r"<bdi>\1</bdi>", text)
    return Markup(text.replace(DATA_START, "").replace(DATA_END, ""))  # a stray mark is dropped


def _bdi(value: object, limit: int = MAX_TEXT_CHARS) -> Markup:
    return Markup("<bdi>{}</bdi>").format(capped(_unmarked(value), limit))


def _prose(value: object) -> Markup:
    return _bdi(value, MAX_PROSE_CHARS)


def _isolate(value: object, limit: int = MAX_TEXT_CHARS) -> str:
    return isolate(capped(_unmarked(value), limit))


class _PackageTemplates(BaseLoader):
    """Templates by path under the package, never user files.

    ``"evidence/audit/audit.html"`` is ``data/audit.html`` of :mod:`profilefit.evidence.audit`.
    """

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool]]:
        folder, _, name = template.rpartition("/")
        if not folder or not re.fullmatch(r"[a-z_]+(/[a-z_]+)*", folder) or not re.fullmatch(r"[a-z_]+\.[a-z]+", name):
            raise TemplateNotFound(template)
        try:
            source = resources.files(f"profilefit.{folder.replace('/', '.')}").joinpath("data", name)
            text = source.read_text(encoding="utf-8")
        except (ModuleNotFoundError, FileNotFoundError) as error:
            raise TemplateNotFound(template) from error
        return text, None, lambda: True  # files inside the installed package do not change


@lru_cache(maxsize=1)
def page_environment() -> Environment:
    """The one template environment: autoescape everywhere, strict names, the isolation filters.

    Filters: ``bdi``, ``prose``, ``isolate``, ``plain`` and ``capped`` (see the module's description).
    """
    environment = Environment(
        loader=_PackageTemplates(),
        autoescape=True,  # every template, whatever its name: data never reaches a page unescaped
        finalize=_finalize,
        undefined=StrictUndefined,  # a misspelt name fails in tests instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["bdi"] = _bdi
    environment.filters["prose"] = _prose
    environment.filters["isolate"] = _isolate
    environment.filters["plain"] = plain
    environment.filters["capped"] = capped
    return environment


@cache
def asset(path: str) -> str:
    """A stylesheet or script shipped with a page, by path as templates are named (``"pages/page.css"``)."""
    folder, _, name = path.rpartition("/")
    return resources.files(f"profilefit.{folder.replace('/', '.')}").joinpath("data", name).read_text(encoding="utf-8")


def content_security_policy(script: str = "") -> str:
    """A policy that lets a page run only its own inline script and styles and load nothing at all."""
    sources = "'none'"
    if script:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        sources = f"'sha256-{digest}'"
    return f"default-src 'none'; style-src 'unsafe-inline'; script-src {sources}; base-uri 'none'; form-action 'none'"


#: The stylesheet every self-contained page starts with; a page's own sheet follows it.
BASE_STYLE = "pages/page.css"


def render_page(
    template: str, *, language: str, title: str, styles: tuple[str, ...] = (), script: str = "", **context: Any
) -> str:
    """Render one self-contained page (inline styles, no files loaded) into a complete HTML document.

    Parameters
    ----------
    template : str
        The page's template, by path (``"pages/reports/candidate.html"``); it extends ``pages/base.html``.
    language : str
        The page's ``lang``.
    title : str
        The document title; data in it marked with :func:`marked` is isolated with FSI … PDI.
    styles : tuple of str
        The page's own stylesheets, by path, inlined after ``pages/page.css`` in this order.
    script : str, optional
        Inline script; the page's Content-Security-Policy allows exactly this script.
    **context
        The template's values: usually one view model.

    Returns
    -------
    str
    """
    return (
        page_environment()
        .get_template(template)
        .render(
            language=language,
            title=title,
            style=Markup("\n".join(asset(name) for name in (BASE_STYLE, *styles))),  # our own files, not data
            script=Markup(script),
            csp=Markup(content_security_policy(script)),  # our own words and a digest: no data
            **context,
        )
    )


def render_fragment(template: str, **context: Any) -> str:
    """Render a template that is not a whole self-contained page (a service page, say) with the same rules."""
    return page_environment().get_template(template).render(**context)
