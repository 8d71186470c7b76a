"""Reads for the reader pages: the latest articles, one article, the entities it mentions."""

from __future__ import annotations

from django.db.models import Count, F, Min, Q, QuerySet

from newsdesk.news.models import Article, Entity


def article_queryset_latest(*, language: str | None = None) -> QuerySet[Article]:
    """The latest articles, each text once, newest first (undated ones last), with sources.

    Copies of one text on several sites form a story: only its canonical article is listed
    (the others are named on its page, see article_story_copies).
    """
    queryset = (
        Article.objects.select_related("source")
        .filter(Q(story__isnull=True) | Q(story__canonical_article=F("pk")))
        .order_by(F("published_at").desc(nulls_last=True), "-id")
    )
    if language:
        queryset = queryset.filter(language=language)
    return queryset


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
    return article_queryset_latest().filter(pk__in=entity.mentions.values("article_id"))


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
