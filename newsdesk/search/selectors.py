"""Reading the search index: one page of ranked, filtered, highlighted results."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.safestring import SafeString

from newsdesk.news.models import Article, Entity, Mention, Story, Translation
from newsdesk.search.backends import Match, backend
from newsdesk.search.highlight import has_match, highlight, snippet
from newsdesk.search.terms import Query, query_parse
from newsdesk.sources.models import Source

# Counting stops here: the page says "1000+" and no page lies past it.
COUNT_CAP = 1000
PER_PAGE_MAX = 100
STORY = Story._meta.db_table
MENTION = Mention._meta.db_table


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One found article with its title and a snippet of its text, matches in <mark>: of its
    original, or of the TRANSLATION the words were found in when the original lacks them."""

    article: Article
    title: SafeString
    snippet: SafeString
    translation: Translation | None = None

    @property
    def language(self) -> str:
        """The language of the title and snippet shown."""
        return self.translation.language if self.translation else self.article.language


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of results; TOTAL counts the matches up to COUNT_CAP (CAPPED: there are more)."""

    query: Query
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    capped: bool = False
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def previous_page(self) -> int:
        return self.page - 1

    @property
    def next_page(self) -> int:
        return self.page + 1

    @property
    def first_number(self) -> int:
        """The position of this page's first hit in the whole list (for <ol start>)."""
        return (self.page - 1) * self.per_page + 1


def _day_start(day: date) -> Any:
    """The start of DAY in the current time zone, as the database stores datetimes."""
    moment = timezone.make_aware(datetime.combine(day, time.min))
    return connection.ops.adapt_datetimefield_value(moment)


def _pk(value: Source | Entity | int | None) -> int | None:
    """A model's primary key, or the id given."""
    if value is None or isinstance(value, int):
        return value
    return int(value.pk)


def _filters(
    *,
    language: str | None,
    source_id: int | None,
    entity_id: int | None,
    date_from: date | None,
    date_to: date | None,
) -> tuple[str, list[Any]]:
    """The WHERE conditions on article `a` for the filters, with their params."""
    # Each text once: an article of a story is listed only as the story's canonical one
    # (as on the home page, news.selectors.article_queryset_latest). A subquery, not a join:
    # it runs for the articles of a story only, and leaves the planner no hash of every match.
    where = [
        "(a.story_id IS NULL OR a.id = "  # noqa: S608
        f"(SELECT s.canonical_article_id FROM {STORY} s WHERE s.id = a.story_id))"
    ]
    params: list[Any] = []
    if language:
        where.append("a.language = %s")
        params.append(language)
    if source_id is not None:
        where.append("a.source_id = %s")
        params.append(source_id)
    if entity_id is not None:
        where.append(
            f"EXISTS (SELECT 1 FROM {MENTION} m WHERE m.article_id = a.id AND m.entity_id = %s)"  # noqa: S608
        )
        params.append(entity_id)
    if date_from is not None:
        where.append("a.published_at >= %s")
        params.append(_day_start(date_from))
    if date_to is not None:
        where.append("a.published_at < %s")
        params.append(_day_start(date_to + timedelta(days=1)))
    return " AND ".join(where), params


def search_articles(
    query: str,
    *,
    language: str | None = None,
    source: Source | int | None = None,
    entity: Entity | int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    """The articles matching every word and "phrase" of QUERY in any of its word forms, best
    first (then newest), each text once, filtered, PER_PAGE of them from PAGE on.

    DATE_FROM and DATE_TO are days in the current time zone, both included. Only the newest
    COUNT_CAP (+1) matches are ranked: a word in most articles costs hardly more than a rare
    one, and no page lies past the cap anyway. A page past the last one gives the last one.

    Two queries: the page's ids with the count of matches, then the page's articles (one when
    nothing matches, four for a page past the last); none for a query without words. A third
    reads the translations of the articles found by their translations only.
    """
    parsed = query_parse(query)
    per_page = min(max(1, per_page), PER_PAGE_MAX)
    if not parsed:
        return SearchResults(query=parsed, per_page=per_page)
    match = backend().match(parsed)
    conditions, filter_params = _filters(
        language=language,
        source_id=_pk(source),
        entity_id=_pk(entity),
        date_from=date_from,
        date_to=date_to,
    )
    matching = f"FROM {match.join} WHERE {match.where} AND {conditions}"
    matching_params = match.join_params + match.where_params + filter_params
    # No page lies past COUNT_CAP results, so neither does an OFFSET.
    page = min(max(1, page), COUNT_CAP)
    rows = _page_rows(match, matching, matching_params, page=page, per_page=per_page)
    if not rows and page > 1:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 {matching} LIMIT %s) AS found",  # noqa: S608
                [*matching_params, COUNT_CAP + 1],
            )
            found = min(int(cursor.fetchone()[0]), COUNT_CAP)
        page = max(1, math.ceil(found / per_page))
        rows = _page_rows(match, matching, matching_params, page=page, per_page=per_page)
    if not rows:
        return SearchResults(query=parsed, page=1, per_page=per_page)
    ids = [row[0] for row in rows]
    total = int(rows[0][1])
    articles = Article.objects.select_related("source").defer("minhash").in_bulk(ids)
    hits = _hits([articles[pk] for pk in ids if pk in articles], parsed.stems)
    return SearchResults(
        query=parsed,
        hits=hits,
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
        page=page,
        per_page=per_page,
    )


def _text(title: str, lead: str, body: str) -> tuple[str, str]:
    """A text's title, and its lead and body as one snippet's source."""
    return title, "\n\n".join(filter(None, [lead, body]))


def _hits(articles: list[Article], stems: frozenset[str]) -> list[SearchHit]:
    """The articles as hits, each highlighted in the text it was found in: the original, or a
    translation when no word of the original matches."""
    texts = {a.pk: _text(a.title, a.lead, a.text) for a in articles}
    elsewhere = [pk for pk, text in texts.items() if not has_match("\n".join(text), stems)]
    found_in: dict[int, Translation] = {}
    if elsewhere:
        for translation in Translation.objects.filter(
            article_id__in=elsewhere, status=Translation.Status.DONE
        ).order_by("language"):
            text = _text(translation.title, translation.lead, translation.text)
            if translation.article_id not in found_in and has_match("\n".join(text), stems):
                found_in[translation.article_id] = translation
                texts[translation.article_id] = (
                    text[0] or texts[translation.article_id][0],
                    text[1],
                )
    return [
        SearchHit(
            article=article,
            title=highlight(texts[article.pk][0], stems),
            snippet=snippet(texts[article.pk][1], stems),
            translation=found_in.get(article.pk),
        )
        for article in articles
    ]


def _page_rows(
    match: Match, matching: str, params: list[Any], *, page: int, per_page: int
) -> list[tuple[int, int]]:
    """(id, number of candidates) of the PAGE-th PER_PAGE best of the newest matches."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH candidates AS (SELECT a.id, a.published_at {matching} "  # noqa: S608
            f"ORDER BY {match.newest} LIMIT %s) "
            f"SELECT ranked.id, count(*) OVER () FROM ({match.ranked}) AS ranked "
            f"ORDER BY ranked.score {match.order}, ranked.published_at DESC NULLS LAST, "
            "ranked.id DESC LIMIT %s OFFSET %s",
            [*params, COUNT_CAP + 1, *match.ranked_params, per_page, (page - 1) * per_page],
        )
        return [(row[0], row[1]) for row in cursor.fetchall()]
