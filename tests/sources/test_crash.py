"""`kill -9` in the middle of `newsdesk ingest`, then a rerun: no article lost, none doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from newsdesk.news.models import Article
from newsdesk.sources.models import IngestItem, Source
from tests.loopback import LoopbackServer
from tests.programs import program_env
from tests.sources.test_ingest import LONG, page_html, rss
from tests.sources.test_tasks import database_url

ITEMS = 24


def slow(body: bytes, *, seconds: float = 0.15) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler that answers BODY after a pause, so a run lasts long enough to be killed."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return handler


def serve_slow_site(server: LoopbackServer) -> Source:
    items = []
    for i in range(ITEMS):
        path = f"/news/{i}.html"
        body = page_html(
            title=f"Briefing number {i}",
            lead=f"Lead of briefing {i}.",
            paragraphs=[f"Briefing {i}: {p}" for p in LONG],
        ).encode()
        server.add(path, handler=slow(body))
        items.append((f"Briefing number {i}", server.url(path), f"Lead of briefing {i}."))
    feed_url = server.add("/feed.xml", rss(items), headers={"Content-Type": "application/rss+xml"})
    return Source.objects.create(name="Slow wire", slug="slow-wire", url=feed_url, language="en")


def ingest_process(data_dir: Path) -> subprocess.Popen[bytes]:
    env = program_env(
        data_dir,
        DATABASE_URL=database_url(),
        NEWSDESK_FETCH_ALLOW="127.0.0.1",
        NEWSDESK_HOST_DELAY="0",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "ingest", "--all"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(condition: Callable[[], bool], *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the ingest subprocess did not get there in time")
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kill_after", [0, 1, 9], ids=["before-any-article", "after-1", "after-9"])
def test_ingest_killed_mid_run_and_rerun_stores_every_article_exactly_once(
    kill_after: int, http_server: LoopbackServer, tmp_path: Path
) -> None:
    source = serve_slow_site(http_server)
    process = ingest_process(tmp_path)
    try:
        if kill_after == 0:
            # Killed once the feed's items are recorded, before any page is stored.
            wait_for(lambda: IngestItem.objects.filter(source=source).exists())
        else:
            wait_for(lambda: Article.objects.count() >= kill_after)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    stored_before = Article.objects.count()
    assert stored_before < ITEMS, "the run ended before it could be killed"

    rerun = ingest_process(tmp_path)
    _, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr.decode()

    if connection.vendor == "sqlite":
        connection.close()  # see the other process's writes through a fresh connection
    links = [http_server.url(f"/news/{i}.html") for i in range(ITEMS)]
    assert sorted(Article.objects.values_list("link", flat=True)) == sorted(links)
    doubled = Article.objects.values("title").annotate(n=Count("id")).filter(n__gt=1)
    assert list(doubled) == []
    assert set(IngestItem.objects.values_list("status", flat=True)) == {"done"}
    # Each page was fetched at most once more than needed: the one being read when killed.
    page_fetches = [path for path, _ in http_server.requests if path.startswith("/news/")]
    assert len(page_fetches) <= ITEMS + 1
