"""`newsdesk ingest`: fetch every enabled source that is due and store its articles."""

from __future__ import annotations

from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from newsdesk.news.management.commands.enrich import articles_to_enrich, enrich_run
from newsdesk.sources.models import Source
from newsdesk.sources.selectors import sources_due
from newsdesk.sources.services import SourceReport, source_ingest


class Command(BaseCommand):
    help = "Fetch enabled sources that are due (or those named) and upsert their articles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-enrich",
            action="store_true",
            help="store the articles only; `newsdesk enrich` does language and mentions later",
        )
        parser.add_argument(
            "--all", action="store_true", help="fetch every enabled source, due or not"
        )
        parser.add_argument(
            "--source", action="append", default=[], metavar="SLUG", help="only this source"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["source"]:
            sources = list(Source.objects.filter(slug__in=options["source"]))
            missing = set(options["source"]) - {s.slug for s in sources}
            if missing:
                raise CommandError(f"no source with slug {', '.join(sorted(missing))}")
        elif options["all"]:
            sources = list(Source.objects.filter(enabled=True))
        else:
            sources = sources_due()
        console = Console(file=cast(IO[str], self.stdout._out), highlight=False)
        reports: list[SourceReport] = []
        # Drawn on a terminal only; piped output gets the summary table alone.
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            overall = progress.add_task("sources", total=len(sources))
            items = progress.add_task("articles", total=None)
            for source in sources:
                progress.update(items, description=source.name, completed=0, total=None)

                def advance(done: int, total: int) -> None:
                    progress.update(items, completed=done, total=total)

                reports.append(source_ingest(source=source, progress=advance))
                progress.advance(overall)
        if reports:
            console.print(summary_table(reports))
        else:
            console.print("No source is due. Use --all to fetch every enabled source.")
        if not options["no_enrich"]:
            # The next stage, in this process: language, mentions, translations of what is
            # new or changed (workers do it as a task per article).
            pending = list(articles_to_enrich().values_list("pk", flat=True))
            if pending:
                enrich_run(pending, console=console)


def summary_table(reports: list[SourceReport]) -> Table:
    """One row per source: new, updated, unchanged, failed, and the reasons of failures."""
    table = Table(title="Ingest summary")
    for column in ("source", "new", "updated", "unchanged", "failed"):
        table.add_column(column, justify="left" if column == "source" else "right")
    table.add_column("reason", overflow="fold")
    for report in reports:
        reason = "not modified" if report.not_modified else "; ".join(report.errors[:3])
        if len(report.errors) > 3:
            reason += f" (+{len(report.errors) - 3} more)"
        table.add_row(
            report.source,
            str(report.new),
            str(report.updated),
            str(report.unchanged),
            str(report.failed),
            reason,
        )
    return table
