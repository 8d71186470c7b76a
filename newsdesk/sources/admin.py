"""Admin for sources and the failures editors need to see."""

from __future__ import annotations

from django.contrib import admin

from newsdesk.sources.models import IngestFailure, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = (
        "name",
        "kind",
        "language",
        "enabled",
        "last_success_at",
        "consecutive_failures",
        "next_fetch_at",
    )
    list_filter = ("kind", "language", "enabled")
    search_fields = ("name", "url", "rights_holder")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = (
        "etag",
        "last_modified",
        "last_fetch_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "created_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "url", "homepage", "language", "enabled")}),
        (
            "Rights",
            {"fields": ("rights_holder", "rights_statement", "license_name", "license_url")},
        ),
        ("Schedule", {"fields": ("fetch_interval", "next_fetch_at")}),
        ("Fetch state", {"fields": readonly_fields}),
    )


@admin.register(IngestFailure)
class IngestFailureAdmin(admin.ModelAdmin[IngestFailure]):
    list_display = ("created_at", "source", "stage", "url", "message")
    list_filter = ("stage", "source")
    search_fields = ("url", "message")
    date_hierarchy = "created_at"
