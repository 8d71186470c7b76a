"""The Russian interface is complete: every string the code and templates mark for translation
has a reviewed Russian translation in the catalog, with every plural form and the same
placeholders, and the compiled catalog (django.mo, committed) says what django.po says.

The catalog is read by a small parser of the PO format (makemessages writes one entry per
block, blocks apart by blank lines); the strings are found the way makemessages finds them:
Python's gettext calls, and templates through Django's own templatize().
"""

from __future__ import annotations

import ast
import gettext
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

import newsdesk

PACKAGE = Path(newsdesk.__file__).parent
CATALOG = PACKAGE / "locale" / "ru" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOG.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# gettext functions and where their context, singular and plural are among the arguments.
FUNCTIONS = {
    name: positions
    for names, positions in (
        (("_", "gettext", "gettext_lazy", "gettext_noop"), (None, 0, None)),
        (("ngettext", "ngettext_lazy"), (None, 0, 1)),
        (("pgettext", "pgettext_lazy"), (0, 1, None)),
        (("npgettext", "npgettext_lazy"), (0, 1, 2)),
    )
    for name in names
}


@dataclass
class Entry:
    """One message of a PO file."""

    context: str = ""
    msgid: str = ""
    plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    where: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.context, self.msgid


def po_entries(path: Path) -> list[Entry]:
    """The messages of a PO file, the header ("" msgid) first; obsolete ones (#~) left out."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, current = Entry(), ""
        strings: dict[str, str] = {}
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#:"):
                entry.where = entry.where or line[2:].split()[0]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                strings[current] += ast.literal_eval(line)
            else:
                current, _space, literal = line.partition(" ")
                strings[current] = ast.literal_eval(literal)
        if "msgid" not in strings:
            continue
        entry.context = strings.get("msgctxt", "")
        entry.msgid = strings["msgid"]
        entry.plural = strings.get("msgid_plural")
        forms = sorted(key for key in strings if key.startswith("msgstr["))
        entry.msgstr = [strings[key] for key in forms] if forms else [strings["msgstr"]]
        entries.append(entry)
    return entries


def plural_forms(header: Entry) -> int:
    """nplurals of the catalog's Plural-Forms header."""
    found = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr[0])
    assert found, header.msgstr[0]
    return int(found.group(1))


def source_messages() -> dict[tuple[str, str], str]:
    """(context, msgid) of every string marked for translation in the package, with where it
    is: gettext calls in Python modules, translate and blocktranslate tags in templates."""
    found: dict[tuple[str, str], str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for key in _python_messages(path.read_text(encoding="utf-8")):
            found.setdefault(key, str(path.relative_to(PACKAGE)))
    for suffix in ("*.html", "*.txt"):
        for path in sorted(PACKAGE.rglob(suffix)):
            if "templates" in path.parts:
                for key in _python_messages(templatize(path.read_text(encoding="utf-8"))):
                    found.setdefault(key, str(path.relative_to(PACKAGE)))
    return found


def _python_messages(source: str) -> list[tuple[str, str]]:
    """(context, msgid) of the gettext calls with literal arguments in Python source (also in
    the Python that templatize() makes of a template, which need not parse as a module)."""
    messages = []
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
    ]
    for index, token in enumerate(tokens[:-2]):
        if token.type != tokenize.NAME or token.string not in FUNCTIONS:
            continue
        if tokens[index - 1].string in (".", "def") or tokens[index + 1].string != "(":
            continue
        arguments = _literal_arguments(tokens[index + 2 :])
        context_at, msgid_at, _plural_at = FUNCTIONS[token.string]
        if len(arguments) > msgid_at and all(isinstance(a, str) for a in arguments):
            context = arguments[context_at] if context_at is not None else ""
            messages.append((str(context), str(arguments[msgid_at])))
    return messages


def _literal_arguments(tokens: list[tokenize.TokenInfo]) -> list[object]:
    """The leading string-literal arguments of a call (adjacent literals joined); stops at the
    first argument that is not one."""
    arguments: list[object] = []
    pieces: list[str] = []
    for token in tokens:
        if token.type == tokenize.STRING:
            pieces.append(token.string)
        elif token.string in (",", ")") and pieces:
            arguments.append(ast.literal_eval(" ".join(pieces)))
            pieces = []
            if token.string == ")":
                break
        else:
            break
    return arguments


def test_the_russian_catalog_has_no_untranslated_and_no_fuzzy_entries() -> None:
    header, *entries = po_entries(CATALOG)
    assert header.msgid == ""
    assert len(entries) > 200
    untranslated = [e.msgid for e in entries if not all(form.strip() for form in e.msgstr)]
    fuzzy = [e.msgid for e in [header, *entries] if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_every_plural_has_each_russian_form_and_every_translation_keeps_its_placeholders() -> None:
    header, *entries = po_entries(CATALOG)
    forms = plural_forms(header)
    assert forms >= 3  # one, few, many (gettext's Russian also has one for fractions)
    wrong_forms = [e.msgid for e in entries if e.plural is not None and len(e.msgstr) != forms]
    assert wrong_forms == []
    changed: list[str] = []
    for entry in entries:
        wanted = set(PLACEHOLDER.findall(entry.msgid + (entry.plural or "")))
        for form in entry.msgstr:
            if set(PLACEHOLDER.findall(form)) != wanted:
                changed.append(f"{entry.msgid!r} -> {form!r}")
    assert changed == []


def test_every_string_marked_for_translation_is_in_the_russian_catalog() -> None:
    catalog = {entry.key for entry in po_entries(CATALOG)}
    marked = source_messages()
    # The parser finds what the site shows: the page titles, the search page, the admin's.
    assert {("", "Latest news"), ("verb, a button", "Search"), ("", "kind")} <= set(marked)
    missing = sorted(f"{where}: {key}" for key, where in marked.items() if key not in catalog)
    # Run makemessages from newsdesk/ (cd newsdesk && newsdesk makemessages -l ru) and
    # translate the new entries.
    assert missing == []


def test_the_compiled_catalog_holds_exactly_the_translations_of_the_po_file() -> None:
    expected: dict[str | tuple[str, int], str] = {}
    for entry in po_entries(CATALOG):
        key = f"{entry.context}\x04{entry.msgid}" if entry.context else entry.msgid
        if not entry.msgid:  # the header, less the line msgfmt leaves out
            expected[key] = re.sub(r"(?m)^POT-Creation-Date:.*\n", "", entry.msgstr[0])
        elif entry.plural is None:
            expected[key] = entry.msgstr[0]
        else:
            expected.update({(key, index): form for index, form in enumerate(entry.msgstr)})
    with COMPILED.open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    # A difference means django.po changed after django.mo was compiled: compilemessages.
    assert dict(catalog) == expected


@pytest.mark.parametrize(
    ("context", "message", "russian"),
    [
        ("", "Search", "Поиск"),
        ("verb, a button", "Search", "Найти"),
        ("", "Skip to content", "Перейти к содержанию"),
    ],
)
def test_django_shows_the_russian_catalog_s_words_over_its_own(
    context: str, message: str, russian: str
) -> None:
    from django.utils import translation

    with translation.override("ru"):
        shown = translation.pgettext(context, message) if context else translation.gettext(message)
    assert shown == russian
