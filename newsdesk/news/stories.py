"""Stories: near-duplicate articles found through their MinHash bands and grouped, one canonical.

A Story here groups copies of one text (an agency text republished by several sites, with
small edits). It exists only while it has at least two articles: an article without a
near-duplicate has no story, so the reader pages can show "articles without a story, and each
story's canonical article" and every text appears once. A story left with one article is
dissolved. Its canonical article is the earliest published (an undated one counts as latest,
ties go to the lowest id), so a republished copy never displaces the original; the story's
title is its canonical article's title.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from datasketch import MinHash
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from newsdesk.news.models import Article, DuplicateBand, Story
from newsdesk.pipeline.dedup import (
    SignatureError,
    article_minhash,
    band_keys,
    jaccard,
    minhash_bytes,
    minhash_from_bytes,
    minhash_is_empty,
)
from newsdesk.sources.models import Source

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """A stored article found similar to a text: what matching and grouping read of it."""

    pk: int
    source_id: int
    story_id: int | None
    title: str
    published_at: datetime | None


# Estimated Jaccard similarity of shingles from which two articles are copies of one text.
NEAR_DUPLICATE = 0.8
# From which an article of the same source is the same article (moved or retitled).
SAME_ARTICLE = 0.9
# Candidates compared per look-up, those sharing the most bands first: a text copied
# thousands of times must not load thousands of rows.
MAX_CANDIDATES = 200


def article_fingerprint_store(
    *, article: Article, minhash: MinHash | None = None, fresh: bool = False
) -> MinHash:
    """Compute the article's signature from its title, lead and body; store it and its bands.

    MINHASH, when the caller has computed article_minhash for this text already, is used as
    it is. FRESH: the article was just created with this signature in its row and has no
    bands yet, so only the bands are written. A text without words gets no signature (b"")
    and no bands, so it matches nothing.
    """
    if minhash is None:
        minhash = article_minhash(title=article.title, lead=article.lead, text=article.text)
    keys = band_keys(minhash)
    data = b"" if minhash_is_empty(minhash) else minhash_bytes(minhash)
    if fresh:
        _bands_insert(article_id=article.pk, keys=keys)
        return minhash
    with transaction.atomic(savepoint=False):
        # update() rather than save(): a new signature is not an edit of the article. The
        # exclude() leaves an unchanged row alone (no dead row version on PostgreSQL).
        Article.objects.filter(pk=article.pk).exclude(minhash=data).update(minhash=data)
        article.minhash = data
        stored = set(DuplicateBand.objects.filter(article=article).values_list("band", "key"))
        if stored != set(keys):
            DuplicateBand.objects.filter(article=article).delete()
            DuplicateBand.objects.bulk_create(
                DuplicateBand(article=article, band=band, key=key) for band, key in keys
            )
    return minhash


def _bands_insert(*, article_id: int, keys: list[tuple[int, str]]) -> None:
    """Insert a new article's band rows in one statement (plain SQL: sixteen small rows)."""
    if not keys:
        return
    quote = connection.ops.quote_name
    table = quote(DuplicateBand._meta.db_table)
    columns = f"article_id, {quote('band')}, {quote('key')}"
    values = ", ".join(["(%s, %s, %s)"] * len(keys))
    params: list[int | str] = [v for band, key in keys for v in (article_id, band, key)]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)  # noqa: S608


def article_near_duplicates(
    *,
    article: Article | None = None,
    minhash: MinHash | None = None,
    exclude_id: int | None = None,
    threshold: float = NEAR_DUPLICATE,
    same_source: Source | None = None,
) -> list[tuple[NearDuplicate, float]]:
    """Stored articles whose estimated similarity is at least threshold, most similar first.

    The signature is minhash, or the article's stored one; the article itself is left out.
    Candidates come from the band index in one query, their articles in a second one.
    """
    if minhash is None:
        if article is None:
            raise ValueError("give an article or a minhash")
        minhash = _stored_minhash(article)
        if minhash is None:
            return []
    if exclude_id is None and article is not None:
        exclude_id = article.pk
    keys = band_keys(minhash)
    if not keys:
        return []
    candidate_ids = _band_candidates(keys, exclude_id=exclude_id, same_source=same_source)
    if not candidate_ids:
        return []
    matches = []
    for pk, source_id, story_id, title, published, data in _candidate_rows(candidate_ids):
        other = _minhash_or_none(pk, data)
        if other is None:
            continue
        similarity = jaccard(minhash, other)
        if similarity >= threshold:
            near = NearDuplicate(pk, source_id, story_id, title, _db_datetime(published))
            matches.append((near, similarity))
    matches.sort(key=lambda match: (-match[1], *_canonical_order(match[0])))
    return matches


def _candidate_rows(ids: list[int]) -> list[tuple[Any, ...]]:
    """(id, source, story, title, published, signature) of these articles, in plain SQL:
    model instances of a wide row cost more than the look-up itself, and a candidate's body
    can be large."""
    table = connection.ops.quote_name(Article._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, source_id, story_id, title, published_at, minhash FROM {table}"  # noqa: S608
            f" WHERE id IN ({marks})",
            ids,
        )
        return list(cursor.fetchall())


def _db_datetime(value: object) -> datetime | None:
    """A datetime column read in plain SQL as an aware datetime (SQLite keeps UTC without an
    offset, and hands it over as text or naive, by column type)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        return parsed.replace(tzinfo=UTC)
    return parsed


def _band_candidates(
    keys: list[tuple[int, str]], *, exclude_id: int | None, same_source: Source | None
) -> list[int]:
    """Ids of articles sharing a band key, most shared bands first (at most MAX_CANDIDATES).

    Plain SQL: the ORM spends far longer building sixteen OR-ed lookups than the database
    spends answering them through the (band, key) index.
    """
    quote = connection.ops.quote_name
    bands = DuplicateBand._meta.db_table
    where = " OR ".join(f"({quote('band')} = %s AND {quote('key')} = %s)" for _ in keys)
    params: list[int | str] = [value for pair in keys for value in pair]
    # Only table and column names are formatted in; every value is a parameter.
    sql = f"SELECT article_id FROM {quote(bands)} WHERE ({where})"  # noqa: S608
    if exclude_id is not None:
        sql += " AND article_id <> %s"
        params.append(exclude_id)
    if same_source is not None:
        articles = Article._meta.db_table
        sql += f" AND article_id IN (SELECT id FROM {quote(articles)} WHERE source_id = %s)"  # noqa: S608
        params.append(same_source.pk)
    sql += " GROUP BY article_id ORDER BY COUNT(*) DESC, article_id LIMIT %s"
    params.append(MAX_CANDIDATES)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def article_same_source_match(
    *,
    source: Source,
    minhash: MinHash,
    threshold: float = SAME_ARTICLE,
    exclude_id: int | None = None,
) -> Article | None:
    """The source's stored article with nearly the same text (moved to a new URL, retitled)."""
    matches = article_near_duplicates(
        minhash=minhash, exclude_id=exclude_id, threshold=threshold, same_source=source
    )
    return Article.objects.filter(pk=matches[0][0].pk).first() if matches else None


def article_story_assign(
    *,
    article: Article,
    threshold: float = NEAR_DUPLICATE,
    matches: list[tuple[NearDuplicate, float]] | None = None,
    fresh: bool = False,
) -> Story | None:
    """Put the article in the story of its near-duplicates, or take it out; returns its story.

    The article stays in its story while it is a near-duplicate of another member. Otherwise
    it leaves and joins the story of its most similar near-duplicate that has one, or forms a
    new story with its most similar near-duplicate. Copies bridging two stories do not merge
    them: chains of small edits would otherwise grow one story without end.
    Uses the stored signature (article_fingerprint_store), or MATCHES when the caller has
    looked up the article's near-duplicates already; FRESH: the article was just created in
    this transaction (no story yet, nothing to read again). Running it twice changes nothing.
    """
    with transaction.atomic(savepoint=False):
        return _story_assign(article, threshold=threshold, matches=matches, fresh=fresh)


def _story_assign(
    article: Article,
    *,
    threshold: float,
    matches: list[tuple[NearDuplicate, float]] | None = None,
    fresh: bool = False,
) -> Story | None:
    """article_story_assign inside its transaction."""
    if not fresh:
        article.refresh_from_db(fields=["story", "minhash", "published_at"])
    if matches is None:
        matches = article_near_duplicates(article=article, threshold=threshold)
    else:
        matches = [(m, sim) for m, sim in matches if sim >= threshold and m.pk != article.pk]
    current = article.story_id
    if current is None and not matches:
        return None  # nothing to join, nothing to leave
    if current is not None and any(match.story_id == current for match, _ in matches):
        return story_refresh(story_id=current)
    best = next((m for m, _ in matches if m.story_id is not None), None)
    best = best or (matches[0][0] if matches else None)
    # Lock the article and its match in id order (no deadlock with a worker assigning the
    # other one) and read their stories again: another worker may have grouped them meanwhile.
    locked = Article.objects.select_for_update().filter(
        pk__in=[article.pk] + ([best.pk] if best else [])
    )
    story_ids = dict(locked.order_by("pk").values_list("pk", "story_id"))
    if story_ids.get(article.pk) != current:
        # Decide again on what that worker did; the row is locked now, so this happens once.
        return _story_assign(article, threshold=threshold)
    if current is not None:
        Article.objects.filter(pk=article.pk).update(story=None)
        article.story_id = None
        story_refresh(story_id=current)
    if best is None:
        return None
    story_id = story_ids.get(best.pk)
    if story_id is None:
        story = Story.objects.create(title=best.title[:500])
        story_id = story.pk
        Article.objects.filter(pk=best.pk).update(story=story)
    Article.objects.filter(pk=article.pk).update(story_id=story_id)
    article.story_id = story_id
    return story_refresh(story_id=story_id)


def article_deduplicate(
    *,
    article: Article,
    minhash: MinHash | None = None,
    fresh: bool = False,
    matches: list[tuple[NearDuplicate, float]] | None = None,
) -> Story | None:
    """Store the article's signature and bands, then assign its story; returns the story.

    MINHASH, FRESH: see article_fingerprint_store; MATCHES: see article_story_assign.
    """
    # No savepoint: inside the caller's transaction a failure here fails the whole store.
    with transaction.atomic(savepoint=False):
        article_fingerprint_store(article=article, minhash=minhash, fresh=fresh)
        return article_story_assign(article=article, matches=matches, fresh=fresh)


def article_fresh_deduplicate(
    *, article: Article, minhash: MinHash, matches: list[tuple[NearDuplicate, float]]
) -> int | None:
    """article_deduplicate for an article just created in the caller's transaction.

    Its signature is in its row already: writes its bands, then joins the story of its most
    similar near-duplicate that has one (becoming the story's canonical if it was published
    first), or forms a story with its most similar near-duplicate. Returns the story's id.
    Every ingested article passes here, so joining a story is three plain statements: the
    ORM's look-ups, updates and story refresh cost ten times as much.
    """
    _bands_insert(article_id=article.pk, keys=band_keys(minhash))
    matches = [(m, sim) for m, sim in matches if sim >= NEAR_DUPLICATE and m.pk != article.pk]
    if not matches:
        return None
    best = next((m for m, _ in matches if m.story_id is not None), matches[0][0])
    quote = connection.ops.quote_name
    articles, stories = quote(Article._meta.db_table), quote(Story._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        # Only table names are formatted in; every value is a parameter.
        cursor.execute(f"SELECT story_id FROM {articles} WHERE id = %s{lock}", [best.pk])  # noqa: S608
        row = cursor.fetchone()
        story_id = row[0] if row else None
        if story_id is None:
            # A new story (its first copy) or one dissolved meanwhile: the general path.
            story = _story_assign(article, threshold=NEAR_DUPLICATE, matches=matches, fresh=True)
            return story.pk if story else None
        cursor.execute(
            f"UPDATE {articles} SET story_id = %s WHERE id = %s",  # noqa: S608
            [story_id, article.pk],
        )
        # The newcomer becomes canonical only if published before the canonical (its id is
        # the highest, so a tie stays with the canonical; an undated article comes last).
        if article.published_at is not None:
            adapt = connection.ops.adapt_datetimefield_value
            cursor.execute(
                f"UPDATE {stories} SET canonical_article_id = %s, title = %s, updated_at = %s"  # noqa: S608
                f" WHERE id = %s AND EXISTS (SELECT 1 FROM {articles} c"
                f" WHERE c.id = {stories}.canonical_article_id"
                " AND (c.published_at IS NULL OR c.published_at > %s))",
                [
                    article.pk,
                    article.title[:500],
                    adapt(timezone.now()),
                    story_id,
                    adapt(article.published_at),
                ],
            )
    article.story_id = story_id
    return int(story_id)


def story_refresh(*, story_id: int) -> Story | None:
    """Choose the story's canonical article and title, or dissolve it below two articles."""
    story = Story.objects.select_for_update().filter(pk=story_id).first()
    if story is None:
        return None
    members = list(
        Article.objects.filter(story=story)
        .order_by(F("published_at").asc(nulls_last=True), "id")
        .only("id", "title", "published_at")
    )
    if len(members) < 2:
        Article.objects.filter(story=story).update(story=None)
        story.delete()
        return None
    canonical = members[0]
    title = canonical.title[:500]
    if story.canonical_article_id != canonical.pk or story.title != title:
        story.canonical_article = canonical
        story.title = title
        story.save(update_fields=["canonical_article", "title", "updated_at"])
    return story


def _canonical_order(article: Article | NearDuplicate) -> tuple[bool, float, int]:
    """Sort key of the canonical rule: earliest published first, undated last, then lowest id."""
    published = article.published_at
    return (published is None, published.timestamp() if published else 0.0, article.pk)


def _stored_minhash(article: Article) -> MinHash | None:
    """The article's stored signature, or None when it has none (or one that cannot be read)."""
    return _minhash_or_none(article.pk, article.minhash)


def _minhash_or_none(article_id: object, data: object) -> MinHash | None:
    """The stored signature DATA of an article, or None when it has none or an unreadable one."""
    if not data or not isinstance(data, bytes | bytearray | memoryview):
        return None
    try:
        return minhash_from_bytes(data)
    except SignatureError as exc:
        # Made with other parameters: article_fingerprint_store will replace it.
        logger.warning("article %s has an unreadable signature: %s", article_id, exc)
        return None
