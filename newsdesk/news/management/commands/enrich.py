"""`newsdesk enrich`: language, mentions and translations for stored articles."""

from __future__ import annotations

from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F, Q, QuerySet
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk.news.enrich import article_enrich
from newsdesk.news.models import Article
from newsdesk.news.translations import translation_provider


class Command(BaseCommand):
    help = (
        "Detect the language of articles, find and link the entities they mention, and "
        "translate them. Without options: articles not enriched since they last changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="every article again")
        which.add_argument("--article", type=int, metavar="ID", help="one article")

    def handle(self, *args: Any, **options: Any) -> None:
        articles = articles_to_enrich(everything=options["all"], article_id=options["article"])
        if options["article"] and not articles.exists():
            raise CommandError(f"no article with id {options['article']}")
        ids = list(articles.values_list("pk", flat=True))
        console = Console(file=cast(IO[str], self.stdout._out), highlight=False)
        failed = enrich_run(ids, console=console)
        if failed:
            raise CommandError(f"{failed} of {len(ids)} articles failed")


def enrich_run(ids: list[int], *, console: Console) -> int:
    """Enrich these articles with a progress bar (drawn on a terminal only) and print a
    summary table; returns how many failed (each failure printed, the run goes on)."""
    provider = translation_provider()
    languages: dict[str, int] = {}
    mentions = failed = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("enriching", total=len(ids))
        for article in Article.objects.filter(pk__in=ids).select_related("source").iterator():
            try:
                report = article_enrich(article=article, provider=provider)
            except Exception as exc:  # one bad article must not stop the run
                failed += 1
                console.print(f"article {article.pk}: {type(exc).__name__}: {exc}")
            else:
                code = report.language or "?"
                languages[code] = languages.get(code, 0) + 1
                mentions += report.mentions
            progress.advance(task)
    table = Table(title="Enrich summary")
    for column in ("articles", "by language", "mentions", "failed"):
        table.add_column(column)
    table.add_row(
        str(len(ids)),
        ", ".join(f"{code}: {count}" for code, count in sorted(languages.items())) or "-",
        str(mentions),
        str(failed),
    )
    console.print(table)
    return failed


def articles_to_enrich(
    *, everything: bool = False, article_id: int | None = None
) -> QuerySet[Article]:
    """The articles to enrich: one, all, or those not enriched since they last changed."""
    if article_id is not None:
        return Article.objects.filter(pk=article_id)
    if everything:
        return Article.objects.all()
    return Article.objects.filter(Q(enriched_at__isnull=True) | Q(updated_at__gt=F("enriched_at")))
