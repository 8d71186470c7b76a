"""Render each page of the site benchmark once, uncached, in one process: the time of each
page and of its slowest queries, on the benchmark's database.

    NEWSDESK_DATA_DIR=var/bench/sqlite-bench-data-v1-100000 \\
        .venv/bin/python benchmarks/page_render.py [--set entity] [--queries 3]

(the database benchmarks/site.py builds; or DATABASE_URL=... for PostgreSQL). The URLs are the
benchmark's (benchmarks/site.py targets()). Each page is rendered twice, the second time
measured (the first warms the database's pages and Django's template cache); the page cache
is off. Where the time goes when a page is not cached: what a reader waits for on a miss.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.config.settings")
os.environ["NEWSDESK_PAGE_CACHE_SECONDS"] = "0"


def _site_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_site", ROOT / "benchmarks" / "site.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", help="page set(s): home, article, entity, search")
    parser.add_argument("--queries", type=int, default=2, help="slowest queries shown per page")
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    urls = _site_module().targets(args.articles)
    client = Client(HTTP_HOST="127.0.0.1")
    for name in args.set or ["home", "article", "entity", "search"]:
        times = []
        print(f"== {name}")
        for url in urls[name]:
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
            times.append(elapsed)
            spent = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            print(
                f"{elapsed:8.0f} ms  {len(queries)} queries {spent:6.0f} ms  "
                f"{response.status_code}  {url}"
            )
            slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
            for query in slowest[: args.queries]:
                print(f"{float(query['time']) * 1000:18.0f} ms  {query['sql'][:150]}")
        print(
            f"   {name}: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms "
            f"over {len(times)} pages"
        )


if __name__ == "__main__":
    main()
