"""The search page: a query and filters from the URL, one page of highlighted results."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render

from newsdesk.news.models import Entity
from newsdesk.search.selectors import COUNT_CAP, SearchResults, search_articles
from newsdesk.sources.models import Source

# Longer queries are cut here (at a space when there is one near it).
QUERY_MAX_LENGTH = 200
RESULTS_PER_PAGE = 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Dates outside these years are not a news archive's, and would overflow time zone arithmetic.
_YEARS = range(1000, 9000)


@dataclass
class SearchParams:
    """The search page's query string, checked: what could not be used is left out, and
    NOTES names why ("too_long", "bad_from", "bad_to", "unknown_source", "unknown_entity")."""

    q: str = ""
    language: str | None = None
    source: Source | None = None
    entity: Entity | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    notes: list[str] = field(default_factory=list)

    def query_string(self) -> str:
        """The URL query of this search without its page (pagination links add theirs)."""
        params = {
            "q": self.q,
            "lang": self.language or "",
            "source": self.source.slug if self.source else "",
            "entity": self.entity.slug if self.entity else "",
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return urlencode({key: value for key, value in params.items() if value})


def _query(value: str, notes: list[str]) -> str:
    """The search text without control characters, cut to QUERY_MAX_LENGTH."""
    text = " ".join(_CONTROL.sub(" ", value).split())
    if len(text) > QUERY_MAX_LENGTH:
        notes.append("too_long")
        cut = text[:QUERY_MAX_LENGTH]
        space = cut.rfind(" ", QUERY_MAX_LENGTH - 30)
        text = cut[:space] if space > 0 else cut
    return text


def _day(value: str, note: str, notes: list[str]) -> date | None:
    """A YYYY-MM-DD day, or None (with NOTE) when VALUE is not one."""
    value = value.strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if _ISO_DATE.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None or day.year not in _YEARS:
        notes.append(note)
        return None
    return day


def _source(value: str, sources: list[Source], notes: list[str]) -> Source | None:
    """The source named by slug or id among SOURCES."""
    value = value.strip()
    if not value:
        return None
    for source in sources:
        if value in (source.slug, str(source.pk)):
            return source
    notes.append("unknown_source")
    return None


def _entity(value: str, notes: list[str]) -> Entity | None:
    """The entity with this slug; one merged into another stands for that one."""
    value = value.strip()
    if not value:
        return None
    entity = Entity.objects.select_related("merged_into").filter(slug=value[:200]).first()
    if entity is None:
        notes.append("unknown_entity")
        return None
    return entity.merged_into or entity


def search_params_parse(data: QueryDict, *, sources: list[Source]) -> SearchParams:
    """The search parameters of a query string; nothing in it is an error."""
    notes: list[str] = []
    language = data.get("lang", "").strip().lower()
    date_from = _day(data.get("from", ""), "bad_from", notes)
    date_to = _day(data.get("to", ""), "bad_to", notes)
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    try:
        page = max(1, int(data.get("page", "1")))
    except ValueError:
        page = 1
    return SearchParams(
        q=_query(data.get("q", ""), notes),
        language=language if language in {code for code, _name in settings.LANGUAGES} else None,
        source=_source(data.get("source", ""), sources, notes),
        entity=_entity(data.get("entity", ""), notes),
        date_from=date_from,
        date_to=date_to,
        page=page,
        notes=notes,
    )


def query_string_cleaned(data: QueryDict) -> str | None:
    """DATA's query string without its empty fields and the first page's number, in the same
    order; None when it has none of those.

    A form sends its empty filters too ("?q=threat&lang=&source="): one search would have
    many URLs, each rendered and cached on its own."""
    pairs = [(key, value) for key, values in data.lists() for value in values]
    kept = [
        (key, value)
        for key, value in pairs
        if value.strip() and not (key == "page" and value.strip() == "1")
    ]
    if len(kept) == len(pairs):
        return None
    return urlencode(kept)


def results(request: HttpRequest) -> HttpResponse:
    """The search form, and the results of its query when it has one. A URL with empty fields
    redirects to the same search without them (the page's script sends none)."""
    cleaned = query_string_cleaned(request.GET)
    if cleaned is not None:
        return HttpResponseRedirect(request.path + (f"?{cleaned}" if cleaned else ""))
    sources = list(Source.objects.order_by("name").only("id", "slug", "name"))
    params = search_params_parse(request.GET, sources=sources)
    found: SearchResults | None = None
    if params.q:
        found = search_articles(
            params.q,
            language=params.language,
            source=params.source,
            entity=params.entity,
            date_from=params.date_from,
            date_to=params.date_to,
            page=params.page,
            per_page=RESULTS_PER_PAGE,
        )
    return render(
        request,
        "search/results.html",
        {
            "params": params,
            "results": found,
            "sources": sources,
            "languages": settings.LANGUAGES,
            "query_string": params.query_string(),
            "count_cap": COUNT_CAP,
            "query_max_length": QUERY_MAX_LENGTH,
            "filtered": bool(
                params.language
                or params.source
                or params.entity
                or params.date_from
                or params.date_to
            ),
        },
    )
