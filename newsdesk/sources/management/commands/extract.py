"""`newsdesk extract`: extract one page as a JSON object, or many files as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from newsdesk.pipeline.extract import ExtractError, extract_article
from newsdesk.pipeline.fetch import FetchError
from newsdesk.sources.inputs import operator_input_read


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
    """Read and extract one page; raises FetchError or ExtractError."""
    page = operator_input_read(target)
    return extract_article(page.content, url=page.url).as_json()


def expand_paths(targets: list[str]) -> list[str]:
    """Files as given; folders replaced by their .html/.htm files, sorted."""
    paths: list[str] = []
    for target in targets:
        folder = Path(target)
        if folder.is_dir():
            paths += sorted(
                str(p) for p in folder.rglob("*") if p.suffix.lower() in {".html", ".htm"}
            )
        else:
            paths.append(target)
    return paths
