"""Recompute content hashes with the normalization of pipeline.dedup, and store MinHash bands.

Stories for articles stored before this are not built here: the next change of an article,
or `newsdesk ingest`, assigns them.
"""

from django.db import migrations


def backfill(apps, schema_editor):
    from newsdesk.pipeline.dedup import (
        article_minhash,
        band_keys,
        content_hash,
        minhash_bytes,
        minhash_is_empty,
    )

    Article = apps.get_model("news", "Article")
    DuplicateBand = apps.get_model("news", "DuplicateBand")
    for article in Article.objects.iterator():
        body = "\n\n".join(p.get("text", "") for p in article.paragraphs or [])
        minhash = article_minhash(title=article.title, lead=article.lead, text=body)
        article.content_hash = content_hash(title=article.title, text=body)
        article.minhash = b"" if minhash_is_empty(minhash) else minhash_bytes(minhash)
        article.save(update_fields=["content_hash", "minhash"])
        DuplicateBand.objects.filter(article=article).delete()
        DuplicateBand.objects.bulk_create(
            DuplicateBand(article=article, band=band, key=key) for band, key in band_keys(minhash)
        )


class Migration(migrations.Migration):
    dependencies = [("news", "0002_revisions_minhash")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
