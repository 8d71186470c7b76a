"""Ingestion services: fetch a source, read its items (any kind), upsert them as articles."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from newsdesk.news.models import Article, ArticleRevision
from newsdesk.news.stories import (
    SAME_ARTICLE,
    NearDuplicate,
    article_deduplicate,
    article_fresh_deduplicate,
    article_near_duplicates,
)
from newsdesk.pipeline.dedup import article_signatures, minhash_bytes, minhash_is_empty
from newsdesk.pipeline.discover import article_links, page_title
from newsdesk.pipeline.extract import (
    Extracted,
    ExtractError,
    extract_article,
    html_text,
    paragraphs_from_html,
)
from newsdesk.pipeline.feeds import FeedError, FeedItem, parse_feed
from newsdesk.pipeline.fetch import FetchError, FetchPolicy, FetchResult, fetch_url
from newsdesk.pipeline.politeness import HostGate, RedisHostGate
from newsdesk.pipeline.sitemaps import ChildSitemap, SitemapError, SitemapUrl, parse_sitemap
from newsdesk.pipeline.urls import URLError, canonical_url
from newsdesk.sources.models import IngestFailure, IngestItem, Source
from newsdesk.sources.schedule import source_schedule_failure, source_schedule_success
from newsdesk.sources.selectors import sources_due

logger = logging.getLogger(__name__)

# Lead images we keep a copy of: raster formats only (an SVG could carry script).
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ".png",
    b"\xff\xd8\xff": ".jpg",
    b"GIF87a": ".gif",
    b"GIF89a": ".gif",
    b"RIFF": ".webp",
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# A nearly identical text of the same source is the same article only within this time.
SAME_ARTICLE_WINDOW = timedelta(days=3)
# An item that keeps failing is tried on this many runs, then left for an editor.
MAX_ITEM_ATTEMPTS = 5
# A sitemap or section page names at most this many pages per run, newest first: a
# 50,000-URL sitemap must not enqueue 50,000 fetches.
MAX_ITEMS_PER_RUN = 200
# Of a sitemap that dates its entries, only those this recent are taken.
SITEMAP_WINDOW = timedelta(days=7)
# A sitemap index's children read per run, newest first (each is one more request).
MAX_CHILD_SITEMAPS = 5


class PageError(Exception):
    """A section page shows no article links; the message says so in one line."""


@dataclass(slots=True)
class SourceReport:
    """What one source's ingestion did."""

    source: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    not_modified: bool = False
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def fetch_policy() -> FetchPolicy:
    """The fetch policy configured in settings."""
    return FetchPolicy(
        allow=tuple(settings.NEWSDESK_FETCH_ALLOW),
        file_roots=tuple(settings.NEWSDESK_FILE_ROOTS),
        max_bytes=settings.NEWSDESK_FETCH_MAX_BYTES,
        timeout=settings.NEWSDESK_FETCH_TIMEOUT,
        deadline=settings.NEWSDESK_FETCH_TIMEOUT * 3,
        user_agent=settings.NEWSDESK_USER_AGENT,
        host_delay=settings.NEWSDESK_HOST_DELAY,
        obey_robots=settings.NEWSDESK_OBEY_ROBOTS,
        retries=settings.NEWSDESK_FETCH_RETRIES,
        max_retry_after=settings.NEWSDESK_FETCH_MAX_RETRY_AFTER,
    )


def host_gate() -> HostGate | None:
    """Where per-host politeness is kept: in Redis when workers share one, else in-process."""
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://")):
        return _redis_gate(broker)
    return None


@functools.cache
def _redis_gate(url: str) -> RedisHostGate:
    return RedisHostGate.from_url(url)


def fetch(url: str, *, policy: FetchPolicy, etag: str = "", last_modified: str = "") -> FetchResult:
    """fetch_url through the configured host gate (see host_gate)."""
    return fetch_url(url, policy=policy, etag=etag, last_modified=last_modified, gate=host_gate())


def source_ingest(
    *,
    source: Source,
    policy: FetchPolicy | None = None,
    process: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> SourceReport:
    """Fetch one source, record what it announces, then store the pending items.

    Failures are recorded, never raised. With process=False the items are only recorded
    (a Celery worker processes them as separate tasks). PROGRESS is called with
    (items done, items to do) as items are stored.
    """
    policy = policy or fetch_policy()
    report = SourceReport(source=source.name)
    now = timezone.now()
    source.last_fetch_at = now
    try:
        result = fetch(
            source.url, policy=policy, etag=source.etag, last_modified=source.last_modified
        )
        if result.not_modified:
            report.not_modified = True
        else:
            announced = source_items(kind=source.kind, result=result, policy=policy, now=now)
    except (FetchError, FeedError, SitemapError, PageError) as exc:
        stage = (
            IngestFailure.Stage.FETCH if isinstance(exc, FetchError) else IngestFailure.Stage.PARSE
        )
        retry_after = getattr(exc, "retry_after", None)
        _source_failed(
            source, now=now, stage=stage, message=str(exc), report=report, retry_after=retry_after
        )
        return report

    new_items: list[int] = []
    if not report.not_modified:
        _announced_problems(source, announced=announced, report=report)
        new_items = items_record(source=source, items=announced.items, report=report)
        # The items are safely recorded, so a 304 next time loses nothing.
        source.etag = result.etag
        source.last_modified = result.last_modified
    if process:
        pending = items_pending(source=source)
        for done, item_id in enumerate(pending, 1):
            report.count(item_process(item_id=item_id, policy=policy, report=report))
            if progress:
                progress(done, len(pending))
    _source_succeeded(source, now=now, new_items=len(new_items))
    return report


@dataclass(slots=True)
class Problem:
    """A part of a source that could not be read (a child sitemap), while the rest could."""

    url: str
    stage: str
    message: str


@dataclass(slots=True)
class Announced:
    """What a source's fetched document announces, whatever its kind.

    TITLE and LANGUAGE are the document's own when it names them. WARNINGS are worth an
    editor's look but fail nothing (a truncated feed); PROBLEMS are parts that failed.
    """

    items: list[FeedItem]
    title: str = ""
    language: str = ""
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def source_items(
    *, kind: str, result: FetchResult, policy: FetchPolicy, now: datetime
) -> Announced:
    """The items a fetched source document announces, read as KIND says.

    Raises FeedError, SitemapError or PageError when the document is none of its kind.
    """
    if kind == Source.Kind.SITEMAP:
        return sitemap_items(result=result, policy=policy, now=now)
    if kind == Source.Kind.PAGE:
        return page_items(result=result)
    # A local file source is a feed read from a file:// URL.
    return feed_items(result=result)


def feed_items(*, result: FetchResult) -> Announced:
    """A feed's items, decoded with the charset its bytes and HTTP headers tell."""
    feed = parse_feed(result.content, url=result.url, charset=result.sniffed_charset())
    warnings = [feed.warning] if feed.warning else []
    return Announced(items=feed.items, title=feed.title, language=feed.language, warnings=warnings)


def page_items(*, result: FetchResult) -> Announced:
    """The article links of a section page, in page order, as title-less items."""
    # The page's text as its HTTP charset and bytes tell: a link may spell Cyrillic.
    text = result.text()
    links = article_links(text, url=result.url)
    if not links:
        raise PageError("no article links found on the page (is it a section or index page?)")
    return Announced(
        items=[FeedItem(link=link, title="") for link in links[:MAX_ITEMS_PER_RUN]],
        title=page_title(text),
    )


def sitemap_items(*, result: FetchResult, policy: FetchPolicy, now: datetime) -> Announced:
    """The newest pages of a sitemap, or of the newest children of a sitemap index.

    Entries dated within SITEMAP_WINDOW come first, newest first, then undated ones in
    document order; older ones are left out, and at most MAX_ITEMS_PER_RUN are taken.
    A child sitemap that cannot be read is a problem; the others are still read.
    """
    sitemap = parse_sitemap(result.content, url=result.url)
    announced = Announced(items=[])
    urls = list(sitemap.urls)
    if sitemap.kind == "index":
        urls = _children_urls(
            sitemap.sitemaps,
            seen={result.url, sitemap.url},
            policy=policy,
            now=now,
            announced=announced,
        )
    if sitemap.dropped_invalid:
        announced.warnings.append(
            f"{sitemap.dropped_invalid} entries without an absolute http(s) URL skipped"
        )
    newest = _newest_first(urls, since=now - SITEMAP_WINDOW)
    announced.items = [_sitemap_item(url) for url in newest[:MAX_ITEMS_PER_RUN]]
    languages = {url.news_language for url in urls if url.news_language}
    if len(languages) == 1:
        announced.language = languages.pop()
    publications = [url.news_publication for url in urls if url.news_publication]
    announced.title = publications[0] if publications else ""
    return announced


def _children_urls(
    children: list[ChildSitemap],
    *,
    seen: set[str],
    policy: FetchPolicy,
    now: datetime,
    announced: Announced,
) -> list[SitemapUrl]:
    """The entries of an index's newest children, at most MAX_CHILD_SITEMAPS of them.

    One level only: an index inside an index, or one listing itself, is not followed.
    """
    since = now - SITEMAP_WINDOW
    urls: list[SitemapUrl] = []
    read = 0
    for child in sorted(children, key=_child_order):
        if child.loc in seen:
            announced.warnings.append(f"sitemap index lists itself or a child twice: {child.loc}")
            continue
        if read >= MAX_CHILD_SITEMAPS:
            break
        if child.lastmod is not None and child.lastmod < since:
            continue  # nothing in it changed recently
        seen.add(child.loc)
        read += 1
        try:
            fetched = fetch(child.loc, policy=policy)
            sub = parse_sitemap(fetched.content, url=fetched.url)
        except FetchError as exc:
            announced.problems.append(Problem(child.loc, IngestFailure.Stage.FETCH, str(exc)))
            continue
        except SitemapError as exc:
            announced.problems.append(Problem(child.loc, IngestFailure.Stage.PARSE, str(exc)))
            continue
        if sub.kind == "index":
            announced.warnings.append(f"nested sitemap index not followed: {child.loc}")
        urls.extend(sub.urls)
    return urls


def _child_order(child: ChildSitemap) -> tuple[bool, float]:
    """Sort key: dated children newest first, then undated ones in document order."""
    return (child.lastmod is None, -child.lastmod.timestamp() if child.lastmod else 0.0)


def _newest_first(urls: list[SitemapUrl], *, since: datetime) -> list[SitemapUrl]:
    """Entries dated since SINCE, newest first, then undated ones in document order."""
    dated = [(when, url) for url in urls if (when := _url_time(url)) is not None and when >= since]
    dated.sort(key=lambda pair: pair[0], reverse=True)
    return [url for _, url in dated] + [url for url in urls if _url_time(url) is None]


def _url_time(url: SitemapUrl) -> datetime | None:
    """When a sitemap entry was published or last changed, as the sitemap says."""
    return url.news_published or url.lastmod


def _sitemap_item(url: SitemapUrl) -> FeedItem:
    """A sitemap entry as an item; its last change is kept so an updated page is refetched."""
    return FeedItem(
        link=url.loc,
        title=url.news_title,
        published=url.news_published or url.lastmod,
        updated=url.lastmod,
        image_url=url.image_urls[0] if url.image_urls else "",
    )


def _announced_problems(source: Source, *, announced: Announced, report: SourceReport) -> None:
    """Record the parts of a source that failed, and note its warnings without failing it."""
    for problem in announced.problems:
        _record_failure(
            source, url=problem.url, stage=problem.stage, message=problem.message, report=report
        )
        report.failed += 1
    for warning in announced.warnings:
        logger.warning("source %s: %s", source.slug, warning)
        report.errors.append(f"warning: {warning}")


def sources_lease_due(*, now: datetime, lease: timedelta) -> list[Source]:
    """The sources due at NOW, each moved LEASE ahead so no other look enqueues it again.

    Their ingest sets their real next fetch time; a source whose task is lost is due again
    when the lease ends.
    """
    with transaction.atomic():
        due = sources_due(now=now)
        Source.objects.filter(pk__in=[s.pk for s in due]).update(next_fetch_at=now + lease)
    return due


def items_record(*, source: Source, items: list[FeedItem], report: SourceReport) -> list[int]:
    """Record announced items as pending unless already stored unchanged; returns their ids.

    One transaction: after a crash either all of a feed's items are recorded or none is.
    """
    links = [item.link for item in items if item.link]
    pending: list[int] = []
    with transaction.atomic():
        known = {i.link: i for i in IngestItem.objects.filter(source=source, link__in=links)}
        # Articles stored before items were recorded: their feed fingerprint tells.
        stored = dict(
            Article.objects.filter(source=source, link__in=links).values_list(
                "link", "feed_fingerprint"
            )
        )
        for item in items:
            if not item.link:
                _record_failure(
                    source,
                    url=source.url,
                    stage=IngestFailure.Stage.PARSE,
                    message=f"item without a link: {item.title[:100]!r}",
                    report=report,
                )
                report.failed += 1
                continue
            fingerprint = item.fingerprint()
            row = known.get(item.link)
            if row is None and stored.get(item.link) == fingerprint:
                row = IngestItem.objects.create(
                    source=source,
                    link=item.link[:2000],
                    payload=item_payload(item),
                    fingerprint=fingerprint,
                    status=IngestItem.Status.DONE,
                )
                known[item.link] = row
            if row is not None and row.fingerprint == fingerprint:
                if row.status == IngestItem.Status.DONE:
                    report.unchanged += 1
                continue
            if row is None:
                row = IngestItem(source=source, link=item.link[:2000])
                known[item.link] = row
            row.payload = item_payload(item)
            row.fingerprint = fingerprint
            row.status = IngestItem.Status.PENDING
            row.attempts = 0
            row.last_error = ""
            row.save()
            pending.append(row.pk)
    return pending


def items_pending(*, source: Source) -> list[int]:
    """Ids of the source's items still to store: new, changed, or failed with tries left."""
    retry = Q(status=IngestItem.Status.FAILED, attempts__lt=MAX_ITEM_ATTEMPTS)
    return list(
        IngestItem.objects.filter(Q(status=IngestItem.Status.PENDING) | retry, source=source)
        .order_by("discovered_at", "id")
        .values_list("pk", flat=True)
    )


def item_payload(item: FeedItem) -> dict[str, Any]:
    """A feed item as JSON-ready data (see item_from_payload)."""
    data = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
    for name in ("published", "updated"):
        moment = getattr(item, name)
        data[name] = moment.isoformat() if moment else None
    return data


def item_from_payload(payload: dict[str, Any]) -> FeedItem:
    """The feed item recorded by item_payload."""
    names = {f.name for f in dataclasses.fields(FeedItem)}
    data = {k: v for k, v in payload.items() if k in names}
    for name in ("published", "updated"):
        if data.get(name):
            data[name] = datetime.fromisoformat(data[name])
    return FeedItem(**data)


def item_process(
    *, item_id: int, policy: FetchPolicy | None = None, report: SourceReport | None = None
) -> str:
    """Store one recorded item as an article; returns new/updated/unchanged/failed.

    Safe to run twice: a done item is left alone, and the article upsert is idempotent.
    """
    row = IngestItem.objects.select_related("source").filter(pk=item_id).first()
    if row is None or row.status == IngestItem.Status.DONE:
        return "unchanged"
    policy = policy or fetch_policy()
    report = report or SourceReport(source=row.source.name)
    item = item_from_payload(row.payload)
    outcome, _article, error = _item_ingest(
        source=row.source, item=item, policy=policy, report=report, item_id=row.pk
    )
    if outcome == "failed":
        # A stored article marks its item done in its own transaction (article_upsert).
        row.attempts += 1
        row.status = IngestItem.Status.FAILED
        row.last_error = error
        row.save(update_fields=["attempts", "status", "last_error", "updated_at"])
    return outcome


def _item_ingest(
    *,
    source: Source,
    item: FeedItem,
    policy: FetchPolicy,
    report: SourceReport,
    item_id: int | None = None,
) -> tuple[str, Article | None, str]:
    """Extract one item (from the feed or its page) and store it.

    Returns the outcome, the article, and the error message when it failed.
    """
    stage = IngestFailure.Stage.EXTRACT
    try:
        extracted = _extracted_from_feed(item)
        if extracted is None:
            stage = IngestFailure.Stage.FETCH
            page = fetch(item.link, policy=policy)
            stage = IngestFailure.Stage.EXTRACT
            extracted = extract_article(page.content, url=page.url, charset=page.charset)
            _fill_from_feed(extracted, item)
        stage = IngestFailure.Stage.STORE
        article, outcome = article_upsert(
            source=source,
            link=item.link,
            extracted=extracted,
            feed_fingerprint=item.fingerprint(),
            item_id=item_id,
        )
        if outcome != "unchanged" and extracted.image_url and not article.image_file:
            article_image_cache(article=article, policy=policy)
        return outcome, article, ""
    except (FetchError, ExtractError) as exc:
        message = str(exc)
    except Exception as exc:  # one bad item must not stop the run; it is recorded
        logger.exception("ingest of %s failed", item.link)
        message = f"{type(exc).__name__}: {exc}"
    _record_failure(source, url=item.link, stage=stage, message=message, report=report)
    return "failed", None, message


def _extracted_from_feed(item: FeedItem) -> Extracted | None:
    """The article from the feed itself, or None when the feed carries only a summary.

    A feed carries the full text when its content is clearly longer than its summary.
    """
    if not item.content_html.strip():
        return None
    paragraphs = paragraphs_from_html(item.content_html)
    summary = html_text(item.summary)
    if sum(len(p.text) for p in paragraphs) <= 2 * len(summary):
        return None
    lead = ""
    if summary and paragraphs[0].text.startswith(summary.rstrip(". …")):
        lead = paragraphs.pop(0).text
    return Extracted(
        url=canonical_or_as_is(item.link),
        title=item.title,
        lead=lead,
        lead_in_text=bool(lead),
        paragraphs=paragraphs,
        authors=item.authors,
        byline=", ".join(item.authors),
        published=item.published,
        image_url=item.image_url,
    )


def canonical_or_as_is(url: str) -> str:
    """The URL without tracking parameters and fragment (file:// and odd URLs as they are)."""
    try:
        return canonical_url(url) if url.startswith(("http://", "https://")) else url
    except URLError:
        return url


def _fill_from_feed(extracted: Extracted, item: FeedItem) -> None:
    """Where the page is silent, the feed's title, time, authors and image stand."""
    extracted.title = extracted.title or item.title
    extracted.published = extracted.published or item.published
    if not extracted.authors and item.authors:
        extracted.authors = item.authors
        extracted.byline = extracted.byline or ", ".join(item.authors)
    extracted.image_url = extracted.image_url or item.image_url


def article_upsert(
    *,
    source: Source,
    link: str,
    extracted: Extracted,
    feed_fingerprint: str,
    item_id: int | None = None,
) -> tuple[Article, str]:
    """Create or update an article; returns it and new/updated/unchanged.

    ITEM_ID, the IngestItem this article comes from, is marked done in the same transaction:
    an item is done exactly when its article is stored.

    The same article is found by its canonical URL, then its link, then (for the same source)
    the same normalized text or a nearly identical one: a page moved to a new URL or retitled
    is updated, never added twice. A changed article keeps its earlier version as a revision.
    Its near-duplicates from other sources are grouped into one story, in the same transaction.
    """
    body = "\n\n".join(p.text for p in extracted.paragraphs)
    digest, minhash = article_signatures(title=extracted.title, lead=extracted.lead, text=body)
    fields = {
        "source": source,
        "link": link,
        "language": extracted.language or source.language,
        "title": extracted.title[:1000],
        "lead": extracted.lead,
        "paragraphs": [p.as_dict() for p in extracted.paragraphs],
        "authors": extracted.authors,
        "byline": extracted.byline[:500],
        "published_at": extracted.published,
        "image_url": extracted.image_url[:2000],
        "image_alt": extracted.image_alt[:1000],
        "image_credit": extracted.image_credit[:500],
        "rights_holder": source.rights_holder,
        "rights_statement": source.rights_statement,
        "license_name": source.license_name,
        "license_url": source.license_url,
        "content_hash": digest,
        "feed_fingerprint": feed_fingerprint,
    }
    for _attempt in range(2):
        try:
            with transaction.atomic():
                # One look-up of near-duplicates serves both the same-source match and
                # the story: the band index is read once per article.
                matches = article_near_duplicates(minhash=minhash)
                article = _article_same(
                    source=source, link=link, extracted=extracted, digest=digest, matches=matches
                )
                if article is None:
                    article = Article.objects.create(
                        canonical_url=extracted.url,
                        fetched_at=timezone.now(),
                        minhash=b"" if minhash_is_empty(minhash) else minhash_bytes(minhash),
                        **fields,
                    )
                    article_fresh_deduplicate(article=article, minhash=minhash, matches=matches)
                    _item_done(item_id, article_id=article.pk)
                    return article, "new"
                changed = article.content_hash != digest
                if changed:
                    ArticleRevision.objects.create(
                        article=article,
                        title=article.title,
                        lead=article.lead,
                        paragraphs=article.paragraphs,
                        content_hash=article.content_hash,
                        seen_at=article.fetched_at,
                    )
                if (
                    article.canonical_url != extracted.url
                    and not Article.objects.filter(canonical_url=extracted.url).exists()
                ):
                    article.canonical_url = extracted.url  # the page moved
                for name, value in fields.items():
                    setattr(article, name, value)
                article.fetched_at = timezone.now()
                article.save()
                if changed or not article.minhash:
                    article_deduplicate(article=article, minhash=minhash, matches=matches)
                _item_done(item_id, article_id=article.pk)
                return article, "updated" if changed else "unchanged"
        except IntegrityError:
            # Another process stored the same canonical URL meanwhile: update that row.
            continue
    raise IntegrityError(f"could not store {extracted.url}")


def _item_done(item_id: int | None, *, article_id: int) -> None:
    """Mark an ingest item done with its article (one plain statement on the hot path)."""
    if item_id is None:
        return
    table = connection.ops.quote_name(IngestItem._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, last_error = '',"  # noqa: S608
            " article_id = %s, updated_at = %s WHERE id = %s",
            [
                IngestItem.Status.DONE,
                article_id,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                item_id,
            ],
        )


def _article_same(
    *,
    source: Source,
    link: str,
    extracted: Extracted,
    digest: str,
    matches: list[tuple[NearDuplicate, float]],
) -> Article | None:
    """The stored article this extraction is a version of, locked for update, if any."""
    rows = Article.objects.select_for_update()
    # One query for the three exact ways of being the same article, taken in this order;
    # plain SQL because the ORM builds it slower than the index answers it, and the usual
    # answer (a new article) is "none".
    table = connection.ops.quote_name(Article._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, canonical_url, source_id, link, content_hash FROM {table}"  # noqa: S608
            " WHERE canonical_url = %s OR (source_id = %s AND (link = %s OR content_hash = %s))"
            " ORDER BY id LIMIT 10",
            [extracted.url, source.pk, link, digest],
        )
        found = cursor.fetchall()
    by_url = [row[0] for row in found if row[1] == extracted.url]
    by_link = [row[0] for row in found if row[2] == source.pk and row[3] == link]
    by_text = [row[0] for row in found if row[2] == source.pk and row[4] == digest]
    for candidates in (by_url, by_link, by_text):
        if candidates:
            return rows.filter(pk=candidates[0]).first()
    # Nearly the same text from the same source, published about then: moved or retitled.
    match = next(
        (
            article
            for article, similarity in matches
            if article.source_id == source.pk
            and similarity >= SAME_ARTICLE
            and _close_in_time(article.published_at, extracted.published)
        ),
        None,
    )
    return None if match is None else rows.filter(pk=match.pk).first()


def _close_in_time(a: datetime | None, b: datetime | None) -> bool:
    """Publication times that allow two texts to be one article (a source's templated
    announcements look alike but are days apart)."""
    return a is None or b is None or abs(a - b) <= SAME_ARTICLE_WINDOW


def article_image_cache(*, article: Article, policy: FetchPolicy) -> None:
    """Keep a local copy of the lead image so readers' browsers never call the origin."""
    try:
        result = fetch(article.image_url, policy=policy)
    except FetchError as exc:
        logger.warning("lead image of article %s not cached: %s", article.pk, exc)
        return
    data = result.content
    suffix = next((s for sig, s in IMAGE_SIGNATURES.items() if data.startswith(sig)), None)
    if suffix is None or len(data) > MAX_IMAGE_BYTES:
        logger.warning("lead image of article %s is not a PNG, JPEG, GIF or WebP", article.pk)
        return
    name = hashlib.sha256(data).hexdigest()[:32] + suffix
    article.image_file.save(name, ContentFile(data), save=False)
    Article.objects.filter(pk=article.pk).update(image_file=article.image_file.name)


def _record_failure(
    source: Source, *, url: str, stage: str, message: str, report: SourceReport
) -> None:
    report.errors.append(f"{stage}: {message}" + (f" ({url})" if url != source.url else ""))
    IngestFailure.objects.create(source=source, url=url[:2000], stage=stage, message=message)


# What a run writes on its source: never the editor's fields (a pause set meanwhile stays).
FETCH_STATE_FIELDS = [
    "etag",
    "last_modified",
    "last_fetch_at",
    "last_success_at",
    "last_error",
    "last_error_at",
    "consecutive_failures",
    "next_fetch_at",
    "poll_interval",
    "paused_at",
    "pause_reason",
]


def _source_succeeded(source: Source, *, now: datetime, new_items: int) -> None:
    source_schedule_success(source=source, now=now, new_articles=new_items)
    source.save(
        update_fields=[f for f in FETCH_STATE_FIELDS if f not in {"paused_at", "pause_reason"}]
    )


def _source_failed(
    source: Source,
    *,
    now: datetime,
    stage: str,
    message: str,
    report: SourceReport,
    retry_after: float | None = None,
) -> None:
    """The whole source failed: record why, count it, back off (and pause after many)."""
    _record_failure(source, url=source.url, stage=stage, message=message, report=report)
    report.failed = 1
    source_schedule_failure(source=source, now=now, message=message, retry_after=retry_after)
    source.save(update_fields=FETCH_STATE_FIELDS)
