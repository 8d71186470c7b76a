"""`newsdesk search_index`: put stored articles into the search index."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from newsdesk.search.index import index_missing, index_rebuild


class Command(BaseCommand):
    help = (
        "Index the articles that are not in the search index yet, and drop deleted ones. "
        "With --rebuild: index every article again (after a change of the indexing rules)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="every article again")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            report = index_rebuild() if options["rebuild"] else index_missing()
        except NotImplementedError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CommandError(
                f"cannot write the search index: {message} (has `newsdesk migrate` been run?)"
            ) from exc
        self.stdout.write(
            f"indexed {report.indexed} articles, removed {report.removed} deleted ones "
            f"in {time.monotonic() - started:.1f} s"
        )
