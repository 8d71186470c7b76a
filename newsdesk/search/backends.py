"""The two index backends: SQLite FTS5 over Python stems, PostgreSQL tsvector with its own
`russian` and `english` configurations. Both answer the same calls with SQL over alias `a`
(news_article), so the selector builds one query for either.

The SQL is put together from table names and fragments of this module only; what a user
typed travels as query parameters, and only as words (see terms.query_parse).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from newsdesk.news.models import Article, Translation
from newsdesk.search.models import ArticleDocument
from newsdesk.search.terms import Query, document, has_cyrillic

# Only this much of an article's body is indexed: enough for any news text, and PostgreSQL
# refuses a tsvector over 1 MB.
BODY_MAX_CHARS = 100_000
ARTICLE = Article._meta.db_table
FTS = "search_article_fts"
DOCUMENT = ArticleDocument._meta.db_table
# PostgreSQL: the function that lists the ids of the documents matching a tsquery.
MATCHES = "search_article_ids"
# PostgreSQL configuration by article language; other languages are only lower-cased.
CONFIGS = {"ru": "russian", "en": "english"}
# What search filters and sorts the matches by, read from an index instead of the article
# rows (whose long text spills onto overflow or TOAST pages). The same as in migration 0001.
FILTER_COLUMNS = "story_id, published_at, language, source_id"

# One text's part of a document: (config, title, config, lead, config, body).
_POSTGRES_VERSION = (
    "setweight(to_tsvector(%s::regconfig, %s::text), 'A')"
    " || setweight(to_tsvector(%s::regconfig, %s::text), 'B')"
    " || setweight(to_tsvector(%s::regconfig, %s::text), 'C')"
)
# An article's row: its id, then each of its texts' parts (the original's, its translations').
_POSTGRES_WRITE = (
    f"INSERT INTO {DOCUMENT} (article_id, document) VALUES (%s, {{versions}}) "  # noqa: S608
    "ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document"
)


@dataclass(frozen=True, slots=True)
class Match:
    """SQL for one query, each part with its parameters.

    JOIN and WHERE select the matching articles as `a` (the selector adds the filters), and
    NEWEST orders them newest first (only the first COUNT_CAP are ranked); RANKED scores the
    rows of `candidates` (id, published_at) as `c`, giving columns id and score. ORDER says
    whether a higher score is better (DESC) or a lower one (ASC).
    """

    join: str
    join_params: list[Any]
    where: str
    where_params: list[Any]
    ranked: str
    ranked_params: list[Any]
    order: str
    newest: str = "a.published_at DESC NULLS LAST, a.id DESC"


@dataclass(frozen=True, slots=True)
class IndexedText:
    """One text of an article as the index holds it: the original or a translation."""

    language: str
    title: str
    lead: str
    body: str


def indexed_texts(article: Article) -> list[IndexedText]:
    """The texts an article is found by: its original, then its finished machine translations
    (a Russian article is found by English words in its English translation). Each body is
    cut to BODY_MAX_CHARS. Reads `article.translations` (prefetch it for many articles)."""
    texts = [
        IndexedText(
            article.language, article.title or "", article.lead or "", article.text[:BODY_MAX_CHARS]
        )
    ]
    for row in sorted(article.translations.all(), key=lambda row: row.language):
        if row.status == Translation.Status.DONE and row.language != article.language:
            texts.append(IndexedText(row.language, row.title, row.lead, row.text[:BODY_MAX_CHARS]))
    return texts


class Backend:
    """The index of one database vendor."""

    def write(self, articles: Sequence[Article]) -> None:
        """Store these articles' documents in place of any earlier ones."""
        raise NotImplementedError

    def delete(self, ids: Sequence[int]) -> None:
        """Remove these articles' documents (missing ones are fine)."""
        raise NotImplementedError

    def unindexed_ids(self) -> list[int]:
        """The ids of the articles that have no document."""
        raise NotImplementedError

    def orphans_delete(self) -> int:
        """Remove documents whose article is gone; returns how many."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Make the indexes search relies on that a migration of another app may have dropped."""

    def optimize(self) -> None:
        """Compact the index and refresh the planner's statistics after many writes."""

    def match(self, query: Query) -> Match:
        """The SQL that finds and scores the articles matching QUERY (which has units)."""
        raise NotImplementedError


class SQLiteBackend(Backend):
    """An FTS5 table of stems (stemmed in Python: FTS5 has no Russian stemmer); rowid is the
    article's id, bm25 with title 5, lead 2, body 1 ranks. Each column holds the original's
    part, then the translations' ones."""

    def write(self, articles: Sequence[Article]) -> None:
        rows = []
        for article in articles:
            texts = indexed_texts(article)
            rows.append(
                (
                    article.pk,
                    "\n".join(document(text.title) for text in texts),
                    "\n".join(document(text.lead) for text in texts),
                    "\n".join(document(text.body) for text in texts),
                )
            )
        self.delete([article.pk for article in articles])
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {FTS} (rowid, title, lead, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
                rows,
            )

    def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS} WHERE rowid IN ({marks})", list(ids))  # noqa: S608

    def unindexed_ids(self) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT a.id FROM {ARTICLE} a WHERE NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {FTS} f WHERE f.rowid = a.id) ORDER BY a.id"
            )
            return [row[0] for row in cursor.fetchall()]

    def orphans_delete(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS} WHERE rowid NOT IN (SELECT id FROM {ARTICLE})")  # noqa: S608
            return int(cursor.rowcount)

    def prepare(self) -> None:
        # Made by the migration too; Django drops it whenever it rebuilds news_article on
        # SQLite (most field changes do). Without statistics on it SQLite looks articles up
        # by rowid instead.
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS search_article_filter "
                f"ON {ARTICLE} (id, {FILTER_COLUMNS})"
            )
            cursor.execute("ANALYZE search_article_filter")

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('optimize')")  # noqa: S608

    def match(self, query: Query) -> Match:
        # Each unit a quoted string of stems (letters and digits only): a phrase of one or
        # more words; FTS5 ANDs the units. Nothing the user typed is FTS5 syntax.
        expression = " ".join(
            '"' + " ".join(unit).replace('"', '""') + '"' for unit in query.stemmed_units()
        )
        # CROSS JOIN keeps the FTS5 scan the outer loop: one pass over the matches (looking
        # each candidate up in FTS5 by rowid instead costs a millisecond per candidate).
        return Match(
            join=f"{FTS} JOIN {ARTICLE} a ON a.id = {FTS}.rowid",
            join_params=[],
            where=f"{FTS} MATCH %s",
            where_params=[expression],
            ranked=(
                f"SELECT c.id, c.published_at, bm25({FTS}, 5.0, 2.0, 1.0) AS score "  # noqa: S608
                f"FROM {FTS} CROSS JOIN candidates c ON c.id = {FTS}.rowid "
                f"WHERE {FTS} MATCH %s"
            ),
            ranked_params=[expression],
            order="ASC",  # bm25: lower is better
        )


class PostgresBackend(Backend):
    """A tsvector per article (title A, lead B, body C), each text in the configuration of
    its language: the original's and its translations'; a GIN index; ts_rank ranks."""

    def write(self, articles: Sequence[Article]) -> None:
        # Rows by their number of texts: one statement each, many rows.
        rows: dict[int, list[list[Any]]] = {}
        for article in articles:
            texts = indexed_texts(article)
            params: list[Any] = [article.pk]
            for text in texts:
                config = CONFIGS.get(text.language, "simple")
                # PostgreSQL text cannot hold NUL.
                for value in (text.title, text.lead, text.body):
                    params += [config, value.replace("\x00", "")]
            rows.setdefault(len(texts), []).append(params)
        with connection.cursor() as cursor:
            for count, batch in rows.items():
                versions = " || ".join([_POSTGRES_VERSION] * count)
                cursor.executemany(_POSTGRES_WRITE.format(versions=versions), batch)

    def prepare(self) -> None:
        with connection.cursor() as cursor:
            # Asked first: CREATE INDEX, even IF NOT EXISTS, fails in a transaction that
            # has just written articles (pending foreign key checks).
            cursor.execute("SELECT to_regclass('search_article_filter')")
            if cursor.fetchone()[0] is None:
                cursor.execute(
                    "CREATE INDEX search_article_filter "
                    f"ON {ARTICLE} (id) INCLUDE ({FILTER_COLUMNS})"
                )

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {DOCUMENT}")

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            ArticleDocument.objects.filter(article_id__in=ids).delete()

    def unindexed_ids(self) -> list[int]:
        return list(
            Article.objects.exclude(pk__in=ArticleDocument.objects.values("article_id"))
            .values_list("pk", flat=True)
            .order_by("pk")
        )

    def orphans_delete(self) -> int:
        # The foreign key keeps documents and articles together.
        return 0

    def match(self, query: Query) -> Match:
        words = self._tsquery(query, phrases=False)
        exact = self._tsquery(query, phrases=True)
        phrases = any(len(unit) > 1 for unit in query.units)
        # The GIN index gives the articles holding every word: exact, read from the index
        # alone. A phrase is then checked in the documents of those articles, newest first,
        # only as far as the candidates need (a phrase of common words costs a document read
        # per article holding them all).
        where, where_params = "TRUE", []
        if phrases:
            where = (
                f"EXISTS (SELECT 1 FROM {DOCUMENT} d "  # noqa: S608
                f"WHERE d.article_id = a.id AND d.document @@ {exact[0]})"
            )
            where_params = list(exact[1])
        return Match(
            # The ids sorted newest first before the join, so that the join stops after the
            # candidates: a word in half of 100,000 articles costs a thousand look-ups of
            # articles, not 50,000 (see migration 0001's function).
            join=(
                f"(SELECT article_id FROM {MATCHES}({words[0]}) ORDER BY article_id DESC) AS m "  # noqa: S608
                f"JOIN {ARTICLE} a ON a.id = m.article_id"
            ),
            join_params=list(words[1]),
            where=where,
            where_params=where_params,
            # A subquery per candidate: one index look-up each, never a pass over the table.
            ranked=(
                f"SELECT c.id, c.published_at, (SELECT ts_rank(d.document, {exact[0]}, 1) "  # noqa: S608
                f"FROM {DOCUMENT} d WHERE d.article_id = c.id) AS score FROM candidates c"
            ),
            ranked_params=list(exact[1]),
            order="DESC",
            # Newest stored first: ids grow as articles arrive.
            newest="m.article_id DESC",
        )

    @staticmethod
    def _tsquery(query: Query, *, phrases: bool) -> tuple[str, list[Any]]:
        """The tsquery of QUERY's units (ANDed) with its params: each unit as a phrase, or as
        its words ANDed (PHRASES false)."""
        parse = "phraseto_tsquery" if phrases else "plainto_tsquery"
        parts: list[str] = []
        params: list[Any] = []
        for unit in query.units:
            text = " ".join(unit)
            if has_cyrillic(text):
                # A Russian article has Russian stems, an English one the word lower-cased:
                # either may match. A Russian stop word matches nothing and is left out.
                russian = f"{parse}('russian', %s)"
                parts.append(
                    f"(CASE WHEN numnode({russian}) = 0 THEN {russian}"
                    f" ELSE {russian} || {parse}('english', %s) END)"
                )
                params += [text] * 4
            else:
                # Latin words have English stems in both configurations.
                parts.append(f"{parse}('english', %s)")
                params.append(text)
        return "(" + " && ".join(parts) + ")", params


def backend() -> Backend:
    """The backend of the default database; other vendors have no search."""
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    if connection.vendor == "postgresql":
        return PostgresBackend()
    raise NotImplementedError(f"search supports SQLite and PostgreSQL, not {connection.vendor}")
