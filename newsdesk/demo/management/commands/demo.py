"""`newsdesk demo`: build the demo sources, ingest them through the pipeline, create an admin."""

from __future__ import annotations

import os
from typing import IO, Any, cast

from django.core.management.base import BaseCommand
from rich.console import Console

from newsdesk.demo.services import demo_admin_ensure, demo_sources_register
from newsdesk.news.management.commands.enrich import articles_to_enrich, enrich_run
from newsdesk.sources.management.commands.ingest import summary_table
from newsdesk.sources.services import source_ingest


class Command(BaseCommand):
    help = "Register the demo sources (local feeds of the bundled corpus) and ingest them."

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=cast(IO[str], self.stdout._out), highlight=False)
        sources = demo_sources_register()
        reports = [source_ingest(source=source) for source in sources]
        console.print(summary_table(reports))
        # Language, mentions and translations of every demo article.
        enrich_run(list(articles_to_enrich().values_list("pk", flat=True)), console=console)
        username, password = demo_admin_ensure()
        port = os.environ.get("PORT", "8000")
        console.print(
            f"Admin login: user [bold]{username}[/bold], password [bold]{password}[/bold] "
            f"at http://127.0.0.1:{port}/admin/"
        )
