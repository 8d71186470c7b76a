"""Reader pages (placeholder until templates land)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from newsdesk.news.models import Article


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("newsdesk")


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    return HttpResponse(article.title)
