"""Reads for the reader pages: the latest articles, one article, the entities it mentions,
an entity's timeline and neighbours, a source and its rate, a story and its articles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from newsdesk.news.models import Article, Entity, Mention, Story, Translation
from newsdesk.sources.models import Source

# Related articles sharing entities are looked for this long before and after the article:
# the index on mentions is read for a bounded stretch of time, not the whole archive.
RELATED_WINDOW = timedelta(days=90)
# At most this many of the latest articles sharing an entity are ranked as related.
RELATED_CANDIDATES = 500
# An entity's neighbours are counted over its latest this many articles.
CO_MENTION_ARTICLES = 500


@dataclass(frozen=True, slots=True)
class WeekCount:
    """How many (articles, mentions...) fell in the week that starts on START (a Monday)."""

    start: date
    count: int


@dataclass(frozen=True, slots=True)
class PublishingRate:
    """How many articles a source published in the last DAYS days, and how many a day."""

    days: int
    count: int

    @property
    def per_day(self) -> float:
        """Articles a day: one decimal from one a day up, two below (0.03, not 0.0)."""
        rate = self.count / self.days if self.days else 0.0
        return round(rate, 1 if rate >= 1 else 2)


def _story_size() -> Subquery:
    """How many articles the row's story groups (NULL for an article without a story)."""
    return Subquery(
        Article.objects.filter(story_id=OuterRef("story_id"))
        .order_by()
        .values("story_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def article_queryset_latest(
    *,
    language: str | None = None,
    source: Source | None = None,
    entity: Entity | None = None,
) -> QuerySet[Article]:
    """The latest articles, each text once, newest first (undated ones last), with sources,
    optionally in one language, from one source, mentioning one entity (all that are given).

    Copies of one text on several sites form a story: only its canonical article is listed
    (the others are named on its page, see article_story_copies); `story_size` says how many
    articles its story groups.
    """
    queryset = (
        Article.objects.select_related("source")
        .filter(Q(story__isnull=True) | Q(story__canonical_article=F("pk")))
        .annotate(story_size=_story_size())
        .order_by(F("published_at").desc(nulls_last=True), "-id")
    )
    if language:
        queryset = queryset.filter(language=language)
    if source is not None:
        queryset = queryset.filter(source=source)
    if entity is not None:
        queryset = queryset.filter(
            pk__in=Mention.objects.filter(entity=entity).values("article_id")
        )
    return queryset


def article_list_by_ids(ids: list[int]) -> list[Article]:
    """The articles with these ids, in this order, with their sources and `story_size` (as in
    article_queryset_latest); one query. Missing ids are left out."""
    rows = Article.objects.select_related("source").annotate(story_size=_story_size()).in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def article_list_latest(
    *, limit: int = 30, offset: int = 0, language: str | None = None
) -> QuerySet[Article]:
    """One slice of the latest articles, optionally in one language only."""
    return article_queryset_latest(language=language)[offset : offset + limit]


def article_get_published(*, pk: int) -> Article:
    """The article with this id and its source; raises Article.DoesNotExist when there is none.

    Every stored article is public for now; an unpublished state would be filtered here.
    """
    return Article.objects.select_related("source").get(pk=pk)


def article_mentioned_entities(*, article: Article) -> QuerySet[Entity]:
    """The distinct entities the article's original text mentions: the most mentioned first,
    then in order of kind and name (mentions in translations name the same entities)."""
    return (
        Entity.objects.filter(mentions__article=article, mentions__language=article.language)
        .annotate(times=Count("mentions"), first=Min("mentions__start"))
        .order_by("-times", "kind", "name_en", "name_ru")
    )


def entity_get(*, slug: str) -> Entity:
    """The entity with this slug; raises Entity.DoesNotExist when there is none."""
    return Entity.objects.select_related("merged_into").get(slug=slug)


def entity_articles(*, entity: Entity) -> QuerySet[Article]:
    """The latest articles that mention the entity, each text once (see article_queryset_latest)."""
    return article_queryset_latest(entity=entity)


def entity_names(*, entity: Entity) -> list[str]:
    """The entity's other names (aliases), each once, without its two canonical names."""
    canonical = {entity.name_en, entity.name_ru}
    names = entity.aliases.order_by("language", "name").values_list("name", flat=True)
    return list(dict.fromkeys(name for name in names if name not in canonical))


def article_story_copies(*, article: Article) -> QuerySet[Article]:
    """The other articles of the article's story (the same text elsewhere), earliest first."""
    if article.story_id is None:
        return Article.objects.none()
    return (
        Article.objects.select_related("source")
        .filter(story_id=article.story_id)
        .exclude(pk=article.pk)
        .order_by(F("published_at").asc(nulls_last=True), "id")
    )


def article_translations_done(*, article: Article) -> list[Translation]:
    """The article's finished translations into other languages, in order of language."""
    return list(
        Translation.objects.filter(article=article, status=Translation.Status.DONE)
        .exclude(language=article.language)
        .order_by("language")
    )


def article_related(*, article: Article, limit: int = 5) -> list[Article]:
    """Up to LIMIT other texts sharing the most entities with the article (published within
    RELATED_WINDOW of it), newest first among equals. Its own story's copies are not among
    them: the page names those under "The same text elsewhere".

    One query; copies of another story's text are left out in favour of its canonical article.
    """
    entity_ids = Mention.objects.filter(article_id=article.pk).values("entity_id")
    # Candidates come from the mentions index (the article's entities, within the window);
    # only they are then joined with their mentions to count the shared entities.
    sharing = Mention.objects.filter(entity_id__in=entity_ids)
    if article.published_at is not None:
        sharing = sharing.filter(
            article__published_at__range=(
                article.published_at - RELATED_WINDOW,
                article.published_at + RELATED_WINDOW,
            )
        )
    candidates = sharing.order_by("-article_id").values("article_id").distinct()
    queryset = (
        Article.objects.select_related("source")
        .filter(pk__in=candidates[:RELATED_CANDIDATES])
        .filter(Q(story__isnull=True) | Q(story__canonical_article=F("pk")))
        .exclude(pk=article.pk)
        .annotate(
            shared=Count(
                "mentions__entity_id",
                filter=Q(mentions__entity_id__in=entity_ids),
                distinct=True,
            ),
        )
        .order_by("-shared", F("published_at").desc(nulls_last=True), "-id")
    )
    if article.story_id is not None:
        queryset = queryset.exclude(story_id=article.story_id)
    return list(queryset[:limit])


def week_starts(*, weeks: int, now: datetime | None = None) -> list[date]:
    """The Mondays of the last WEEKS weeks, oldest first, the current week's last."""
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - index) for index in range(weeks)]


def _weekly(
    queryset: QuerySet[Any], *, when: Combinable, weeks: int, now: datetime | None
) -> list[WeekCount]:
    """Rows of QUERYSET counted per (local) week of WHEN, a datetime expression, over the last
    WEEKS weeks, oldest first, weeks without a row included as zero. One query."""
    starts = week_starts(weeks=weeks, now=now)
    zone = timezone.get_current_timezone()
    since = datetime.combine(starts[0], time.min, tzinfo=zone)
    until = datetime.combine(starts[-1] + timedelta(weeks=1), time.min, tzinfo=zone)
    rows = (
        queryset.annotate(moment=when)
        .filter(moment__gte=since, moment__lt=until)
        .annotate(week=TruncWeek("moment", tzinfo=zone))
        .order_by()
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    counts: dict[date, int] = {}
    for week, n in rows:
        day = timezone.localtime(week, zone).date() if isinstance(week, datetime) else week
        counts[day] = counts.get(day, 0) + n
    return [WeekCount(start=start, count=counts.get(start, 0)) for start in starts]


def entity_weekly_mentions(
    *, entity: Entity, weeks: int = 26, now: datetime | None = None
) -> list[WeekCount]:
    """How many times the articles' original texts mention the entity, per week (by the
    article's publication, else fetch, time) over the last WEEKS weeks, oldest first; for an
    entity not mentioned in that time, the WEEKS weeks up to its latest mention (an archive's
    entity shows when it was in the news, not an empty chart)."""
    mentions = Mention.objects.filter(entity=entity, language=F("article__language"))
    when = Coalesce("article__published_at", "article__fetched_at")
    end = _window_end(mentions.order_by("-article_id"), when, weeks, now)
    return _weekly(mentions, when=when, weeks=weeks, now=end)


def _window_end(
    queryset: QuerySet[Any], when: Combinable, weeks: int, now: datetime | None
) -> datetime | None:
    """NOW, or WHEN of QUERYSET's first row (callers order it newest article first: ids grow
    as articles arrive, so one index look-up, not an aggregate over every mention of a
    country named in half the archive) when that is older than WEEKS weeks: an archive's
    entity or source is charted up to its last appearance."""
    if now is not None:
        return now
    latest = queryset.annotate(moment=when).values_list("moment", flat=True).first()
    current = timezone.now()
    if latest is not None and latest < current - timedelta(weeks=weeks):
        return latest  # type: ignore[no-any-return]
    return None


def entity_co_mentioned(*, entity: Entity, limit: int = 10) -> list[Entity]:
    """The entities most often mentioned in the same articles as ENTITY (`together`: in how
    many articles), most first, then by name, among the latest CO_MENTION_ARTICLES articles
    that mention it (a country in half the archive would otherwise cost a pass over all its
    mentions).

    Two queries: the counts from the mentions of those articles alone (a join with entities
    lets SQLite walk every entity and probe its mentions instead), then the entities that
    can make the LIMIT: every one counted at least as often as the LIMIT-th."""
    articles = (
        Mention.objects.filter(entity=entity)
        .order_by("-article_id")
        .values("article_id")
        .distinct()[:CO_MENTION_ARTICLES]
    )
    counts = dict(
        Mention.objects.filter(article_id__in=articles)
        .exclude(entity_id=entity.pk)
        .order_by()
        .values("entity_id")
        .annotate(together=Count("article_id", distinct=True))
        .values_list("entity_id", "together")
    )
    if not counts:
        return []
    ranked = sorted(counts.values(), reverse=True)
    least = ranked[min(limit, len(ranked)) - 1]
    entities = list(
        Entity.objects.filter(
            pk__in=[pk for pk, together in counts.items() if together >= least],
            merged_into__isnull=True,
        )
    )
    for neighbour in entities:
        neighbour.together = counts[neighbour.pk]  # type: ignore[attr-defined]
    entities.sort(key=lambda e: (-e.together, e.name_en, e.name_ru, e.pk))  # type: ignore[attr-defined]
    return entities[:limit]


def source_get(*, slug: str) -> Source:
    """The source with this slug; raises Source.DoesNotExist when there is none."""
    return Source.objects.get(slug=slug)


def source_articles(*, source: Source) -> QuerySet[Article]:
    """Every article of the source, newest first (undated ones last)."""
    return (
        Article.objects.select_related("source")
        .filter(source=source)
        .annotate(story_size=_story_size())
        .order_by(F("published_at").desc(nulls_last=True), "-id")
    )


def source_publishing_rate(
    *, source: Source, days: int = 30, now: datetime | None = None
) -> PublishingRate:
    """How many articles the source published in the last DAYS days (undated ones count by
    when they were fetched)."""
    until = now or timezone.now()
    count = (
        Article.objects.filter(source=source)
        .annotate(moment=Coalesce("published_at", "fetched_at"))
        .filter(moment__gt=until - timedelta(days=days), moment__lte=until)
        .count()
    )
    return PublishingRate(days=days, count=count)


def source_weekly_articles(
    *, source: Source, weeks: int = 26, now: datetime | None = None
) -> list[WeekCount]:
    """How many articles the source published per week over the last WEEKS weeks (for a
    source silent that long, the WEEKS weeks up to its latest article)."""
    articles = Article.objects.filter(source=source)
    when = Coalesce("published_at", "fetched_at")
    end = _window_end(articles.order_by("-id"), when, weeks, now)
    return _weekly(articles, when=when, weeks=weeks, now=end)


def story_get(*, pk: int) -> Story:
    """The story with this id; raises Story.DoesNotExist when there is none."""
    return Story.objects.get(pk=pk)


def story_articles(*, story: Story) -> list[Article]:
    """The story's articles across sources and languages, earliest first (undated ones last)."""
    return list(
        Article.objects.select_related("source")
        .filter(story=story)
        .order_by(F("published_at").asc(nulls_last=True), "id")
    )
