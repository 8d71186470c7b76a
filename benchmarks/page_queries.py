"""Time the costly reads of the entity and article pages on the benchmark's database.

    NEWSDESK_DATA_DIR=var/bench/sqlite-bench-data-v1-100000 \\
        .venv/bin/python benchmarks/page_queries.py

(the database benchmarks/site.py builds; or DATABASE_URL=... for PostgreSQL). Prints, for the
most mentioned entity, its co-mentioned entities, weekly chart and latest articles, and for the
three newest articles their related articles, each in milliseconds (one call, after Django and
the connection are up).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.config.settings")


def timed(name: str, call: Callable[[], object]) -> None:
    started = time.perf_counter()
    call()
    print(f"{name:<32} {(time.perf_counter() - started) * 1000:8.0f} ms")


def main() -> None:
    import django

    django.setup()
    from django.db.models import Count

    from newsdesk.news import selectors
    from newsdesk.news.models import Article, Entity

    entity = Entity.objects.annotate(n=Count("mentions")).order_by("-n").first()
    if entity is None:
        sys.exit("page_queries: the database has no entities (build it with benchmarks/site.py)")
    print(f"entity: {entity} ({entity.n} mentions)")
    timed("entity_co_mentioned", lambda: list(selectors.entity_co_mentioned(entity=entity)))
    timed("entity_weekly_mentions", lambda: selectors.entity_weekly_mentions(entity=entity))
    timed("entity_articles[:30]", lambda: list(selectors.entity_articles(entity=entity)[:30]))
    for article in Article.objects.order_by("-id")[:3]:
        timed(
            f"article_related({article.pk})", lambda a=article: selectors.article_related(article=a)
        )


if __name__ == "__main__":
    main()
