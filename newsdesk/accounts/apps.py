"""Accounts app configuration."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "newsdesk.accounts"
    verbose_name = "Accounts"
