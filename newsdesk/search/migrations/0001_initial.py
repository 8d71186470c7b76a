"""The search index: an FTS5 table on SQLite; a tsvector table with a GIN index on PostgreSQL.

Existing articles are indexed by `newsdesk search_index`, not here (stemming a large
archive in a migration would hold the upgrade for minutes).
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# The stems of each field, written by newsdesk.search.backends; rowid is the article's id.
# unicode61 without diacritics removal: the stems are already normalized (й stays й).
FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_article_fts USING fts5("
    "title, lead, body, tokenize = 'unicode61 remove_diacritics 0')"
)
FTS_DROP = "DROP TABLE IF EXISTS search_article_fts"

# What search filters and sorts the matches by, read from an index instead of the article
# rows (whose long text spills onto overflow or TOAST pages): a common word's thousands of
# matches cost a tenth. SQLite uses it only with statistics on it. The same statements are
# in newsdesk.search.backends, which makes the index again after a later migration of news
# rebuilt the table without it.
FILTER_CREATE_SQLITE = (
    "CREATE INDEX IF NOT EXISTS search_article_filter "
    "ON news_article (id, story_id, published_at, language, source_id)"
)
FILTER_ANALYZE_SQLITE = "ANALYZE search_article_filter"
FILTER_CREATE_POSTGRES = (
    "CREATE INDEX IF NOT EXISTS search_article_filter "
    "ON news_article (id) INCLUDE (story_id, published_at, language, source_id)"
)
FILTER_DROP = "DROP INDEX IF EXISTS search_article_filter"

# fastupdate off: without a pending list every search reads the index alone, and the
# planner keeps choosing it (a full pending list made it prefer reading every row).
GIN_CREATE = (
    "CREATE INDEX IF NOT EXISTS search_articledocument_document_gin "
    "ON search_articledocument USING gin (document) WITH (fastupdate = off)"
)
GIN_DROP = "DROP INDEX IF EXISTS search_articledocument_document_gin"

# The ids of the documents matching a tsquery, from the GIN index: the planner does not count
# reading each document out of TOAST storage, so for a common word it would read the whole
# table instead, ten times slower. A function's SET clause is the one way to say so.
MATCHES_CREATE = """
CREATE OR REPLACE FUNCTION search_article_ids(query tsquery)
RETURNS TABLE (article_id bigint)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET enable_seqscan = off
AS $$ SELECT d.article_id FROM search_articledocument d WHERE d.document @@ query $$
"""
MATCHES_DROP = "DROP FUNCTION IF EXISTS search_article_ids(tsquery)"


def index_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in (FTS_CREATE, FILTER_CREATE_SQLITE, FILTER_ANALYZE_SQLITE):
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in (GIN_CREATE, MATCHES_CREATE, FILTER_CREATE_POSTGRES):
            schema_editor.execute(statement)


def index_drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in (FTS_DROP, FILTER_DROP):
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in (MATCHES_DROP, GIN_DROP, FILTER_DROP):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("news", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleDocument",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="news.article",
                        verbose_name="article",
                    ),
                ),
                (
                    "document",
                    django.contrib.postgres.search.SearchVectorField(
                        null=True, verbose_name="document"
                    ),
                ),
            ],
            options={
                "verbose_name": "search document",
                "verbose_name_plural": "search documents",
            },
        ),
        migrations.RunPython(index_create, index_drop, elidable=False),
    ]
