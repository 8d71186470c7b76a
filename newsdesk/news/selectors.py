"""Reads for the reader pages: the latest articles, one article, the entities it mentions."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

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
    """The distinct entities an article mentions, in catalog order."""
    return Entity.objects.filter(mentions__article=article).distinct()


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
