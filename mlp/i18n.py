"""The page's language: gettext catalogs per language, and numbers written the language's way.

    from mlp.i18n import _, ngettext, N_, percent, number

`_("Draw a digit")` translates into the current language; `N_("Inside")` only marks a string for
extraction (a table's keys, translated where shown: `_(name)`); `ngettext` chooses a plural form.
Never build a sentence from fragments: word order differs between languages, so whole sentences
with named placeholders go through `_()`: `_("Trained on {count} images").format(count=...)`.

The current language is per thread of execution, never process-wide: Streamlit runs every
session's script in a thread of its own, so `gettext.install()` would make one visitor's German
everyone's. `language(code)` (a context manager) or `activate(code)` sets it for this context;
where nothing was set in this context (a fragment's rerun runs in a new thread), the lookup given to
`follow(lookup)` says which language (the page passes one that reads the session).

The catalogs are the .po files under locales/, compiled in memory on first use (babel.messages):
no compiled .mo in the repository, and no build step to forget; a few milliseconds per language,
once per process.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from babel import Locale
from babel.numbers import format_decimal, format_percent

LANGUAGES = {"en": "English", "de": "Deutsch", "ja": "日本語"}  # code -> the language's own name
DEFAULT = "en"
LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

_current: ContextVar[str | None] = ContextVar("mlp_language", default=None)
_lookup: list[Callable[[], str | None]] = []  # at most one: the page's, for contexts nothing was set in


def supported(code: str | None) -> str | None:
    """'de', 'de-AT', 'ja_JP', 'JA' -> the supported language it names ('de', 'ja'); None if none."""
    if not code:
        return None
    base = str(code).strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


@functools.cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalog of a supported language (identity for English or a missing catalog)."""
    from babel.messages.mofile import write_mo  # only when a catalog is first needed
    from babel.messages.pofile import read_po

    path = LOCALES / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if code == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out: they show in English until checked
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def current() -> str:
    """The language code of this context: set here, else the page's lookup, else English."""
    code = _current.get()
    if code is None and _lookup:
        code = supported(_lookup[0]())
    return code or DEFAULT


def activate(code: str | None) -> str:
    """Make `code` (or English, when it is not supported) this context's language; returns the one set."""
    chosen = supported(code) or DEFAULT
    _current.set(chosen)
    return chosen


@contextmanager
def language(code: str | None) -> Iterator[str]:
    """`with language("de"):` -> German inside the block (tests, one-off texts), as before after it."""
    token = _current.set(supported(code) or DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def follow(lookup: Callable[[], str | None] | None) -> Callable[[], str | None] | None:
    """Where no language was set in a context, ask `lookup` (the page: the session's language);
    returns the lookup it replaces (None: English there)."""
    previous = _lookup[0] if _lookup else None
    _lookup[:] = [lookup] if lookup is not None else []
    return previous


def _(message: str) -> str:
    """`message` in the current language (itself where the catalog has no translation)."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language (Japanese has one form)."""
    return translations(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here: it is translated where shown."""
    return message


def number(value: float, digits: int = 0) -> str:
    """1234.5 -> '1,235' (en), '1.235' (de); with `digits` that many decimals: '1.234,5'."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=current())


def percent(share: float, digits: int = 0) -> str:
    """0.9936 -> '99%' (en, ja), '99 %' (de); with `digits` decimals: '99.36%', '99,36 %'."""
    pattern = Locale.parse(current()).percent_formats[None].pattern
    if digits:
        pattern = _with_decimals(pattern, digits)
    return format_percent(share, format=pattern, locale=current())


def _with_decimals(pattern: str, digits: int) -> str:
    """'#,##0 %' -> '#,##0.0 %' for digits=1: the last integer digit of the pattern gets decimals."""
    last = pattern.rindex("0")
    return pattern[:last + 1] + "." + "0" * digits + pattern[last + 1:]
