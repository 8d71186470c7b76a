"""Writing the search index: one article, one deleted article, or all of them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch

from newsdesk.news.models import Article, Translation
from newsdesk.search.backends import backend

# Articles stemmed and written per transaction by a rebuild.
BATCH_SIZE = 500
# What indexing reads of an article and of its translations.
INDEXED_FIELDS = ("id", "language", "title", "lead", "paragraphs")
TRANSLATION_FIELDS = ("id", "article_id", "language", "status", "title", "lead", "paragraphs")


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What a run of the indexer did."""

    indexed: int
    removed: int


def article_index(article: Article) -> None:
    """Store the article's title, lead and body, and those of its finished translations, in the
    search index, replacing what was there (idempotent). Call it once the article's text,
    language and translations are saved."""
    with transaction.atomic():
        backend().write([article])


def article_unindex(article_id: int) -> None:
    """Remove the article from the search index (nothing happens when it is not there)."""
    with transaction.atomic():
        backend().delete([article_id])


def index_rebuild() -> IndexReport:
    """Index every article again, BATCH_SIZE per transaction (searches go on meanwhile and
    see each batch as it lands), then drop the documents of deleted articles."""
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    return _index(ids, optimize=True)


def index_missing() -> IndexReport:
    """Index the articles that are not in the index yet and drop those of deleted articles."""
    return _index(backend().unindexed_ids(), optimize=False)


def _index(ids: list[int], *, optimize: bool) -> IndexReport:
    """Index the articles with these ids in batches, remove orphans, compact if asked."""
    index = backend()
    index.prepare()
    indexed = 0
    for offset in range(0, len(ids), BATCH_SIZE):
        batch = ids[offset : offset + BATCH_SIZE]
        articles = list(
            Article.objects.filter(pk__in=batch)
            .only(*INDEXED_FIELDS)
            .prefetch_related(
                Prefetch(
                    "translations",
                    queryset=Translation.objects.filter(status=Translation.Status.DONE).only(
                        *TRANSLATION_FIELDS
                    ),
                )
            )
        )
        with transaction.atomic():
            index.write(articles)
        indexed += len(articles)
    with transaction.atomic():
        removed = index.orphans_delete()
    if optimize:
        index.optimize()
    return IndexReport(indexed=indexed, removed=removed)
