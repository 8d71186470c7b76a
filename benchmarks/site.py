"""Reader pages benchmark: the home, article, entity and search pages of a site with 100,000
articles, served by gunicorn on loopback under wrk, beside a bare Django view in the same run.

    python benchmarks/site.py [--rounds 3] [--duration 15] [--database postgres://...] [--json]

The database is built once (bulk inserts from the demo corpus, varied; ~1M mentions, stories,
the search index) and kept under var/bench/ (SQLite) or in the PostgreSQL database named by
--database, keyed by DATA_VERSION and the article count, so a rerun reuses it. Each round
loads every page set (bare view, home, articles, entities, searches) in turning order, with
the page cache (the default settings) and without it (NEWSDESK_PAGE_CACHE_SECONDS=0): a fresh
gunicorn each time, a warm-up, then wrk. Each page's requests per second is compared with the
bare view's of the same round and variant, minutes apart at most (the shared machine's speed
drifts over minutes). Gunicorn's output goes to var/bench/logs/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import queue
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Change it when the generated data changes: a cached database of another version is rebuilt.
DATA_VERSION = 1
BENCH_DIR = ROOT / "var" / "bench"
SOURCES = 20
ENTITIES = 2000
MENTIONS_PER_ARTICLE = 10
# Every STORY_EVERY-th text is published by STORY_COPIES sources: one story, its copies.
STORY_EVERY = 10
STORY_COPIES = 3
BATCH = 2000
# Page sets: each is loaded with its URLs in turn (a wrk Lua script rotates them).
PAGES = ("bare", "home", "article", "entity", "search")
VARIANTS = {"cached": None, "uncached": "0"}
ARTICLE_URLS = 20
ENTITY_URLS = 10
# The most mentioned entities, in this order (catalog slugs).
TOP_ENTITIES = ("country-ru", "country-us", "country-ua", "country-cn")

FIRST_NAMES = [
    ("Anna", "Анна"),
    ("Boris", "Борис"),
    ("Elena", "Елена"),
    ("Igor", "Игорь"),
    ("Maria", "Мария"),
    ("Oleg", "Олег"),
    ("Pavel", "Павел"),
    ("Sofia", "София"),
    ("Viktor", "Виктор"),
    ("Yuri", "Юрий"),
    ("Daniel", "Даниэль"),
    ("Laura", "Лаура"),
    ("Martin", "Мартин"),
    ("Nora", "Нора"),
    ("Peter", "Питер"),
    ("Kenji", "Кэндзи"),
    ("Amir", "Амир"),
    ("Lin", "Линь"),
    ("Carlos", "Карлос"),
    ("Ingrid", "Ингрид"),
]
LAST_NAMES = [
    ("Volkov", "Волков"),
    ("Sokolova", "Соколова"),
    ("Lebedev", "Лебедев"),
    ("Kozlova", "Козлова"),
    ("Novikov", "Новиков"),
    ("Morozova", "Морозова"),
    ("Hartmann", "Хартман"),
    ("Dubois", "Дюбуа"),
    ("Rossi", "Росси"),
    ("Tanaka", "Танака"),
    ("Karimov", "Каримов"),
    ("Haddad", "Хаддад"),
    ("Okafor", "Окафор"),
    ("Larsen", "Ларсен"),
    ("Moreau", "Моро"),
    ("Keller", "Келлер"),
    ("Nakamura", "Накамура"),
    ("Petrova", "Петрова"),
    ("Fischer", "Фишер"),
    ("Silva", "Силва"),
]
ORG_WORDS = [
    ("Institute", "институт"),
    ("Council", "совет"),
    ("Agency", "агентство"),
    ("Forum", "форум"),
    ("Committee", "комитет"),
    ("Union", "союз"),
    ("Foundation", "фонд"),
    ("Centre", "центр"),
]
PLACE_WORDS = [
    ("North", "Северный"),
    ("South", "Южный"),
    ("East", "Восточный"),
    ("West", "Западный"),
    ("Upper", "Верхний"),
    ("Lower", "Нижний"),
]
# Searches in both languages: common words (capped counts), phrases, entity names (filled in
# from the data: the most mentioned and a rarely mentioned one) and a word found nowhere.
SEARCHES = [
    ("en", "president"),
    ("en", "strategic stability"),
    ("en", '"joint statement"'),
    ("en", "anniversary soldiers"),
    ("en", "cooperation security council"),
    ("ru", "президент"),
    ("ru", "телефонный разговор"),
    ("ru", "сотрудничества развития"),
    ("ru", '"Великой Отечественной"'),
    ("en", "qwxzyv"),
]


# The database


def _django(settings: str = "newsdesk.config.settings") -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    django.setup()


def _entity_rows(rng: random.Random) -> list[tuple[str, str, str, str, tuple[Any, ...]]]:
    """ENTITIES (kind, name_en, name_ru, slug, aliases): the starting catalog's, then people,
    organizations and places with generated names."""
    from newsdesk.pipeline.catalog_data import seed_entities

    rows: list[tuple[str, str, str, str, tuple[Any, ...]]] = [
        (e.kind, e.name_en, e.name_ru, e.key.replace(":", "-").lower(), e.aliases)
        for e in seed_entities()
        if e.name_en and e.name_ru
    ]
    people = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(people)
    for (first_en, first_ru), (last_en, last_ru) in people:
        rows.append(("person", f"{first_en} {last_en}", f"{first_ru} {last_ru}", "", ()))
    for (word_en, word_ru), (last_en, last_ru) in (
        (word, last) for word in ORG_WORDS for last in LAST_NAMES
    ):
        rows.append(("organization", f"{last_en} {word_en}", f"{word_ru} {last_ru}", "", ()))
    number = 0
    while len(rows) < ENTITIES:
        number += 1
        (side_en, side_ru), (last_en, last_ru) = rng.choice(PLACE_WORDS), rng.choice(LAST_NAMES)
        rows.append(
            ("place", f"{side_en} {last_en} {number}", f"{side_ru} {last_ru} {number}", "", ())
        )
    return [
        (kind, name_en, name_ru, slug or f"{kind}-{index}", aliases)
        for index, (kind, name_en, name_ru, slug, aliases) in enumerate(rows[:ENTITIES])
    ]


def build(articles_wanted: int) -> dict[str, Any]:
    """Fill the migrated, empty database with the benchmark's site and index it for search."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from newsdesk.demo.corpus import corpus_articles
    from newsdesk.news.models import Article, Entity, EntityAlias, Mention, Story
    from newsdesk.sources.models import Source

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(DATA_VERSION)  # noqa: S311 (made-up data, not secrets)
    texts = {lang: [a for a in corpus_articles() if a.language == lang] for lang in ("en", "ru")}
    sources = {"en": [], "ru": []}  # type: dict[str, list[Source]]
    for number in range(SOURCES):
        language = "en" if number % 2 == 0 else "ru"
        sources[language].append(
            Source.objects.create(
                name=f"Bench wire {number}",
                slug=f"bench-wire-{number}",
                url=f"https://wire{number}.bench.example/feed.xml",
                homepage=f"https://wire{number}.bench.example/",
                language=language,
                rights_holder=f"Bench wire {number}",
                rights_statement="Public domain (benchmark data).",
                license_name="Public domain",
            )
        )
    rows = _entity_rows(rng)
    entities = Entity.objects.bulk_create(
        Entity(kind=kind, name_en=name_en, name_ru=name_ru, slug=slug)
        for kind, name_en, name_ru, slug, _aliases in rows
    )
    EntityAlias.objects.bulk_create(
        (
            EntityAlias(entity=entity, name=name, normalized=name.lower(), language=language)
            for entity, (*_names, aliases) in zip(entities, rows, strict=True)
            for name, language in aliases
        ),
        ignore_conflicts=True,
    )
    # A few entities are in most articles, most in a few (as "Russia" and a mayor are).
    ranked = list(entities)
    rng.shuffle(ranked)
    ranked.sort(key=lambda e: TOP_ENTITIES.index(e.slug) if e.slug in TOP_ENTITIES else 99)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(ranked))]
    cumulative = list(_accumulate(weights))
    now = timezone.now().replace(microsecond=0)
    span = timedelta(days=730) / articles_wanted
    made = 0
    text_no = 0
    while made < articles_wanted:
        batch: list[Article] = []
        picks: list[list[Any]] = []
        stories: list[Story] = []
        copies_of: list[list[Article]] = []
        while len(batch) < BATCH and made + len(batch) < articles_wanted:
            language = "en" if text_no % 2 == 0 else "ru"
            base = texts[language][text_no // 2 % len(texts[language])]
            chosen = _pick_entities(rng, ranked, cumulative)
            title, lead, paragraphs, spans = _article_text(rng, base, chosen, language, texts)
            published = now - span * (made + len(batch)) - timedelta(minutes=rng.randint(0, 59))
            copies = STORY_COPIES if text_no % STORY_EVERY == 0 else 1
            copies = min(copies, articles_wanted - made - len(batch))
            group = []
            for copy in range(copies):
                source = sources[language][(text_no + copy * 3) % len(sources[language])]
                article = Article(
                    source=source,
                    canonical_url=f"https://{source.slug}.bench.example/{text_no}/{copy}",
                    link=f"https://{source.slug}.bench.example/{text_no}/{copy}",
                    language=language,
                    language_confidence=0.99,
                    enriched_at=published,
                    title=title,
                    lead=lead,
                    paragraphs=paragraphs,
                    authors=[base.byline] if base.byline else [],
                    byline=base.byline,
                    published_at=published + timedelta(minutes=7 * copy),
                    fetched_at=published + timedelta(minutes=7 * copy + 3),
                    rights_holder=source.rights_holder,
                    rights_statement=source.rights_statement,
                    license_name=source.license_name,
                    content_hash=f"{text_no:032x}{copy:032x}",
                )
                batch.append(article)
                picks.append(spans)
                group.append(article)
            if copies > 1:
                stories.append(Story(title=title))
                copies_of.append(group)
            text_no += 1
        with transaction.atomic():
            Story.objects.bulk_create(stories)
            for story, group in zip(stories, copies_of, strict=True):
                for article in group:
                    article.story = story
            Article.objects.bulk_create(batch)
            for story, group in zip(stories, copies_of, strict=True):
                story.canonical_article = group[0]
            Story.objects.bulk_update(stories, ["canonical_article"])
            Mention.objects.bulk_create(
                Mention(
                    article=article,
                    entity=entity,
                    surface=surface,
                    field=field,
                    start=start,
                    end=end,
                    language=article.language,
                )
                for article, spans in zip(batch, picks, strict=True)
                for entity, surface, field, start, end in spans
            )
        made += len(batch)
        print(f"\r  {made} articles", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    built = time.monotonic() - started
    index_seconds = _search_index()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    Source.objects.create(
        name="(benchmark data complete)",
        slug=_marker(articles_wanted),
        url=f"https://marker.bench.example/{_marker(articles_wanted)}",
        enabled=False,
    )
    return {
        "articles": Article.objects.count(),
        "mentions": Mention.objects.count(),
        "stories": Story.objects.count(),
        "entities": Entity.objects.count(),
        "build_seconds": round(built, 1),
        "index_seconds": index_seconds,
    }


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def _pick_entities(rng: random.Random, entities: list[Any], cumulative: list[float]) -> list[Any]:
    """About MENTIONS_PER_ARTICLE distinct entities, the popular ones more often."""
    wanted = rng.randint(MENTIONS_PER_ARTICLE - 3, MENTIONS_PER_ARTICLE + 2)
    chosen = dict.fromkeys(rng.choices(entities, cum_weights=cumulative, k=wanted + 4))
    return list(chosen)[:wanted]


def _article_text(
    rng: random.Random,
    base: Any,
    chosen: list[Any],
    language: str,
    texts: dict[str, list[Any]],
) -> tuple[str, str, list[dict[str, str]], list[tuple[Any, str, str, int, int]]]:
    """A variant of BASE naming the CHOSEN entities: title, lead, paragraphs, and the
    mentions' (entity, surface, field, start, end) in Article.text offsets."""
    name = "name_ru" if language == "ru" else "name_en"
    top = getattr(chosen[0], name)
    title = f"{top}: {base.title}"
    body = list(base.paragraphs)
    if len(body) > 3:
        start = rng.randrange(0, len(body) - 2)
        body = body[start:] + body[:start]
        body = body[: max(3, int(len(body) * rng.uniform(0.6, 1.0)))]
    other = rng.choice(texts[language])
    if other.paragraphs:
        body.append(rng.choice(other.paragraphs))
    label = "Упоминаются: " if language == "ru" else "Also in this article: "
    names = [getattr(entity, name) for entity in chosen]
    body.append(label + ", ".join(names) + ".")
    paragraphs = [{"role": "paragraph", "text": text} for text in body]
    spans: list[tuple[Any, str, str, int, int]] = [(chosen[0], top, "title", 0, len(top))]
    offset = len("\n\n".join(body[:-1])) + 2 + len(label)
    for entity, surface in zip(chosen, names, strict=True):
        spans.append((entity, surface, "body", offset, offset + len(surface)))
        offset += len(surface) + 2
    return title, base.lead, paragraphs, spans


def _search_index() -> float | None:
    """Index every article for search when the search app is there; its time in seconds."""
    try:
        from newsdesk.search.index import index_rebuild
    except ImportError:
        return None
    started = time.monotonic()
    index_rebuild()
    return round(time.monotonic() - started, 1)


def _marker(articles: int) -> str:
    return f"bench-data-v{DATA_VERSION}-{articles}"


def targets(articles: int) -> dict[str, list[str]]:
    """The URLs of each page set, chosen from the built data (the same on every run)."""
    from django.db.models import Count, F, Q

    from newsdesk.news.models import Article, Entity

    rng = random.Random(DATA_VERSION)  # noqa: S311 (a fixed choice of pages)
    listed = list(
        Article.objects.filter(Q(story__isnull=True) | Q(story__canonical_article=F("pk")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    in_stories = list(
        Article.objects.filter(story__canonical_article=F("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    article_ids = rng.sample(listed, ARTICLE_URLS - 5) + rng.sample(in_stories, 5)
    by_mentions = list(
        Entity.objects.annotate(n=Count("mentions")).order_by("-n").values_list("slug", "n")
    )
    # The most mentioned entities (tens of thousands of articles), and some from the rest.
    slugs = [slug for slug, _n in by_mentions[:3]] + [
        slug for slug, _n in rng.sample(by_mentions[3:], ENTITY_URLS - 3)
    ]
    top, rare = (
        Entity.objects.get(slug=by_mentions[0][0]),
        Entity.objects.get(slug=by_mentions[len(by_mentions) // 2][0]),
    )
    searches = [
        *SEARCHES,
        ("en", top.name_en),
        ("ru", rare.name_ru),
    ]
    from urllib.parse import urlencode

    return {
        "bare": ["/bare/"],
        "home": ["/en/", "/ru/"],
        "article": [
            f"/{'en' if i % 2 else 'ru'}/articles/{pk}/" for i, pk in enumerate(article_ids)
        ],
        "entity": [f"/en/entities/{slug}/" for slug in slugs],
        "search": [f"/{lang}/search/?{urlencode({'q': q})}" for lang, q in searches],
    }


def worker(args: argparse.Namespace) -> None:
    """In the benchmark's database: build it (--build) or list the URLs (--targets), as JSON."""
    _django()
    if args.worker == "build":
        result: Any = build(args.articles)
    else:
        result = targets(args.articles)
    print(json.dumps(result))


# The driver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(database: str | None, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of the builder and servers: the embedded default unless --database."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(NEWSDESK_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT), **extra)
    env.pop("NEWSDESK_PAGE_CACHE_SECONDS", None)
    if database:
        env["DATABASE_URL"] = database
    return env


def _run_worker(kind: str, *, env: dict[str, str], articles: int) -> Any:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--articles", str(articles)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"site.py: the {kind} step failed (see above)")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _postgres_ready(database: str, articles: int) -> bool:
    """Whether the PostgreSQL database holds a complete build of this version (it is
    dropped and made again otherwise)."""
    import psycopg

    name = database.rsplit("/", 1)[1].split("?")[0]
    admin = database.rsplit("/", 1)[0] + "/postgres"
    with (
        contextlib.suppress(psycopg.OperationalError, psycopg.errors.UndefinedTable),
        psycopg.connect(database) as conn,
    ):
        marker = "SELECT 1 FROM sources_source WHERE slug = %s"
        if conn.execute(marker, [_marker(articles)]).fetchone():
            return True
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return False


def prepare(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, Any] | None]:
    """The environment of a server of the benchmark's database, building it if needed."""
    if args.database:
        data_dir = BENCH_DIR / "data-postgres"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = _env(args.database, data_dir)
        if _postgres_ready(args.database, args.articles):
            return env, None
        print(f"Building {args.articles} articles in {args.database} ...", file=sys.stderr)
        return env, _run_worker("build", env=env, articles=args.articles)
    # SQLite: the data folder holds newsdesk.sqlite3, as the embedded default runs it.
    data_dir = BENCH_DIR / f"sqlite-{_marker(args.articles)}"
    if (data_dir / "newsdesk.sqlite3").exists():
        env = _env(None, data_dir)
        # Migrations added since the build are applied (the data stays).
        subprocess.run([sys.executable, "-m", "newsdesk", "migrate", "-v0"], env=env, check=True)
        return env, None
    building = BENCH_DIR / f"building-{_marker(args.articles)}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    print(f"Building {args.articles} articles in {data_dir} ...", file=sys.stderr)
    info = _run_worker("build", env=_env(None, building), articles=args.articles)
    for leftover in ("newsdesk.sqlite3-wal", "newsdesk.sqlite3-shm"):
        (building / leftover).unlink(missing_ok=True)
    building.rename(data_dir)
    return _env(None, data_dir), info


@contextlib.contextmanager
def server(
    env: dict[str, str], *, workers: int, cache_seconds: str | None, log: Path
) -> Iterator[str]:
    """Gunicorn with sync workers serving the benchmark's URLs on a loopback port; what it
    prints goes to LOG."""
    port = _free_port()
    env = dict(env, DJANGO_SETTINGS_MODULE="benchmarks.bench_settings")
    if cache_seconds is not None:
        env["NEWSDESK_PAGE_CACHE_SECONDS"] = cache_seconds
    log.parent.mkdir(parents=True, exist_ok=True)
    log_file = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsdesk.config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--log-level=warning",
            # Stopping waits this long for the requests in progress.
            "--graceful-timeout=2",
        ],
        env=env,
        cwd=ROOT,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{base}/bare/", timeout=5) as response,  # noqa: S310
            ):
                if response.status == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("site.py: gunicorn did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


def warm_up(
    base: str, paths: list[str], *, passes: int, threads: int, limit: float
) -> dict[str, float]:
    """Request every path PASSES times from THREADS threads, so that no request waits in a
    queue; stop after LIMIT seconds. The median time of one request alone, and failures."""
    jobs: queue.SimpleQueue[str] = queue.SimpleQueue()
    for _ in range(passes):
        for path in paths:
            jobs.put(path)
    deadline = time.monotonic() + limit
    times: list[float] = []
    failed: list[str] = []

    def run() -> None:
        while time.monotonic() < deadline:
            try:
                path = jobs.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(base + path, timeout=60) as response:  # noqa: S310
                    response.read()
                times.append((time.perf_counter() - started) * 1000)
            except OSError:
                failed.append(path)

    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(run)
    return {
        "alone_ms": statistics.median(times) if times else float("nan"),
        "alone_failed": len(failed),
    }


LUA = """
local paths = {%(paths)s}
local n = #paths
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% n) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d,'
    .. ' "write": %%d, "status": %%d, "timeout": %%d, "p50": %%d, "p90": %%d, "p95": %%d,'
    .. ' "p99": %%d, "max": %%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def load(
    wrk: str,
    base: str,
    paths: list[str],
    *,
    seconds: float,
    args: argparse.Namespace,
    connections: int | None = None,
) -> dict[str, float]:
    """Load BASE with wrk, PATHS in turn, for SECONDS; requests/s and latencies in ms. Over
    CONNECTIONS (one thread each, at most args.threads), or args.connections."""
    connections = connections or args.connections
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"paths": ", ".join(json.dumps(p) for p in paths)})
    try:
        out = subprocess.run(
            [
                wrk,
                f"--threads={min(args.threads, connections)}",
                f"--connections={connections}",
                f"--duration={max(1, round(seconds))}s",
                "--timeout=10s",
                "--latency",
                f"--script={script.name}",
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    line = next(li for li in out.stdout.splitlines() if li.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    seconds_run = raw["duration_us"] / 1e6
    return {
        "rps": raw["requests"] / seconds_run,
        "requests": raw["requests"],
        "kb_per_response": raw["bytes"] / max(1, raw["requests"]) / 1024,
        "errors": raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        "non_2xx_3xx": raw["status"],
        **{p: raw[p] / 1000 for p in ("p50", "p90", "p95", "p99", "max")},
    }


def driver(args: argparse.Namespace) -> None:
    """Build or reuse the database, then serve and load it in rounds; print the report."""
    wrk = shutil.which("wrk")
    if wrk is None:
        print("site.py: wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        raise SystemExit(2)
    env, built = prepare(args)
    if args.cache_url:
        env["NEWSDESK_CACHE_URL"] = args.cache_url
    urls = _run_worker("targets", env=env, articles=args.articles)
    results: dict[str, dict[str, list[dict[str, float]]]] = {
        variant: {page: [] for page in PAGES} for variant in args.variants
    }
    for round_no in range(args.rounds):
        # Turning order, for the variants and the pages: no page is always first or last.
        variants = args.variants[round_no % len(args.variants) :]
        variants += args.variants[: round_no % len(args.variants)]
        shift = round_no % len(PAGES)
        for variant in variants:
            for page in PAGES[shift:] + PAGES[:shift]:
                # A server of its own for each page set: a slow page's queued requests
                # are not inherited by the next measurement.
                log = BENCH_DIR / "logs" / f"round{round_no + 1}-{variant}-{page}.log"
                with server(
                    env, workers=args.workers, cache_seconds=VARIANTS[variant], log=log
                ) as base:
                    # Every URL a few times per worker (the cached variant: each worker's
                    # memory then holds every page), from as many threads as workers.
                    passes = 2 * args.workers if variant == "cached" else 1
                    renders = warm_up(
                        base, urls[page], passes=passes, threads=args.workers, limit=args.warmup
                    )
                    alone: dict[str, float] = {}
                    if page == "search" and variant == "uncached":
                        # What one reader waits for a search nobody made before: one
                        # connection, every search rendered anew. Before the full load,
                        # whose queued requests would still be ahead of it.
                        alone = load(
                            wrk, base, urls[page], seconds=args.duration, args=args, connections=1
                        )
                    measured = load(wrk, base, urls[page], seconds=args.duration, args=args)
                    if alone:
                        measured.update({f"one_{k}": alone[k] for k in ("p50", "p95", "p99")})
                measured.update(renders)
                # Requests that took gunicorn's 30 s: their worker was killed.
                measured["worker_timeouts"] = log.read_text().count("WORKER TIMEOUT")
                results[variant][page].append(measured)
                print(
                    f"  round {round_no + 1} {variant:<8} {page:<8} "
                    f"{measured['rps']:8.1f} req/s  p99 {measured['p99']:8.1f} ms  "
                    f"(one request alone: {measured['alone_ms']:.0f} ms median, "
                    f"{measured['alone_failed']:.0f} failed; "
                    f"{measured['worker_timeouts']} worker timeouts)",
                    file=sys.stderr,
                )
    summary = summarize(results)
    document = {
        "articles": args.articles,
        "database": "postgresql" if args.database else "sqlite",
        "cache": "redis" if args.cache_url else "locmem",
        "workers": args.workers,
        "connections": args.connections,
        "threads": args.threads,
        "duration": args.duration,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "built": built,
        "urls": urls,
        "summary": summary,
        "runs": results,
    }
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        report(document)


def summarize(
    results: dict[str, dict[str, list[dict[str, float]]]],
) -> dict[str, dict[str, dict[str, float]]]:
    """Medians over rounds, and each page's requests/s over the bare view's of its round."""
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for variant, pages in results.items():
        summary[variant] = {}
        for page, runs in pages.items():
            ratios = [
                run["rps"] / bare["rps"] for run, bare in zip(runs, pages["bare"], strict=True)
            ]
            summary[variant][page] = {
                **{
                    key: statistics.median(run[key] for run in runs)
                    for key in ("rps", "p50", "p90", "p95", "p99", "kb_per_response")
                },
                "ratio": statistics.median(ratios),
                "ratio_min": min(ratios),
                "ratio_max": max(ratios),
                "errors": sum(run["errors"] + run["non_2xx_3xx"] for run in runs),
                "alone_ms": _median_or_nan([run["alone_ms"] for run in runs]),
                "alone_failed": sum(run["alone_failed"] for run in runs),
                "worker_timeouts": sum(run.get("worker_timeouts", 0) for run in runs),
            }
            if runs and all("one_p95" in run for run in runs):
                for key in ("one_p50", "one_p95", "one_p99"):
                    summary[variant][page][key] = statistics.median(run[key] for run in runs)
    return summary


def _median_or_nan(values: list[float]) -> float:
    numbers = [v for v in values if not math.isnan(v)]
    return statistics.median(numbers) if numbers else math.nan


def report(document: dict[str, Any]) -> None:
    """The table per variant and whether the goals are met."""
    print(
        f"{document['articles']} articles on {document['database']}, page cache in "
        f"{document['cache']}; gunicorn {document['workers']} sync workers; wrk "
        f"{document['threads']} threads, {document['connections']} connections, "
        f"{document['duration']} s per page set; {document['rounds']} rounds; "
        f"{document['cpus']} CPUs"
    )
    for variant, pages in document["summary"].items():
        print(f"\n{variant}")
        print(
            f"{'page':<9}{'req/s':>9}{'× bare':>8}{'(range)':>13}"
            f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'KB':>7}{'errors':>8}{'killed':>8}"
            f"{'alone ms':>10}"
        )
        for page, row in pages.items():
            span = f"{row['ratio_min']:.2f}–{row['ratio_max']:.2f}"
            print(
                f"{page:<9}{row['rps']:>9.0f}{row['ratio']:>8.2f}{span:>13}"
                f"{row['p50']:>9.1f}{row['p95']:>9.1f}{row['p99']:>9.1f}"
                f"{row['kb_per_response']:>7.1f}{row['errors']:>8.0f}"
                f"{row.get('worker_timeouts', 0):>8.0f}{row['alone_ms']:>10.0f}"
            )
        for page, row in pages.items():
            if "one_p95" in row:
                print(
                    f"{page}, one connection: p50 {row['one_p50']:.1f} ms, "
                    f"p95 {row['one_p95']:.1f} ms, p99 {row['one_p99']:.1f} ms"
                )
    print()
    for line in goals(document["summary"]):
        print(line)


def goals(summary: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """The issue's goals, each with its verdict."""
    lines = []
    cached = summary.get("cached")
    if cached:
        for page in ("home", "article", "entity", "search"):
            row = cached[page]
            ok = row["ratio"] >= 0.5 and row["p99"] < 100
            lines.append(
                f"goal cached {page}: ≥ 0.50 × bare and p99 < 100 ms: "
                f"{row['ratio']:.2f} ×, p99 {row['p99']:.1f} ms: {'met' if ok else 'NOT met'}"
            )
    for variant, pages in summary.items():
        row = pages["search"]
        ok = row["p95"] < 100
        lines.append(
            f"goal search p95 < 100 ms ({variant}, at the wrk connections): "
            f"{row['p95']:.1f} ms: {'met' if ok else 'NOT met'}"
        )
        if "one_p95" in row:
            ok = row["one_p95"] < 100
            lines.append(
                f"goal search p95 < 100 ms ({variant}, one reader at a time): "
                f"{row['one_p95']:.1f} ms: {'met' if ok else 'NOT met'}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument(
        "--database",
        help="a PostgreSQL URL to build and use (e.g. postgres://postgres@127.0.0.1:5432/"
        "newsdesk_bench; it is dropped and rebuilt when it holds no complete build); "
        "default: SQLite under var/bench/",
    )
    parser.add_argument("--cache-url", help="NEWSDESK_CACHE_URL of the servers (default: memory)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=15, help="seconds per page set")
    parser.add_argument(
        "--warmup", type=float, default=60, help="longest warm-up of a page set, seconds"
    )
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--workers", type=int, default=(os.cpu_count() or 1) + 1, help="gunicorn sync workers"
    )
    parser.add_argument(
        "--variants",
        type=lambda text: [v for v in text.split(",") if v],
        default=list(VARIANTS),
        help="cached,uncached (default both)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--worker", choices=("build", "targets"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
    else:
        unknown = set(args.variants) - set(VARIANTS)
        if unknown:
            parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
        driver(args)


if __name__ == "__main__":
    main()
