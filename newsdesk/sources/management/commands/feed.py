"""`newsdesk feed PATH_OR_URL`: parse one feed and print its items as JSON lines."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from newsdesk.pipeline.feeds import FeedError, parse_feed
from newsdesk.pipeline.fetch import FetchError
from newsdesk.sources.inputs import operator_input_read


class Command(BaseCommand):
    help = "Parse one feed (a file, file:// or http(s) URL) and print its items as JSON lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", metavar="PATH_OR_URL")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = operator_input_read(options["target"])
            feed = parse_feed(result.content, url=result.url, charset=result.sniffed_charset())
        except (FetchError, FeedError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if feed.warning:
            # Worth knowing, not a failure: the items before the damage are printed.
            self.stderr.write(f"warning: {feed.warning}")
        for item in feed.items:
            record = {
                "title": item.title,
                "link": item.link,
                "published": item.published.isoformat() if item.published else None,
                "author": ", ".join(item.authors) or None,
                "summary_length": len(item.summary),
            }
            self.stdout.write(json.dumps(record, ensure_ascii=False))
