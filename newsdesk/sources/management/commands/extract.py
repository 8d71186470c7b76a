"""`newsdesk extract`: extract one page as a JSON object, or many files as JSON lines."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from newsdesk.pipeline.extract import ExtractError, extract_article
from newsdesk.pipeline.fetch import FetchError
from newsdesk.sources.inputs import operator_input_read

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Extract an article from PATH_OR_URL and print it as JSON; with --jsonl, extract every "
        "file given (folders: their .html files) and print one JSON line per file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("targets", nargs="+", metavar="PATH_OR_URL")
        parser.add_argument("--jsonl", action="store_true", help="one JSON line per file")

    def handle(self, *args: Any, **options: Any) -> None:
        targets: list[str] = options["targets"]
        if not options["jsonl"]:
            if len(targets) != 1:
                raise CommandError("give one PATH_OR_URL, or use --jsonl for many", returncode=2)
            try:
                record = extract_one(targets[0])
            except (FetchError, ExtractError) as exc:
                raise CommandError(str(exc), returncode=2) from exc
            self.stdout.write(json.dumps(record, ensure_ascii=False, indent=2))
            return
        for path in expand_paths(targets):
            try:
                record = {"path": path, **extract_one(path)}
            except (FetchError, ExtractError) as exc:
                record = {"path": path, "error": str(exc)}
            self.stdout.write(json.dumps(record, ensure_ascii=False))


def extract_one(target: str) -> dict[str, Any]:
    """Read and extract one page; raises FetchError or ExtractError with a one-line reason."""
    page = operator_input_read(target)
    try:
        return extract_article(page.content, url=page.url, charset=page.charset).as_json()
    except (ExtractError, FetchError):
        raise
    except (ValueError, LookupError, RecursionError, MemoryError) as exc:
        # A page that trips the parsers is that page's failure, not the program's.
        logger.debug("extraction of %s failed", target, exc_info=True)
        raise ExtractError(f"could not read the page: {type(exc).__name__}: {exc}") from exc


def expand_paths(targets: list[str]) -> list[str]:
    """Files as given; folders replaced by their .html/.htm files, sorted.

    Folders are walked without following symbolic links (a link loop must not hang the
    run); unreadable sub-folders are skipped, unreadable files reported by extract_one.
    """
    paths: list[str] = []
    for target in targets:
        if not Path(target).is_dir():
            paths.append(target)
            continue
        found = []
        for folder, _dirs, files in os.walk(target, followlinks=False):
            found += [
                os.path.join(folder, name)
                for name in files
                if Path(name).suffix.lower() in {".html", ".htm"}
            ]
        paths += sorted(found)
    return paths
