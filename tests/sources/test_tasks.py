"""Ingestion through a real Celery worker over Redis, writing to the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connection

from newsdesk.news.models import Article
from newsdesk.sources.models import IngestItem
from newsdesk.sources.services import source_ingest
from tests.conftest import require_service
from tests.loopback import LoopbackServer
from tests.sources.test_ingest import serve_site

BROKER = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"


def database_url() -> str:
    """A DATABASE_URL naming the database this test run uses (the test database)."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


@pytest.fixture
def celery_worker(tmp_path: Path) -> Iterator[tuple[Celery, str]]:
    """A `celery worker` subprocess on its own queue; yields a client app and the queue name."""
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require_service("Redis", f"{BROKER}: {exc}")
    queue = f"newsdesk-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": BROKER,
        "NEWSDESK_DATA_DIR": str(tmp_path),
        "NEWSDESK_FETCH_ALLOW": "127.0.0.1",
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "newsdesk.config",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = Celery(broker=BROKER, backend=BROKER)
    try:
        deadline = time.monotonic() + 60
        while "ready" not in (tmp_path / "worker.log").read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    "Celery worker did not start:\n" + (tmp_path / "worker.log").read_text()
                )
            time.sleep(0.2)
        yield client, queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


@pytest.mark.django_db(transaction=True)
def test_celery_worker_ingests_a_source_by_id_and_a_second_run_adds_nothing(
    celery_worker: tuple[Celery, str], http_server: LoopbackServer, allow_loopback: None
) -> None:
    client, queue = celery_worker
    source = serve_site(http_server)

    first = client.send_task("sources.ingest_source", args=[source.pk], queue=queue)
    assert first.get(timeout=90) == {"unchanged": 0, "failed": 0, "enqueued": 3}
    # The worker then stores each item in its own task, on the same queue.
    deadline = time.monotonic() + 90
    while Article.objects.filter(source=source).count() < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Article.objects.filter(source=source).count() == 3
    assert set(IngestItem.objects.values_list("status", flat=True)) == {"done"}

    second = client.send_task("sources.ingest_source", args=[source.pk], queue=queue)
    assert second.get(timeout=90) == {"unchanged": 3, "failed": 0, "enqueued": 0}
    assert Article.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_item_task_run_twice_stores_its_article_once(
    celery_worker: tuple[Celery, str], http_server: LoopbackServer, allow_loopback: None
) -> None:
    client, queue = celery_worker
    source = serve_site(http_server, n=1)
    source_ingest(source=source, process=False)
    item = IngestItem.objects.get()
    results = [
        client.send_task("sources.process_item", args=[item.pk], queue=queue) for _ in range(2)
    ]
    assert sorted(r.get(timeout=90) for r in results) == ["new", "unchanged"]
    assert Article.objects.count() == 1
