"""`newsdesk sources`: add, check, list, export, import, pause and resume sources."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from newsdesk.pipeline.feeds import FeedItem
from newsdesk.pipeline.fetch import FetchError
from newsdesk.pipeline.opml import OpmlError
from newsdesk.sources.discovery import (
    ADDABLE_KINDS,
    LANGUAGES,
    Probe,
    SourceError,
    links_stored,
    source_add,
    source_probe,
    sources_import,
    sources_opml,
)
from newsdesk.sources.inputs import operator_input_read
from newsdesk.sources.models import Source
from newsdesk.sources.schedule import source_pause, source_resume


class Command(BaseCommand):
    help = "Manage sources: add, check, list, export, import, pause, resume."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        add = actions.add_parser("add", help="add a feed, sitemap or section page by its URL")
        add.add_argument("url", metavar="URL")
        add.add_argument("--name", default="", help="default: the document's title")
        add.add_argument("--slug", default="", help="default: made from the name")
        add.add_argument("--language", choices=LANGUAGES, default="")
        add.add_argument("--kind", choices=ADDABLE_KINDS, default="", help="default: detected")
        add.add_argument("--rights-holder", default="")
        add.add_argument("--license-name", default="")
        add.add_argument("--license-url", default="")
        add.add_argument(
            "--pick", type=int, default=1, metavar="K", help="the K-th feed an HTML page links to"
        )

        check = actions.add_parser("check", help="show what a URL would give, storing nothing")
        check.add_argument("url", metavar="URL")
        check.add_argument("--kind", choices=ADDABLE_KINDS, default="")
        check.add_argument("--pick", type=int, default=1, metavar="K")
        check.add_argument("--limit", type=int, default=20, help="items to show (default 20)")
        check.add_argument(
            "--json",
            action="store_true",
            help="JSON lines: the source first, then one line per item",
        )

        actions.add_parser("list", help="every source with its state and schedule")

        export = actions.add_parser("export", help="every source as OPML")
        export.add_argument("--output", metavar="FILE", help="default: standard output")

        load = actions.add_parser("import", help="add the feeds of an OPML file")
        load.add_argument("file", metavar="FILE", help="a path, file:// or http(s) URL")
        load.add_argument("--dry-run", action="store_true", help="count, add nothing")

        pause = actions.add_parser("pause", help="stop fetching a source until resumed")
        pause.add_argument("slug", metavar="SLUG")
        pause.add_argument("--reason", default="Paused by an editor.")

        resume = actions.add_parser("resume", help="fetch a paused source again, now")
        resume.add_argument("slug", metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        self.console = Console(file=cast(IO[str], self.stdout._out), highlight=False)
        action = options["action"]
        try:
            getattr(self, f"do_{action}")(options)
        except (FetchError, SourceError, OpmlError) as exc:
            raise CommandError(str(exc), returncode=2) from exc

    def do_add(self, options: dict[str, Any]) -> None:
        """Add the source a URL makes and print it on one line."""
        source, probe = source_add(
            url=options["url"],
            kind=options["kind"],
            pick=options["pick"],
            name=options["name"],
            slug=options["slug"],
            language=options["language"],
            rights_holder=options["rights_holder"],
            license_name=options["license_name"],
            license_url=options["license_url"],
        )
        if probe.feeds:
            self.console.print(feeds_table(probe))
        self.stdout.write(f"added {source.slug}: {source.kind} {source.url}")

    def do_check(self, options: dict[str, Any]) -> None:
        """Show what a URL would give as a source; nothing is stored."""
        if options["limit"] < 0:
            raise CommandError("--limit must be 0 or more", returncode=2)
        probe = source_probe(url=options["url"], kind=options["kind"], pick=options["pick"])
        items = probe.announced.items[: options["limit"]]
        stored = links_stored(links=[item.link for item in items if item.link])
        if options["json"]:
            self.stdout.write(json.dumps(probe_record(probe), ensure_ascii=False))
            for item in items:
                record = item_record(item, stored=item.link in stored)
                self.stdout.write(json.dumps(record, ensure_ascii=False))
            return
        self.console.print(
            f"{probe.kind}: {probe.url} — {probe.name} "
            f"({len(probe.announced.items)} items, language {probe.language or '?'})",
            soft_wrap=True,
        )
        if probe.feeds:
            self.console.print(feeds_table(probe))
        for line in probe.announced.warnings:
            self.console.print(f"warning: {line}", soft_wrap=True)
        for problem in probe.announced.problems:
            self.console.print(f"{problem.stage} failed: {problem.url}: {problem.message}")
        self.console.print(items_table(items, stored=stored))

    def do_list(self, options: dict[str, Any]) -> None:
        """Every source: slug, kind, state, last success, next fetch, URL."""
        table = Table(title="Sources")
        for column in ("slug", "kind", "state", "last success", "next fetch"):
            table.add_column(column, no_wrap=column != "slug")
        table.add_column("URL", overflow="fold")
        for source in Source.objects.order_by("slug"):
            table.add_row(
                source.slug,
                source.kind,
                source_state(source),
                _when(source.last_success_at),
                _when(source.next_fetch_at) if source.enabled and not source.is_paused else "",
                source.url,
            )
        self.console.print(table)

    def do_export(self, options: dict[str, Any]) -> None:
        """Write every source as OPML to a file or standard output."""
        document = sources_opml()
        if options["output"]:
            try:
                Path(options["output"]).write_bytes(document)
            except OSError as exc:
                raise CommandError(
                    f"cannot write {options['output']}: {exc}", returncode=2
                ) from None
            return
        self.stdout.write(document.decode("utf-8"), ending="")

    def do_import(self, options: dict[str, Any]) -> None:
        """Add the feeds of an OPML file that are not registered yet; print the counts."""
        content = operator_input_read(options["file"]).content
        report = sources_import(content=content, dry_run=options["dry_run"])
        verb = ("would create", "would skip") if options["dry_run"] else ("created", "skipped")
        self.stdout.write(
            f"{verb[0]} {len(report.created)}, {verb[1]} {len(report.skipped)} already registered"
        )

    def do_pause(self, options: dict[str, Any]) -> None:
        """Pause a source by its slug."""
        source = source_by_slug(options["slug"])
        source_pause(source=source, reason=options["reason"])
        self.stdout.write(f"paused {source.slug}")

    def do_resume(self, options: dict[str, Any]) -> None:
        """Resume a paused source by its slug; it is due at once."""
        source = source_by_slug(options["slug"])
        source_resume(source=source)
        self.stdout.write(f"resumed {source.slug}")


def source_by_slug(slug: str) -> Source:
    """The source with SLUG; CommandError (exit 2) when there is none."""
    source = Source.objects.filter(slug=slug).first()
    if source is None:
        raise CommandError(f"no source with slug {slug}", returncode=2)
    return source


def source_state(source: Source) -> str:
    """disabled, paused or enabled."""
    if not source.enabled:
        return "disabled"
    return "paused" if source.is_paused else "enabled"


def _when(moment: datetime | None) -> str:
    """A time in the site's zone to the minute; "" for none."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def feeds_table(probe: Probe) -> Table:
    """The feeds an HTML page links to, numbered for --pick; the one read is marked."""
    table = Table(title=f"Feeds linked from {probe.probed}")
    table.add_column("pick", justify="right")
    table.add_column("title")
    table.add_column("type")
    table.add_column("URL", overflow="fold")
    for number, feed in enumerate(probe.feeds, 1):
        mark = "*" if number - 1 == probe.picked else ""
        table.add_row(f"{mark}{number}", feed.title, feed.type, feed.url)
    return table


def items_table(items: list[FeedItem], *, stored: set[str]) -> Table:
    """Items with their time and whether an article already holds them."""
    table = Table(title="Items")
    table.add_column("title", overflow="fold")
    table.add_column("link", overflow="fold")
    table.add_column("published", no_wrap=True)
    table.add_column("stored")
    for item in items:
        published = _when(item.published)
        table.add_row(item.title, item.link, published, "yes" if item.link in stored else "no")
    return table


def probe_record(probe: Probe) -> dict[str, Any]:
    """The first JSON line of `sources check --json`: what source the URL makes."""
    return {
        "url": probe.url,
        "kind": probe.kind,
        "title": probe.name,
        "language": probe.language,
        "items": len(probe.announced.items),
        "feeds": [{"url": f.url, "title": f.title, "type": f.type} for f in probe.feeds],
        "warnings": probe.announced.warnings,
        "problems": [
            {"url": p.url, "stage": p.stage, "message": p.message} for p in probe.announced.problems
        ],
    }


def item_record(item: FeedItem, *, stored: bool) -> dict[str, Any]:
    """One item line of `sources check --json`."""
    return {
        "title": item.title,
        "link": item.link,
        "published": item.published.isoformat() if item.published else None,
        "stored": stored,
    }
