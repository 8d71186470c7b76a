"""News app configuration."""

from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "newsdesk.news"
    verbose_name = "News"
