"""Recompute every article's MinHash signature and bands: shingles are hashed with CRC-32 now
(pipeline.dedup.SEED tells the generations apart; a signature of the old one matches nothing).
Stories stay as they are: the same texts give the same groups.
"""

from django.db import migrations


def recompute(apps, schema_editor):
    from newsdesk.pipeline.dedup import (
        article_minhash,
        band_keys,
        minhash_bytes,
        minhash_is_empty,
    )

    Article = apps.get_model("news", "Article")
    DuplicateBand = apps.get_model("news", "DuplicateBand")
    for article in Article.objects.only("id", "title", "lead", "paragraphs").iterator():
        body = "\n\n".join(p.get("text", "") for p in article.paragraphs or [])
        minhash = article_minhash(title=article.title, lead=article.lead, text=body)
        data = b"" if minhash_is_empty(minhash) else minhash_bytes(minhash)
        Article.objects.filter(pk=article.pk).update(minhash=data)
        DuplicateBand.objects.filter(article_id=article.pk).delete()
        DuplicateBand.objects.bulk_create(
            DuplicateBand(article_id=article.pk, band=band, key=key)
            for band, key in band_keys(minhash)
        )


class Migration(migrations.Migration):
    dependencies = [("news", "0003_dedup_backfill")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
