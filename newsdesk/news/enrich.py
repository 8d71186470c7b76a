"""Enrichment: an article's language, the entities it mentions, and its translations.

The stage after storing: idempotent, re-runnable for one article or all. Steps:

1. Language: detected (pipeline.language) from the title, lead and body among the site's
   languages; the source's language stands for texts too short to tell.
2. Mentions: spans found in the title, lead and body (pipeline.ner), linked to the catalog
   (news.entities), and stored in place of the article's earlier mentions in that language.
3. Translations into the site's other languages (news.translations), and the mentions in
   each translation, linked to known entities only: a machine translation's spellings
   ("Nenbyon" for Yongbyon) never create entities.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from newsdesk.news.entities import Linked, catalog_ensure, spans_link
from newsdesk.news.models import Article, Mention, Translation
from newsdesk.news.translations import article_translate, translation_provider, translation_targets
from newsdesk.pipeline.language import detect_language
from newsdesk.pipeline.ner import find_spans
from newsdesk.pipeline.translate import Provider
from newsdesk.search.index import article_index

logger = logging.getLogger(__name__)

# The languages mentions are found in (the recognizers newsdesk ships).
NER_LANGUAGES = frozenset({"ru", "en"})
# Below this confidence a detected language does not overrule the source's.
LANGUAGE_CONFIDENCE = 0.5


@dataclass
class EnrichReport:
    """What enriching one article did."""

    article_id: int
    language: str = ""
    mentions: int = 0
    translations: dict[str, str] = field(default_factory=dict)  # language -> status


def article_enrich(*, article: Article, provider: Provider | None = None) -> EnrichReport:
    """Detect the article's language, store its mentions, translate it; returns a report."""
    report = EnrichReport(article_id=article.pk)
    fallback = article.language or article.source.language
    guess = detect_language(
        "\n\n".join(filter(None, [article.title, article.lead, article.text])),
        languages=settings.NEWSDESK_LANGUAGES,
        fallback=fallback,
    )
    language = guess.code if guess.code and guess.confidence >= LANGUAGE_CONFIDENCE else fallback
    report.language = language
    catalog_ensure()
    fields = {
        Mention.Field.TITLE: article.title,
        Mention.Field.LEAD: article.lead,
        Mention.Field.BODY: article.text,
    }
    mentions = _mentions(article, fields, language=language, create=True)
    translated: list[Mention] = []
    provider = provider or translation_provider()
    # Translations start from the detected language (never into it).
    article.language = language
    for target in translation_targets(article) if language else []:
        row = article_translate(article=article, language=target, provider=provider)
        if row is None:
            continue
        report.translations[target] = row.status
        if row.status == Translation.Status.DONE:
            translated += _mentions(
                article,
                {
                    Mention.Field.TITLE: row.title,
                    Mention.Field.LEAD: row.lead,
                    Mention.Field.BODY: row.text,
                },
                language=target,
                create=False,
            )
    with transaction.atomic():
        languages = {language} | {m.language for m in translated}
        Mention.objects.filter(article=article, language__in=languages).delete()
        Mention.objects.bulk_create(mentions + translated)
        Article.objects.filter(pk=article.pk).update(
            language=language,
            language_confidence=guess.confidence,
            enriched_at=timezone.now(),
        )
    article.language, article.language_confidence = language, guess.confidence
    # Searchable once its language is known (stems are the language's).
    article_index(article)
    report.mentions = len(mentions)
    return report


def _mentions(
    article: Article,
    fields: dict[Mention.Field, str],
    *,
    language: str,
    create: bool,
) -> list[Mention]:
    """The linked mentions of the article's fields in LANGUAGE, as unsaved rows."""
    if language not in NER_LANGUAGES:
        return []
    rows = []
    for name, text in fields.items():
        if not text.strip():
            continue
        spans = find_spans(text, language)
        seen: set[tuple[int, int]] = set()
        for linked in spans_link(spans, text=text, language=language, create=create):
            extent = (linked.span.start, linked.span.end)
            # One mention per place in the text: a span trimmed to the name the catalog
            # knows may coincide with another span.
            if linked.entity_id is None or extent in seen:
                continue
            seen.add(extent)
            rows.append(_row(article, linked, field=name, language=language))
    return rows


def _row(article: Article, linked: Linked, *, field: str, language: str) -> Mention:
    span = linked.span
    assert linked.entity_id is not None
    return Mention(
        article=article,
        entity_id=linked.entity_id,
        surface=span.surface[:300],
        field=field,
        start=span.start,
        end=span.end,
        language=language,
    )
