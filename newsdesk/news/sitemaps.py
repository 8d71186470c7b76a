"""The site's sitemaps: every page of articles, entities (and sources and stories once they
have pages), each in both languages with its hreflang alternates."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar, overload

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Model, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language

from newsdesk.news.models import Article, Entity, Mention, Story
from newsdesk.sources.models import Source

# Pages of at most 5,000 addresses: small enough to build in a request, and 100,000 articles
# in two languages still make only 40 pages.
SITEMAP_LIMIT = 5000

_M = TypeVar("_M", bound=Model)


class LanguagePairs(Sequence[tuple[_M, str]]):
    """(row, language) pairs over a queryset, reading only the rows of the slice asked for.

    Django's i18n sitemaps build every pair of the whole table in memory before paginating;
    this one counts with COUNT(*) and reads each page with LIMIT/OFFSET.
    """

    def __init__(
        self,
        queryset: QuerySet[_M],
        languages: Sequence[str],
        *,
        prepare: Callable[[list[_M]], None] | None = None,
    ) -> None:
        self.queryset = queryset
        self.languages = list(languages)
        # Called with each slice's rows before they are paired: reads what the rows need
        # (their lastmod) in one query per page instead of one per row or over the table.
        self.prepare = prepare
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.queryset.count()
        return self._count * len(self.languages)

    @overload
    def __getitem__(self, index: int) -> tuple[_M, str]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[_M, str]]: ...

    def __getitem__(self, index: int | slice) -> tuple[_M, str] | list[tuple[_M, str]]:
        if isinstance(index, int):
            pairs = self[index : index + 1] if index >= 0 else self[len(self) + index :][:1]
            if not pairs:
                raise IndexError(index)
            return pairs[0]
        start, stop, step = index.indices(len(self))
        if start >= stop:
            return []
        width = len(self.languages)
        first_row, last_row = start // width, (stop - 1) // width + 1
        rows = list(self.queryset[first_row:last_row])
        if self.prepare is not None:
            self.prepare(rows)
        pairs = [(row, language) for row in rows for language in self.languages]
        offset = first_row * width
        return pairs[start - offset : stop - offset : step]

    def __iter__(self) -> Iterator[tuple[_M, str]]:
        for start in range(0, len(self), SITEMAP_LIMIT):
            yield from self[start : start + SITEMAP_LIMIT]


class I18nSitemap(Sitemap[_M]):
    """A sitemap of one kind of page, each address in every site language with hreflang
    alternates and an x-default (the address without a language, which redirects)."""

    i18n = True
    alternates = True
    x_default = True
    limit = SITEMAP_LIMIT

    def __init__(self) -> None:
        self._paths: dict[tuple[Any, str | None], str] = {}

    def items(self) -> QuerySet[_M]:
        """The rows, in a stable order (pages must not shift between requests)."""
        raise NotImplementedError

    def path(self, item: _M) -> str:
        """The item's page in the active language."""
        return str(item.get_absolute_url())  # type: ignore[attr-defined]

    def location(self, item: _M) -> str:
        # Django asks for each address once per entry and again for each alternate (eight
        # reversals per article in two languages); two are enough.
        key = (item.pk, get_language())
        if (path := self._paths.get(key)) is None:
            path = self._paths[key] = self.path(item)
        return path

    def prepare(self, rows: list[_M]) -> None:
        """Read what one page's rows need beyond their columns (nothing by default)."""

    def _items(self) -> LanguagePairs[_M]:
        # Replaces Django's list of every (item, language) pair: see LanguagePairs.
        languages = self.languages or [code for code, _name in settings.LANGUAGES]
        return LanguagePairs(self.items(), languages, prepare=self.prepare)


class ArticleSitemap(I18nSitemap[Article]):
    """Every article page: each article has its own page and canonical address."""

    def items(self) -> QuerySet[Article]:
        return Article.objects.order_by("pk").only("pk", "updated_at", "enriched_at")

    def lastmod(self, article: Article) -> datetime:
        # Enrichment adds the mentions a page shows without touching updated_at.
        if article.enriched_at is not None and article.enriched_at > article.updated_at:
            return article.enriched_at
        return article.updated_at

    def get_latest_lastmod(self) -> datetime | None:
        latest = Article.objects.aggregate(updated=Max("updated_at"), enriched=Max("enriched_at"))
        return max((moment for moment in latest.values() if moment is not None), default=None)


class EntitySitemap(I18nSitemap[Entity]):
    """Every entity page, merged entities left out (their pages redirect); lastmod is when
    the newest article that mentions the entity was stored, or the entity's creation."""

    def items(self) -> QuerySet[Entity]:
        return (
            Entity.objects.filter(merged_into__isnull=True)
            .order_by("pk")
            .only("pk", "slug", "created_at")
        )

    def prepare(self, rows: list[Entity]) -> None:
        # The newest article is the highest id: the (entity, article) index answers that
        # without reading the mentions' rows; then one look-up of those articles.
        newest = dict(
            Mention.objects.filter(entity_id__in=[row.pk for row in rows])
            .order_by()
            .values("entity_id")
            .annotate(newest=Max("article_id"))
            .values_list("entity_id", "newest")
        )
        stored = dict(
            Article.objects.filter(pk__in=set(newest.values())).values_list("pk", "updated_at")
        )
        for row in rows:
            row.latest_article = stored.get(newest.get(row.pk, 0))  # type: ignore[attr-defined]

    def lastmod(self, entity: Entity) -> datetime:
        latest: datetime | None = getattr(entity, "latest_article", None)
        return max(entity.created_at, latest) if latest is not None else entity.created_at

    def get_latest_lastmod(self) -> datetime | None:
        # Django's default reads every row; the sitemap index may go without this date.
        return None


class SourceSitemap(I18nSitemap[Source]):
    """Every source page (when the site has source pages)."""

    def items(self) -> QuerySet[Source]:
        return Source.objects.order_by("pk").only("pk", "slug", "created_at")

    def prepare(self, rows: list[Source]) -> None:
        # The (source, published_at) index gives each source's newest article.
        latest = dict(
            Article.objects.filter(source_id__in=[row.pk for row in rows])
            .order_by()
            .values("source_id")
            .annotate(latest=Max("published_at"))
            .values_list("source_id", "latest")
        )
        for row in rows:
            row.latest_article = latest.get(row.pk)  # type: ignore[attr-defined]

    def path(self, source: Source) -> str:
        if hasattr(source, "get_absolute_url"):
            return str(source.get_absolute_url())
        return reverse("news:source", kwargs={"slug": source.slug})

    def lastmod(self, source: Source) -> datetime:
        latest: datetime | None = getattr(source, "latest_article", None)
        return max(source.created_at, latest) if latest is not None else source.created_at

    def get_latest_lastmod(self) -> datetime | None:
        return None


class StorySitemap(I18nSitemap[Story]):
    """Every story page that has articles (when the site has story pages)."""

    def items(self) -> QuerySet[Story]:
        return (
            Story.objects.filter(canonical_article__isnull=False)
            .order_by("pk")
            .only("pk", "updated_at")
        )

    def path(self, story: Story) -> str:
        if hasattr(story, "get_absolute_url"):
            return str(story.get_absolute_url())
        return reverse("news:story", kwargs={"pk": story.pk})

    def lastmod(self, story: Story) -> datetime:
        return story.updated_at

    def get_latest_lastmod(self) -> datetime | None:
        latest: datetime | None = self.items().aggregate(latest=Max("updated_at"))["latest"]
        return latest


def _has_pages(model: type[Model], url_name: str, kwargs: dict[str, Any]) -> bool:
    """Whether the site has a page for each row of the model (get_absolute_url or the URL)."""
    if hasattr(model, "get_absolute_url"):
        return True
    try:
        reverse(url_name, kwargs=kwargs)
    except NoReverseMatch:
        return False
    return True


def sitemap_sections() -> dict[str, type[Sitemap[Any]] | Sitemap[Any]]:
    """The sitemap's sections by name; sources and stories once the site has their pages
    (decided per request: the URLconf is loaded by then)."""
    sections: dict[str, type[Sitemap[Any]] | Sitemap[Any]] = {
        "articles": ArticleSitemap,
        "entities": EntitySitemap,
    }
    if _has_pages(Source, "news:source", {"slug": "source"}):
        sections["sources"] = SourceSitemap
    if _has_pages(Story, "news:story", {"pk": 1}):
        sections["stories"] = StorySitemap
    return sections
