"""Celery tasks for enrichment: they take ids, reload rows and call a service; safe to run twice."""

from __future__ import annotations

from celery import shared_task

from newsdesk.news.enrich import article_enrich
from newsdesk.news.models import Article


@shared_task(name="news.enrich_article")  # type: ignore[untyped-decorator]
def article_enrich_task(article_id: int) -> dict[str, object]:
    """Language, mentions and translations of one article by id; returns what it did."""
    article = Article.objects.select_related("source").filter(pk=article_id).first()
    if article is None:
        return {}
    report = article_enrich(article=article)
    return {"language": report.language, "mentions": report.mentions, **report.translations}
