"""Floor 3, pages: what a recruiter or a candidate reads, and the one way any page is made.

Candidate reports, one row of a results file as a page, and the shortlist, in four languages
(:mod:`profilefit.pages.reports`). Below them, the page layer every floor above uses: one Jinja2
environment with autoescape and the isolation and capping filters (:func:`page_environment`,
:func:`render_page`), one base layout and stylesheet, and one :class:`Catalogue` per language for
strings and numbers. Every page is a view model plus a template; no Python module writes a tag
(docs/pages.md). Builds on the core and on data; knows nothing of the studies above it.
"""

from profilefit.pages._catalogue import Catalogue, catalogue, domain_file, domain_strings, page_languages
from profilefit.pages._environment import (
    BASE_STYLE,
    DATA_END,
    DATA_START,
    FSI,
    MAX_ID_CHARS,
    MAX_PROSE_CHARS,
    MAX_TEXT_CHARS,
    PDI,
    asset,
    capped,
    content_security_policy,
    isolate,
    marked,
    page_environment,
    plain,
    render_fragment,
    render_page,
    terminal_text,
)

__all__ = [
    "BASE_STYLE",
    "DATA_END",
    "DATA_START",
    "FSI",
    "MAX_ID_CHARS",
    "MAX_PROSE_CHARS",
    "MAX_TEXT_CHARS",
    "PDI",
    "Catalogue",
    "asset",
    "capped",
    "catalogue",
    "content_security_policy",
    "domain_file",
    "domain_strings",
    "isolate",
    "marked",
    "page_environment",
    "page_languages",
    "plain",
    "render_fragment",
    "render_page",
    "terminal_text",
]
