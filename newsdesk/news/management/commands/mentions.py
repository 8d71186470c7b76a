"""`newsdesk mentions`: the entity mentions of a text file, one JSON line each."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from newsdesk.news.entities import catalog_ensure, spans_link
from newsdesk.news.models import Entity
from newsdesk.pipeline.ner import find_spans

# A text larger than this is not an article (some 300 pages of a book).
MAX_BYTES = 2_000_000
# Share of control characters from which a file is binary, not text.
BINARY_SHARE = 0.05
LANGUAGES = ("ru", "en")


class Command(BaseCommand):
    help = (
        "Find the people, organizations, countries, places and events a text mentions and "
        "print one JSON line per mention, linked to the entity catalog."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH", help="a UTF-8 text file, or - for stdin")
        parser.add_argument("--lang", required=True, help=f"its language: {', '.join(LANGUAGES)}")

    def handle(self, *args: Any, **options: Any) -> None:
        language: str = options["lang"].strip().lower()
        if language not in LANGUAGES:
            raise CommandError(
                f"no recognizer for language {options['lang']!r}: use {' or '.join(LANGUAGES)}",
                returncode=2,
            )
        text = read_text(options["path"])
        catalog_ensure()
        linked = spans_link(find_spans(text, language), text=text, language=language)
        ids = {item.entity_id for item in linked if item.entity_id is not None}
        entities = {e.pk: e for e in Entity.objects.filter(pk__in=ids)}
        for item in linked:
            entity = entities.get(item.entity_id) if item.entity_id is not None else None
            record = {
                "surface": item.span.surface,
                "start": item.span.start,
                "end": item.span.end,
                "kind": entity.kind if entity else item.span.kind,
                "entity": entity.name_en if entity else None,
                "entity_ru": entity.name_ru if entity else None,
                "entity_id": entity.pk if entity else None,
            }
            self.stdout.write(json.dumps(record, ensure_ascii=False))


def read_text(path: str) -> str:
    """The text of PATH (or stdin for -); CommandError (exit 2) for anything that is not a
    UTF-8 text of a sensible size."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            file = Path(path)
            if not file.is_file():
                raise CommandError(f"no such file: {path}", returncode=2)
            with file.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}", returncode=2) from exc
    if len(data) > MAX_BYTES:
        raise CommandError(f"{path} is over {MAX_BYTES} bytes: not an article", returncode=2)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path} is not UTF-8 text (byte {exc.start})", returncode=2) from exc
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\n\r\t\f")
    if text and controls / len(text) > BINARY_SHARE:
        raise CommandError(f"{path} looks binary, not text", returncode=2)
    if not text.strip():
        raise CommandError(f"{path} is empty", returncode=2)
    return text
