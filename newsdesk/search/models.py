"""The PostgreSQL search index: one weighted tsvector per article.

On SQLite the index is the FTS5 table `search_article_fts` (see backends.py), made by this
app's migration; this model's table exists there too but stays empty.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsdesk.news.models import Article


class ArticleDocument(models.Model):
    """An article's title (weight A), lead (B) and body (C) as a tsvector, in the text search
    configuration of its language. A model, so deleting an article deletes its document and
    a test database's flush empties the table.

    The table holds nothing else, so it stays narrow: a search reads the ids of the matching
    rows from it, and only the ranked candidates' documents out of TOAST storage.
    """

    article = models.OneToOneField(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    document = SearchVectorField(_("document"), null=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return str(self.article_id)
