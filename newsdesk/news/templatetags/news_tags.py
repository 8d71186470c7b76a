"""Template filters for the reader pages: language labels, safe links, entity names, page
links and the per-week bar chart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.translation import get_language, get_language_info

from newsdesk.news.models import Article, Entity
from newsdesk.news.selectors import WeekCount
from newsdesk.sources.models import Source

register = template.Library()

_IMAGE_PREFIXES = ("http://", "https://", "/")
_WEB_PREFIXES = ("http://", "https://")


def _language_info(code: str, key: str) -> str:
    """One name of the language (Django's language info KEY), or the bare code when unknown."""
    if not code:
        return ""
    try:
        return str(get_language_info(code)[key])
    except KeyError:
        return code.upper()


@register.filter
def language_label(code: str) -> str:
    """The language's own name ("Русский", "English"), or the bare code when it is unknown."""
    return _language_info(code, "name_local")


@register.filter
def language_name(code: str) -> str:
    """The language's name in the interface language ("Russian", "русский"), or the code.
    Russian writes language names in lower case mid-sentence ("с русского на английский")."""
    name = _language_info(code, "name_translated")
    if (get_language() or "").startswith("ru") and name != code.upper():
        return name[:1].lower() + name[1:]
    return name


@register.filter
def image_src(article: Article) -> str:
    """The lead image's cached copy, else its URL when a browser can load it, else ""."""
    if article.image_file:
        return str(article.image_file.url)
    # file:// and data: URLs from the pipeline must not reach the page.
    url = (article.image_url or "").strip()
    return url if url.lower().startswith(_IMAGE_PREFIXES) else ""


@register.filter
def web_url(url: str) -> str:
    """The URL when it is an http(s) address a reader can follow, else ""."""
    url = (url or "").strip()
    return url if url.lower().startswith(_WEB_PREFIXES) else ""


@register.filter
def entity_name(entity: Entity) -> str:
    """The entity's name in the interface language, falling back to the other one."""
    if (get_language() or "").startswith("ru"):
        return entity.name_ru or str(entity)
    return str(entity)


@register.simple_tag(takes_context=True)
def page_in_language(context: template.Context, code: str, absolute: bool = False) -> str:
    """This page's address in another language ("/en/entities/japan/" -> "/ru/entities/japan/"),
    with its query; the home page in that language for pages outside the language prefixes."""
    request = context.get("request")
    if request is None:
        return f"/{code}/"
    url = translate_url(request.get_full_path(), code)
    if url == request.get_full_path() and code != get_language():
        url = f"/{code}/"
    return str(request.build_absolute_uri(url)) if absolute else str(url)


@register.filter
def source_url(source: Source) -> str:
    """The source's page on this site, or "" when it has no usable slug."""
    try:
        return reverse("news:source", kwargs={"slug": source.slug})
    except NoReverseMatch:
        return ""


@register.filter
def page_query(query: str, number: int) -> str:
    """The query string of page NUMBER of a list whose filters are QUERY ("lang=en")."""
    return f"?{query}&page={number}" if query else f"?page={number}"


# The bar chart's geometry, in SVG user units: the chart scales to its box.
_BAR_STEP = 20
_BAR_WIDTH = 14
_PLOT_TOP = 16
_PLOT_HEIGHT = 100
_AXIS_HEIGHT = 22


@register.inclusion_tag("news/_week_chart.html")
def week_chart(
    weeks: Sequence[WeekCount], *, chart_id: str, title: str, value_label: str
) -> dict[str, Any]:
    """An inline SVG bar chart of counts per week, with a table of the same numbers."""
    highest = max((week.count for week in weeks), default=0)
    bars = []
    for index, week in enumerate(weeks):
        height = round(week.count / highest * _PLOT_HEIGHT, 1) if highest else 0
        bars.append(
            {
                "start": week.start,
                "count": week.count,
                "x": index * _BAR_STEP + (_BAR_STEP - _BAR_WIDTH) / 2,
                "y": _PLOT_TOP + _PLOT_HEIGHT - height,
                "height": height,
            }
        )
    width = len(weeks) * _BAR_STEP
    peak = max(weeks, key=lambda week: week.count, default=None)
    return {
        "chart_id": chart_id,
        "title": title,
        "value_label": value_label,
        "bars": bars,
        "bar_width": _BAR_WIDTH,
        "highest": highest,
        "total": sum(week.count for week in weeks),
        "peak": peak if highest else None,
        "first": weeks[0] if weeks else None,
        "last": weeks[-1] if weeks else None,
        "width": width,
        "height": _PLOT_TOP + _PLOT_HEIGHT + _AXIS_HEIGHT,
        "top": _PLOT_TOP,
        "top_label_y": _PLOT_TOP - 4,
        "baseline": _PLOT_TOP + _PLOT_HEIGHT,
        "label_y": _PLOT_TOP + _PLOT_HEIGHT + _AXIS_HEIGHT - 4,
    }
