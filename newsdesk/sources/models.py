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


class IngestItem(models.Model):
    """One item a source announced, kept until it is stored: a crash or a failure loses nothing.

    The source's fetch records items here (pending); processing turns each into an article
    (done) or records why it could not (failed, retried on later runs up to a limit).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="items")
    link = models.CharField(_("link"), max_length=2000)
    # What the source said about the item (title, time, summary, content...): see FeedItem.
    payload = models.JSONField(_("what the source announced"), default=dict)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    article = models.ForeignKey(
        "news.Article",
        verbose_name=_("article"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    discovered_at = models.DateTimeField(_("discovered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["discovered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "link"], name="ingestitem_unique_link")
        ]
        indexes = [models.Index(fields=["source", "status"])]
        verbose_name = _("ingest item")
        verbose_name_plural = _("ingest items")

    def __str__(self) -> str:
        return f"{self.source}: {self.link}"
