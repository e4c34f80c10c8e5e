"""The Jinja2 templates, the stylesheet and the interface wording shared by the report and the site.

They are data files of the package (``tppo_graph/templates/``, shipped in the wheel): the wording of both languages
is ``strings.json``, never Python literals. Jinja2 is imported only here, and only when a template is rendered.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalogue import LANGUAGES
from .errors import InvalidOption

if TYPE_CHECKING:
    import jinja2

__all__ = ["TEMPLATES", "environment", "render", "resource", "strings"]

#: the folder of templates, stylesheets, scripts and wording
TEMPLATES = Path(__file__).resolve().parent / "templates"


def resource(name: str) -> str:
    """The text of one file of the templates folder (a stylesheet, a script)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


@cache
def _all_strings() -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = json.loads(resource("strings.json"))
    return loaded


def strings(lang: str) -> dict[str, str]:
    """The interface wording in ``lang`` (``id`` or ``en``); a key missing in one language falls back to English."""
    if lang not in LANGUAGES:
        raise InvalidOption("lang", "language", f"unknown language {lang!r} (choose from: {', '.join(LANGUAGES)})")
    table = _all_strings()
    return {key: texts.get(lang) or texts["en"] for key, texts in table.items()}


@cache
def environment(autoescape: bool) -> jinja2.Environment:
    """The Jinja2 environment over the templates folder (HTML autoescaped, Markdown not)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def render(template: str, **context: Any) -> str:
    """Render ``template`` (``*.html.j2`` autoescaped) with ``context``."""
    return environment(template.endswith(".html.j2")).get_template(template).render(**context)
