"""An index in the home page's order for PostgreSQL: published_at DESC NULLS LAST, id DESC.

PostgreSQL will not walk the plain published_at index for that order (its NULLs sort first
when descending), so the home page sorted every article: 250 ms at 100,000 articles, 4 ms with
this index. SQLite walks its published_at index already (NULLs are smallest there)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS news_article_latest "
    "ON news_article (published_at DESC NULLS LAST, id DESC)"
)
DROP = "DROP INDEX IF EXISTS news_article_latest"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0005_enrichment"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
