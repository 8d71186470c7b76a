"""Demo app: builds the demo origin site from the bundled corpus and registers its sources."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "newsdesk.demo"
    verbose_name = "Demo"
