"""What is published: articles, the stories that group them, and the entities they mention."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from newsdesk.sources.models import Source


class ParagraphRole(models.TextChoices):
    """The part a paragraph plays in an article's body."""

    PARAGRAPH = "paragraph", _("paragraph")
    QUESTION = "question", _("question")
    ANSWER = "answer", _("answer")
    HEADING = "heading", _("heading")
    QUOTE = "quote", _("quote")


class Story(models.Model):
    """One event or text as told by one or more articles (duplicates, translations, replies)."""

    title = models.CharField(_("title"), max_length=500)
    canonical_article = models.ForeignKey(
        "Article",
        verbose_name=_("canonical article"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def __str__(self) -> str:
        return self.title


class Article(models.Model):
    """One article as published by its source, with its body kept as ordered paragraphs."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="articles"
    )
    story = models.ForeignKey(
        Story,
        verbose_name=_("story"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    canonical_url = models.CharField(_("canonical URL"), max_length=2000, unique=True)
    link = models.CharField(
        _("fetched from"), max_length=2000, db_index=True, help_text=_("URL the item came from")
    )
    language = models.CharField(_("original language"), max_length=8, blank=True, db_index=True)
    # How sure language detection was (0-1); null until the article is enriched.
    language_confidence = models.FloatField(_("language confidence"), null=True, blank=True)
    # When language, mentions and translations were last worked out (null: not yet).
    enriched_at = models.DateTimeField(_("enriched"), null=True, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=1000)
    lead = models.TextField(_("lead"), blank=True)
    # [{"role": ParagraphRole, "text": str}, ...] in reading order.
    paragraphs = models.JSONField(_("body paragraphs"), default=list)
    authors = models.JSONField(_("authors"), default=list, blank=True)
    byline = models.CharField(_("byline"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    fetched_at = models.DateTimeField(_("fetched"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    image_url = models.CharField(_("lead image URL"), max_length=2000, blank=True)
    image_file = models.FileField(
        _("lead image, cached copy"), upload_to="images/", max_length=300, blank=True
    )
    image_alt = models.CharField(_("lead image description"), max_length=1000, blank=True)
    image_credit = models.CharField(_("lead image credit"), max_length=500, blank=True)
    rights_holder = models.CharField(_("rights holder"), max_length=300, blank=True)
    rights_statement = models.TextField(_("rights statement"), blank=True)
    license_name = models.CharField(_("license"), max_length=200, blank=True)
    license_url = models.URLField(_("license URL"), max_length=500, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, db_index=True)
    # MinHash signature of the normalized text (near-duplicate detection, see pipeline.dedup).
    minhash = models.BinaryField(_("MinHash signature"), blank=True, default=b"", editable=False)
    feed_fingerprint = models.CharField(
        _("fingerprint of the feed item"),
        max_length=64,
        blank=True,
        help_text=_("Changes when the feed announces a change, so the page is fetched again"),
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["source", "-published_at"])]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("news:article", kwargs={"pk": self.pk})

    @property
    def text(self) -> str:
        """The body as plain text, paragraphs separated by blank lines (mention offsets use it)."""
        return "\n\n".join(p["text"] for p in self.paragraphs)


class ArticleRevision(models.Model):
    """An earlier version of an article, kept when its title or text changed."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(_("title"), max_length=1000)
    lead = models.TextField(_("lead"), blank=True)
    paragraphs = models.JSONField(_("body paragraphs"), default=list)
    content_hash = models.CharField(_("content hash"), max_length=64)
    # When this version was first seen (the article's fetch time at that point).
    seen_at = models.DateTimeField(_("seen"))
    replaced_at = models.DateTimeField(_("replaced"), auto_now_add=True)

    class Meta:
        ordering = ["article", "-replaced_at"]
        verbose_name = _("article revision")
        verbose_name_plural = _("article revisions")

    def __str__(self) -> str:
        return self.title


class DuplicateBand(models.Model):
    """One LSH band of an article's MinHash: articles sharing a band key are candidates."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bands")
    band = models.PositiveSmallIntegerField(_("band"))
    key = models.CharField(_("band key"), max_length=32)

    class Meta:
        indexes = [models.Index(fields=["band", "key"])]
        constraints = [
            models.UniqueConstraint(fields=["article", "band"], name="duplicateband_unique")
        ]
        verbose_name = _("duplicate band")
        verbose_name_plural = _("duplicate bands")

    def __str__(self) -> str:
        return f"{self.article_id}:{self.band}:{self.key}"


class Entity(models.Model):
    """A person, organization, country, place or event, named in English and Russian."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        ORGANIZATION = "organization", _("organization")
        COUNTRY = "country", _("country")
        PLACE = "place", _("place")
        EVENT = "event", _("event")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The starting catalog's id of the entity ("country:RU", "org:sco"); blank for entities
    # the pipeline or an editor added.
    key = models.CharField(_("catalog key"), max_length=100, blank=True, db_index=True)
    name_en = models.CharField(_("name in English"), max_length=300, blank=True)
    name_ru = models.CharField(_("name in Russian"), max_length=300, blank=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name_en", "name_ru"]
        verbose_name = _("entity")
        verbose_name_plural = _("entities")

    def __str__(self) -> str:
        return self.name_en or self.name_ru or self.slug

    def get_absolute_url(self) -> str:
        return reverse("news:entity", kwargs={"slug": self.slug})


class EntityAlias(models.Model):
    """Another name of an entity: a spelling, transliteration, inflection or abbreviation."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("name"), max_length=300)
    # Lower-cased, whitespace-collapsed form used for look-ups.
    normalized = models.CharField(_("normalized name"), max_length=300, db_index=True)
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "normalized"], name="alias_unique_per_entity")
        ]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")

    def __str__(self) -> str:
        return self.name


class Mention(models.Model):
    """An entity named in an article: its title, lead or body (Article.text), at offsets.

    `language` is the language of the text the offsets refer to: the original's, or a
    translation's (Translation of that language).
    """

    class Field(models.TextChoices):
        TITLE = "title", _("title")
        LEAD = "lead", _("lead")
        BODY = "body", _("body")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="mentions")
    surface = models.CharField(_("surface text"), max_length=300)
    field = models.CharField(_("field"), max_length=8, choices=Field.choices, default=Field.BODY)
    start = models.PositiveIntegerField(_("start offset"))
    end = models.PositiveIntegerField(_("end offset"))
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        ordering = ["article", "field", "start"]
        indexes = [models.Index(fields=["entity", "article"])]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language", "field", "start", "end"],
                name="mention_unique_span",
            )
        ]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")

    def __str__(self) -> str:
        return f"{self.surface} → {self.entity}"


class Translation(models.Model):
    """An article in another language, by a machine translation provider; never the original.

    A failed or pending translation keeps its error and attempts; the article is published
    untranslated meanwhile.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=8)
    source_language = models.CharField(_("translated from"), max_length=8)
    title = models.CharField(_("title"), max_length=1000, blank=True)
    lead = models.TextField(_("lead"), blank=True)
    # The article's paragraphs translated one by one: [{"role": ..., "text": ...}, ...].
    paragraphs = models.JSONField(_("body paragraphs"), default=list, blank=True)
    provider = models.CharField(_("provider"), max_length=40)
    model = models.CharField(_("model"), max_length=200, blank=True)
    # The original's content hash when it was translated: a changed article is translated anew.
    source_hash = models.CharField(_("original's content hash"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When a failed translation may be tried again (the provider's Retry-After or backoff).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    translated_at = models.DateTimeField(_("translated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["article", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language"], name="translation_unique_language"
            )
        ]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")

    def __str__(self) -> str:
        return f"{self.article_id} → {self.language} ({self.status})"

    @property
    def text(self) -> str:
        """The translated body as plain text (mention offsets of this language use it)."""
        return "\n\n".join(p["text"] for p in self.paragraphs)
