"""Structured data for search engines: an article as schema.org NewsArticle JSON-LD."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from newsdesk.news.models import Article
from newsdesk.news.templatetags.news_tags import web_url

register = template.Library()

# As django.utils.html.json_script does: inside <script> no "<" may start "</script>" or
# "<!--", and "&" keeps its meaning in XHTML; JSON reads the \u escapes as the same text.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def article_schema(*, article: Article, url: str, image_url: str = "") -> dict[str, Any]:
    """The article as a schema.org NewsArticle: its dates, authors, source, image, rights."""
    source = article.source
    publisher: dict[str, Any] = {"@type": "Organization", "name": source.name}
    if homepage := web_url(source.homepage):
        publisher["url"] = homepage
    authors = [str(name).strip() for name in article.authors if str(name).strip()]
    if authors:
        author: list[dict[str, Any]] = [{"@type": "Person", "name": name} for name in authors]
    elif article.byline.strip():
        author = [{"@type": "Person", "name": article.byline.strip()}]
    else:
        author = [publisher]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "dateModified": article.updated_at,
        "author": author,
        "publisher": publisher,
        "isAccessibleForFree": True,
    }
    if article.published_at is not None:
        data["datePublished"] = article.published_at
    if summary := (article.lead or "").strip():
        data["description"] = summary
    if image_url:
        data["image"] = [image_url]
    if article.language:
        data["inLanguage"] = article.language
    if license_url := web_url(article.license_url or source.license_url):
        data["license"] = license_url
    if holder := (article.rights_holder or source.rights_holder).strip():
        data["copyrightHolder"] = {"@type": "Organization", "name": holder}
    if original := web_url(article.canonical_url):
        data["isBasedOn"] = original
    return data


def json_ld(data: dict[str, Any]) -> SafeString:
    """A <script type="application/ld+json"> element holding the data, safe in any page."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.simple_tag(takes_context=True)
def article_json_ld(context: template.Context) -> SafeString:
    """The page's article as NewsArticle JSON-LD (needs article and canonical_url; uses
    og_image_url when the page has an image)."""
    article: Article = context["article"]
    return json_ld(
        article_schema(
            article=article,
            url=str(context.get("canonical_url", "")),
            image_url=str(context.get("og_image_url", "") or ""),
        )
    )
