"""Where articles come from: sources, their rights statements and their fetch state."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Source(models.Model):
    """A feed, sitemap, page or local file that articles are collected from."""

    class Kind(models.TextChoices):
        FEED = "feed", _("Feed (RSS, Atom, JSON Feed)")
        SITEMAP = "sitemap", _("Sitemap")
        PAGE = "page", _("Web page")
        FILE = "file", _("Local file")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FEED)
    url = models.CharField(
        _("URL"), max_length=2000, unique=True, help_text=_("http(s):// or file://")
    )
    homepage = models.URLField(_("home page"), max_length=2000, blank=True)
    language = models.CharField(
        _("language hint"), max_length=8, blank=True, help_text=_("ISO 639-1 code, e.g. ru, en")
    )
    rights_holder = models.CharField(_("rights holder"), max_length=300, blank=True)
    rights_statement = models.TextField(_("rights statement"), blank=True)
    license_name = models.CharField(_("license"), max_length=200, blank=True)
    license_url = models.URLField(_("license URL"), max_length=500, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    fetch_interval = models.DurationField(_("fetch interval"), default=timedelta(minutes=30))

    # Fetch state: conditional GET validators and the outcome of the last attempts.
    etag = models.CharField(_("ETag"), max_length=500, blank=True)
    last_modified = models.CharField(_("Last-Modified"), max_length=100, blank=True)
    last_fetch_at = models.DateTimeField(_("last fetch"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    next_fetch_at = models.DateTimeField(_("next fetch"), null=True, blank=True, db_index=True)
    # The adaptive schedule's current interval: shorter for sources that publish often.
    poll_interval = models.DurationField(_("current polling interval"), null=True, blank=True)
    # After repeated failures a source is paused until an editor resumes it.
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    pause_reason = models.TextField(_("why it is paused"), blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class IngestFailure(models.Model):
    """One item that could not be ingested, kept where editors see it."""

    class Stage(models.TextChoices):
        FETCH = "fetch", _("fetch")
        PARSE = "parse", _("parse")
        EXTRACT = "extract", _("extract")
        STORE = "store", _("store")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="failures")
    url = models.CharField(_("URL"), max_length=2000, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ingest failure")
        verbose_name_plural = _("ingest failures")

    def __str__(self) -> str:
        return f"{self.source}: {self.stage}: {self.message[:80]}"
