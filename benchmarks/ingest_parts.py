"""Where the whole ingest's time goes, per article: each service step timed in place.

    python benchmarks/ingest_parts.py [--copies 3]

Serves the real-world pages as COPIES sites (see benchmarks/ingest.py), ingests the first
one to warm up, then times every step while the others are ingested, by wrapping the
service functions with timers. Wall clock, so the fetch includes the origin server's time.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEPS = {
    "newsdesk.sources.services": [
        "fetch",
        "extract_article",
        "article_signatures",
        "article_near_duplicates",
        "_article_same",
        "article_deduplicate",
        "article_upsert",
        "article_image_cache",
        "items_record",
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsdesk-parts-"))
    os.environ.update(
        NEWSDESK_DATA_DIR=str(work / "data"),
        NEWSDESK_FETCH_ALLOW="127.0.0.1",
        NEWSDESK_HOST_DELAY="0",
        NEWSDESK_OBEY_ROBOTS="0",
        DJANGO_SETTINGS_MODULE="newsdesk.config.settings",
    )
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks.ingest import _free_port
    from benchmarks.pages import origin_server, write_plain_feed, write_realworld

    call_command("migrate", verbosity=0)
    from newsdesk.sources import services
    from newsdesk.sources.models import Source

    port = _free_port()
    base = f"http://127.0.0.1:{port}/pages"
    sets = write_realworld(work / "site" / "pages", copies=args.copies)
    for copy, subset in enumerate(sets):
        write_plain_feed(work / "site", name=f"feed-{copy}.xml", pages=subset, base=base)
    server = origin_server(work / "site", port=port)
    totals: dict[str, float] = {}
    try:
        sources = [
            Source.objects.create(name=f"s{i}", slug=f"s{i}", url=f"{base[:-6]}/feed-{i}.xml")
            for i in range(args.copies)
        ]
        services.source_ingest(source=sources[0])  # warm-up
        for name in STEPS["newsdesk.sources.services"]:
            setattr(services, name, _timed(getattr(services, name), name, totals))
        articles = 0
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            for source in sources[1:]:
                report = services.source_ingest(source=source)
                articles += report.new + report.updated + report.unchanged
            total = time.perf_counter() - started
    finally:
        server.terminate()
        shutil.rmtree(work, ignore_errors=True)
    print(f"articles: {articles}; SQL queries per article: {len(queries) / articles:.1f}")
    print(f"{'whole ingest':<26}{total / articles * 1000:8.2f} ms/article")
    for name, seconds in totals.items():
        print(f"{name:<26}{seconds / articles * 1000:8.2f} ms/article")


def _timed(function: Callable[..., Any], name: str, totals: dict[str, float]) -> Any:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - started

    return timed


if __name__ == "__main__":
    main()
