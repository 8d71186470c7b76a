"""Machine translations of articles, stored beside the original with their provenance.

A translation is a row per article and language (Translation): the provider and model that
made it, when, and the content hash of the original it was made from, so a changed article
is translated anew. A provider that fails (down, slow, rate-limited) leaves the row failed
with its error and the time it may be tried again; the article is published untranslated
meanwhile, and `newsdesk enrich` or the next enrichment retries it. Nothing is lost.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from newsdesk.news.models import Article, Translation
from newsdesk.pipeline.translate import Provider, TranslationError, provider_named

logger = logging.getLogger(__name__)

# A failing translation is tried at most this many times per version of the original.
MAX_ATTEMPTS = 5
# Waits between attempts after a transient failure: exponential from the first, capped.
FIRST_WAIT = timedelta(minutes=1)
MAX_WAIT = timedelta(hours=6)


def translation_provider() -> Provider:
    """The provider the settings name (NEWSDESK_TRANSLATION_PROVIDER and its server)."""
    return provider_named(
        settings.NEWSDESK_TRANSLATION_PROVIDER,
        url=settings.NEWSDESK_LIBRETRANSLATE_URL,
        api_key=settings.NEWSDESK_LIBRETRANSLATE_API_KEY,
        timeout=settings.NEWSDESK_TRANSLATION_TIMEOUT,
        retries=settings.NEWSDESK_TRANSLATION_RETRIES,
    )


def translation_targets(article: Article) -> list[str]:
    """The languages the article is to be translated into (never its own)."""
    return [code for code in settings.NEWSDESK_TRANSLATE_TO if code != article.language]


def article_translate(
    *, article: Article, language: str, provider: Provider, now: datetime | None = None
) -> Translation | None:
    """Translate the article into LANGUAGE and store it; returns the translation's row.

    Returns None when there is nothing to do (translation off, no original language, or the
    same language). A translation of the current text is kept as it is; a failed one waits
    for its next attempt time (soon after a transient error, hours after a refusal), and is
    given up after MAX_ATTEMPTS for this version of the original.
    """
    now = now or timezone.now()
    if provider.name == "none" or not article.language or article.language == language:
        return None
    row, _created = Translation.objects.get_or_create(
        article=article,
        language=language,
        defaults={"source_language": article.language, "provider": provider.name},
    )
    current = row.source_hash == article.content_hash
    if current and row.status == Translation.Status.DONE:
        return row
    waiting = row.next_attempt_at is not None and row.next_attempt_at > now
    if (
        current
        and row.status == Translation.Status.FAILED
        and (row.attempts >= MAX_ATTEMPTS or waiting)
    ):
        return row
    if not current:
        row.attempts = 0
    texts = [article.title, article.lead, *(p["text"] for p in article.paragraphs)]
    try:
        translated = _translate_nonempty(provider, texts, source=article.language, target=language)
    except TranslationError as exc:
        return _failed(row, article=article, provider=provider, error=exc, now=now)
    with transaction.atomic():
        row.source_language = article.language
        row.provider = provider.name
        row.model = translated.model[:200]
        row.title = translated.texts[0][:1000]
        row.lead = translated.texts[1]
        row.paragraphs = [
            {"role": paragraph["role"], "text": text}
            for paragraph, text in zip(article.paragraphs, translated.texts[2:], strict=True)
        ]
        row.source_hash = article.content_hash
        row.status = Translation.Status.DONE
        row.attempts += 1
        row.last_error = ""
        row.next_attempt_at = None
        row.translated_at = now
        row.save()
    return row


class _Texts:
    """The translated texts with their provider's model (see _translate_nonempty)."""

    def __init__(self, texts: list[str], model: str) -> None:
        self.texts = texts
        self.model = model


def _translate_nonempty(
    provider: Provider, texts: list[str], *, source: str, target: str
) -> _Texts:
    """Translate the non-empty texts in one call; empty ones stay empty, order kept."""
    wanted = [index for index, text in enumerate(texts) if text.strip()]
    result = provider.translate([texts[i] for i in wanted], source=source, target=target)
    if len(result.texts) != len(wanted):
        raise TranslationError(
            f"{provider.name} returned {len(result.texts)} texts for {len(wanted)}"
        )
    out = [""] * len(texts)
    for index, text in zip(wanted, result.texts, strict=True):
        out[index] = text
    return _Texts(out, result.model)


def _failed(
    row: Translation,
    *,
    article: Article,
    provider: Provider,
    error: TranslationError,
    now: datetime,
) -> Translation:
    """Record a failed attempt: its error, and when to try again (transient errors only)."""
    row.status = Translation.Status.FAILED
    row.provider = provider.name
    row.source_language = article.language
    row.source_hash = article.content_hash
    row.attempts += 1
    row.last_error = str(error)[:2000]
    if row.attempts >= MAX_ATTEMPTS:
        row.next_attempt_at = None  # given up for this version of the original
    elif error.transient:
        wait = min(FIRST_WAIT * 2 ** (row.attempts - 1), MAX_WAIT)
        # Full jitter, never earlier than the provider asked.
        seconds = random.uniform(0, wait.total_seconds())  # noqa: S311 - not cryptographic
        row.next_attempt_at = now + timedelta(seconds=max(seconds, error.retry_after or 0.0))
    else:
        # Refused (a bad key, an unsupported language): an operator has to act; look again
        # much later rather than never.
        row.next_attempt_at = now + MAX_WAIT
    row.save()
    logger.warning("translation of article %s into %s failed: %s", article.pk, row.language, error)
    return row
