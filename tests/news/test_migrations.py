"""Data migrations over a real database: what they recompute, on rows made before them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from newsdesk.pipeline.dedup import article_minhash, band_keys, minhash_bytes

BEFORE = [("news", "0003_dedup_backfill")]
AFTER = [("news", "0004_signatures_crc32")]
TEXT = (
    "The foreign ministers met in Geneva on Tuesday and agreed to resume talks on strategic "
    "stability next month, the two delegations said in a joint statement after six hours "
    "of negotiations behind closed doors at the lakeside villa."
)


@pytest.mark.django_db(transaction=True)
def test_0004_recomputes_every_signature_and_its_bands_with_crc32() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # Other apps stay at their latest migration: their tables are as today.
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "news"]
    old = executor.loader.project_state(BEFORE + others).apps
    source = old.get_model("sources", "Source").objects.create(
        name="Wire", slug="wire", url="https://wire.example/feed.xml"
    )
    article = old.get_model("news", "Article").objects.create(
        source=source,
        canonical_url="https://wire.example/a",
        link="https://wire.example/a",
        title="Talks to resume",
        paragraphs=[{"role": "paragraph", "text": TEXT}],
        fetched_at=timezone.now(),
        minhash=b"an old generation's signature",
    )
    bands = old.get_model("news", "DuplicateBand")
    bands.objects.create(article=article, band=0, key="0123456789abcdef")

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(AFTER)

        new = executor.loader.project_state(AFTER + others).apps
        stored = new.get_model("news", "Article").objects.get(pk=article.pk)
        expected = article_minhash(title="Talks to resume", lead="", text=TEXT)
        assert bytes(stored.minhash) == minhash_bytes(expected)
        assert sorted(
            new.get_model("news", "DuplicateBand")
            .objects.filter(article_id=article.pk)
            .values_list("band", "key")
        ) == band_keys(expected)
    finally:
        # Back to the latest schema for the tests that follow.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
