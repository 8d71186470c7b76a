"""Adding sources: find out what a URL is (feed, sitemap, section page), add it, OPML in and out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from newsdesk.news.models import Article
from newsdesk.pipeline.discover import DiscoveredFeed, feed_links, looks_like_html
from newsdesk.pipeline.feeds import FeedError
from newsdesk.pipeline.fetch import FetchError, FetchPolicy, FetchResult
from newsdesk.pipeline.opml import OpmlOutline, build_opml, parse_opml
from newsdesk.pipeline.sitemaps import SitemapError
from newsdesk.sources.models import Source
from newsdesk.sources.services import (
    Announced,
    PageError,
    canonical_or_as_is,
    feed_items,
    fetch,
    fetch_policy,
    page_items,
    sitemap_items,
)

# The languages a source may be hinted as; a feed's "en-us" or "ru-RU" counts.
LANGUAGES = ("ru", "en")
# The kinds an editor may ask for; a file:// feed becomes a file source by itself.
ADDABLE_KINDS = (Source.Kind.FEED, Source.Kind.SITEMAP, Source.Kind.PAGE)


class SourceError(Exception):
    """A URL cannot be added as a source; the message says why in one line."""


@dataclass(slots=True)
class Probe:
    """What a URL would make as a source, found without storing anything.

    URL is the source's URL: the one probed, or the feed its HTML page links to (FEEDS
    lists all those; PICKED is the index of the one read). KIND is a Source.Kind value.
    """

    probed: str
    url: str
    kind: str
    announced: Announced
    feeds: list[DiscoveredFeed] = field(default_factory=list)
    picked: int = 0

    @property
    def homepage(self) -> str:
        """The site's root page, for a web source."""
        parts = urlsplit(self.probed)
        if parts.scheme not in {"http", "https"}:
            return ""
        return f"{parts.scheme}://{parts.netloc}/"

    @property
    def language(self) -> str:
        """The source's language when its document names Russian or English, else ""."""
        code = self.announced.language.strip().lower().replace("_", "-").split("-")[0]
        return code if code in LANGUAGES else ""

    @property
    def name(self) -> str:
        """The document's own title, else the site's host (or the file's name)."""
        if self.announced.title:
            return self.announced.title
        parts = urlsplit(self.url)
        return parts.hostname or PurePosixPath(unquote(parts.path)).name or self.url


def source_probe(
    *,
    url: str,
    kind: str = "",
    pick: int = 1,
    policy: FetchPolicy | None = None,
    now: datetime | None = None,
) -> Probe:
    """Fetch URL and read it as the source it would be; nothing is stored.

    With no KIND, a feed is a feed, a sitemap a sitemap, and an HTML page stands for the
    PICK-th feed it links to (1 = the first), or, linking to none, for a section page when
    it shows article links. Raises FetchError or SourceError, one line each.
    """
    policy = policy or fetch_policy()
    now = now or timezone.now()
    result = fetch(url, policy=policy)
    try:
        if kind == Source.Kind.PAGE:
            return Probe(url, url=url, kind=Source.Kind.PAGE, announced=page_items(result=result))
        if kind == Source.Kind.SITEMAP:
            announced = sitemap_items(result=result, policy=policy, now=now)
            return Probe(url, url=url, kind=Source.Kind.SITEMAP, announced=announced)
    except (PageError, SitemapError) as exc:
        raise SourceError(str(exc)) from None
    if looks_like_html(result.content):
        return _html_probe(result, url=url, kind=kind, pick=pick, policy=policy)
    try:
        return Probe(url, url=url, kind=_feed_kind(url), announced=feed_items(result=result))
    except FeedError as exc:
        if kind == Source.Kind.FEED:
            raise SourceError(str(exc)) from None
        feed_error = exc
    try:
        announced = sitemap_items(result=result, policy=policy, now=now)
    except SitemapError:
        raise SourceError(f"not a feed, sitemap or page ({feed_error})") from None
    return Probe(url, url=url, kind=Source.Kind.SITEMAP, announced=announced)


def _html_probe(
    result: FetchResult, *, url: str, kind: str, pick: int, policy: FetchPolicy
) -> Probe:
    """An HTML page as the feed it links to, or else as a section page."""
    text = result.text()
    feeds = feed_links(text, url=result.url)
    if feeds:
        if not 1 <= pick <= len(feeds):
            raise SourceError(f"cannot pick feed {pick}: the page links to {len(feeds)}")
        chosen = feeds[pick - 1]
        try:
            announced = feed_items(result=fetch(chosen.url, policy=policy))
        except (FetchError, FeedError) as exc:
            raise SourceError(f"the page links to the feed {chosen.url}, but: {exc}") from None
        return Probe(
            url,
            url=chosen.url,
            kind=Source.Kind.FEED,
            announced=announced,
            feeds=feeds,
            picked=pick - 1,
        )
    if kind == Source.Kind.FEED:
        raise SourceError("not a feed: an HTML page that links to no feed")
    try:
        announced = page_items(result=result)
    except PageError:
        raise SourceError(
            "not a feed, sitemap or page: an HTML page that links to no feed "
            "and shows no article links"
        ) from None
    return Probe(url, url=url, kind=Source.Kind.PAGE, announced=announced)


def _feed_kind(url: str) -> str:
    """A feed read from a file:// URL is a file source."""
    return Source.Kind.FILE if url.lower().startswith("file:") else Source.Kind.FEED


def source_add(
    *,
    url: str,
    kind: str = "",
    pick: int = 1,
    name: str = "",
    slug: str = "",
    language: str = "",
    rights_holder: str = "",
    license_name: str = "",
    license_url: str = "",
    policy: FetchPolicy | None = None,
) -> tuple[Source, Probe]:
    """Probe URL (see source_probe) and add the source it makes; returns it and the probe.

    A page without feeds is added as a section page only when KIND asks for one. Name,
    slug, language and home page default to what the document says. Raises FetchError or
    SourceError (a URL or slug already registered, a bad license URL...), one line each.
    """
    _refuse_registered(url)
    if slug:
        _refuse_taken_slug(slug)
    probe = source_probe(url=url, kind=kind, pick=pick, policy=policy)
    if probe.kind == Source.Kind.PAGE and kind != Source.Kind.PAGE:
        raise SourceError(
            f"no feed or sitemap, but a page with {len(probe.announced.items)} article links: "
            "add it with --kind page"
        )
    _refuse_registered(probe.url)
    name = " ".join((name or probe.name).split())[:200]
    source = Source(
        name=name,
        slug=slug or slug_unique(name, fallback=urlsplit(probe.url).hostname or ""),
        kind=probe.kind,
        url=probe.url,
        homepage=probe.homepage,
        language=language or probe.language,
        rights_holder=rights_holder,
        license_name=license_name,
        license_url=license_url,
    )
    _save_checked(source)
    return source, probe


def _refuse_registered(url: str) -> None:
    """SourceError naming the source that already has URL."""
    existing = Source.objects.filter(url=url).first()
    if existing is not None:
        raise SourceError(f"{url} is already the source {existing.slug!r} ({existing.name})")


def _refuse_taken_slug(slug: str) -> None:
    """SourceError naming the source that already has SLUG."""
    existing = Source.objects.filter(slug=slug).first()
    if existing is not None:
        raise SourceError(f"the slug {slug!r} is taken by the source {existing.name!r}")


def _save_checked(source: Source) -> None:
    """Validate SOURCE's fields as the admin would, then save; SourceError on a bad field."""
    try:
        source.full_clean()
    except ValidationError as exc:
        problems = [
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in exc.message_dict.items()
        ]
        raise SourceError("; ".join(problems)) from None
    source.save()


def slug_unique(name: str, *, fallback: str) -> str:
    """A slug for NAME (or FALLBACK, when NAME has no Latin letters) no source has yet."""
    base = (slugify(name) or slugify(fallback) or "source")[:90].strip("-")
    taken = set(Source.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def links_stored(*, links: list[str]) -> set[str]:
    """Those of LINKS already stored as an article, by its link or its canonical URL."""
    canonical = {canonical_or_as_is(link): link for link in links}
    rows = Article.objects.filter(
        Q(link__in=links) | Q(canonical_url__in=list(canonical))
    ).values_list("link", "canonical_url")
    stored: set[str] = set()
    for link, canonical_url in rows:
        stored.add(link)
        if canonical_url in canonical:
            stored.add(canonical[canonical_url])
    return stored & set(links)


# --- OPML ---------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportReport:
    """What an OPML import did (or, in a dry run, would do)."""

    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def sources_opml() -> bytes:
    """Every source as an OPML document; an outline's category is its source's kind."""
    outlines = [
        OpmlOutline(
            title=source.name,
            xml_url=source.url,
            html_url=source.homepage,
            language=source.language,
            category=source.kind,
        )
        for source in Source.objects.order_by("kind", "name", "pk")
    ]
    return build_opml(outlines, title="newsdesk sources")


def sources_import(*, content: bytes, dry_run: bool = False) -> ImportReport:
    """Add a source for each feed of an OPML document whose URL is not registered yet.

    An outline filed under a kind's name (as sources_opml writes them) gets that kind;
    others are feeds. Nothing is fetched. Raises OpmlError for a document that is no OPML.
    """
    outlines = parse_opml(content)
    report = ImportReport()
    known = set(Source.objects.values_list("url", flat=True))
    with transaction.atomic():
        for outline in outlines:
            if outline.xml_url in known:
                report.skipped.append(outline.xml_url)
                continue
            known.add(outline.xml_url)
            report.created.append(outline.xml_url)
            if not dry_run:
                try:
                    _source_from_outline(outline)
                except SourceError as exc:
                    raise SourceError(f"{outline.xml_url}: {exc}") from None
    return report


def _source_from_outline(outline: OpmlOutline) -> Source:
    """Create the source an OPML outline describes."""
    parts = urlsplit(outline.xml_url)
    name = outline.title[:200] or parts.hostname or outline.xml_url
    kind = outline.category if outline.category in ADDABLE_KINDS else Source.Kind.FEED
    language = outline.language.strip().lower().replace("_", "-").split("-")[0]
    source = Source(
        name=name,
        slug=slug_unique(name, fallback=parts.hostname or ""),
        kind=kind,
        url=outline.xml_url[:2000],
        homepage=outline.html_url or f"{parts.scheme}://{parts.netloc}/",
        language=language if language in LANGUAGES else "",
    )
    _save_checked(source)
    return source
