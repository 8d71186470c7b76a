"""Template filters for the reader pages: language labels, safe links, entity names."""

from __future__ import annotations

from django import template
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

from newsdesk.news.models import Article, Entity

register = template.Library()

_IMAGE_PREFIXES = ("http://", "https://", "/")
_WEB_PREFIXES = ("http://", "https://")


@register.filter
def language_label(code: str) -> str:
    """The language's own name ("Русский", "English"), or the bare code when it is unknown."""
    if not code:
        return ""
    try:
        return str(get_language_info(code)["name_local"])
    except KeyError:
        return code.upper()


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
