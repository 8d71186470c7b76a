"""Ingest benchmark: our extract stage and the whole ingest against bare trafilatura.

    python benchmarks/ingest.py [--rounds 5] [--pages realworld|corpus] [--copies N]

Each measurement runs in its own subprocess (so peak memory is its own), rounds interleave
the three in turning order, and the report gives medians per page and the ratios that
matter: our extract stage and the whole ingest (feed → fetched page → extracted →
deduplicated → stored in SQLite) per article, against bare trafilatura.extract on the same
pages. The shared machine's speed drifts by a third over minutes, so each ratio compares a
stage with bare trafilatura run in the same process right after it, seconds apart; the
report gives the median over rounds and their range.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STAGES = ("bare", "extract", "ingest")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _html_files(folders: list[Path]) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*.html"))


def stage_bare(pages: list[Path]) -> dict[str, float]:
    """Bare trafilatura.extract with its defaults, as a user of the library would call it."""
    import trafilatura

    html = [p.read_text(encoding="utf-8", errors="replace") for p in pages]
    started, cpu = time.perf_counter(), time.process_time()
    for text in html:
        trafilatura.extract(text)
    return _timing(started, cpu, pages=len(html))


def stage_extract(pages: list[Path]) -> dict[str, float]:
    """Our extract stage: text, paragraphs with roles, metadata, credits, canonical URL."""
    _django()
    from newsdesk.pipeline.extract import ExtractError, extract_article

    raw = [p.read_bytes() for p in pages]
    started, cpu = time.perf_counter(), time.process_time()
    for index, content in enumerate(raw):
        with contextlib.suppress(ExtractError):
            extract_article(content, url=f"https://bench.example/{index}.html")
    return _timing(started, cpu, pages=len(raw))


def stage_ingest(site: Path, port: int) -> dict[str, float]:
    """The whole ingest of every feed served from SITE over HTTP into a fresh SQLite database."""
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from newsdesk.news.models import Article
    from newsdesk.sources.models import Source
    from newsdesk.sources.services import source_ingest

    sources = [
        Source.objects.create(
            name=feed.stem, slug=feed.stem, url=f"http://127.0.0.1:{port}/{feed.name}"
        )
        for feed in sorted(site.glob("feed-*.xml"))
    ]
    started, cpu = time.perf_counter(), time.process_time()
    for source in sources:
        report = source_ingest(source=source)
        if report.failed:
            raise SystemExit(f"ingest failed: {report.errors[:3]}")
    timing = _timing(started, cpu, pages=len(list(site.glob("pages/*.html"))))
    timing["stored"] = Article.objects.count()
    return timing


def _timing(started: float, cpu: float, *, pages: int) -> dict[str, float]:
    """Wall-clock and CPU seconds since STARTED / CPU, and how many pages they covered.

    CPU time is this process's own work: the ingest's wait for the origin server (another
    process, serving pages from disk) is in the wall-clock time only.
    """
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "pages": pages,
    }


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.config.settings")
    django.setup()


# Pages each stage extracts before it is timed: a worker runs for days, so the first calls'
# costs (imports, caches, compiled expressions) are not a per-article cost.
WARM_UP_PAGES = 5


def _warm_up(pages: list[Path], *, stage: str) -> None:
    """Extract a few pages as the stage will, and untimed."""
    if stage == "bare":
        import trafilatura

        for page in pages:
            trafilatura.extract(page.read_text(encoding="utf-8", errors="replace"))
        return
    _django()
    from newsdesk.pipeline.dedup import article_signatures
    from newsdesk.pipeline.extract import ExtractError, extract_article

    for index, page in enumerate(pages):
        with contextlib.suppress(ExtractError):
            article = extract_article(page.read_bytes(), url=f"https://warm.example/{index}")
            text = "\n\n".join(p.text for p in article.paragraphs)
            article_signatures(title=article.title, lead=article.lead, text=text)


def worker(args: argparse.Namespace) -> None:
    """Run one stage and print its timing and this process's peak memory as JSON."""
    site = Path(args.site)
    _warm_up(_html_files([site / "pages"])[:WARM_UP_PAGES], stage=args.stage)
    if args.stage == "bare":
        result = stage_bare(_html_files([site / "pages"]))
    elif args.stage == "extract":
        result = stage_extract(_html_files([site / "pages"]))
    else:
        result = stage_ingest(site, args.port)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.stage != "bare":
        # Bare trafilatura again, in this process right after the stage: the machine's speed
        # drifts by a third over minutes, and the ratio of two runs seconds apart does not.
        beside = stage_bare(_html_files([site / "pages"]))
        result["bare_seconds"], result["bare_cpu"] = beside["seconds"], beside["cpu"]
    print(json.dumps(result))


def driver(args: argparse.Namespace) -> None:
    """Build the page set, serve it, run the stages in interleaved rounds, print the report."""
    from benchmarks.pages import (
        origin_server,
        write_feed,
        write_pages,
        write_plain_feed,
        write_realworld,
    )

    work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    try:
        pages_dir = work / "site" / "pages"
        port = _free_port()
        base = f"http://127.0.0.1:{port}/pages"
        if args.pages == "corpus":
            written = write_pages(pages_dir, copies=args.copies)
            for layout in range(args.copies):
                subset = [w for w in written if w[0].endswith(f"-{layout}.html")]
                write_feed(work / "site", name=f"feed-{layout}.xml", pages=subset, base=base)
        else:
            sets = write_realworld(
                pages_dir, copies=args.copies, snippets=args.pages == "realworld-all"
            )
            for copy, subset in enumerate(sets):
                write_plain_feed(work / "site", name=f"feed-{copy}.xml", pages=subset, base=base)
        server = origin_server(work / "site", port=port)
        results: dict[str, list[dict[str, float]]] = {s: [] for s in STAGES}
        try:
            for round_no in range(args.rounds):
                # The order turns each round: the machine's speed drifts over minutes, and
                # no stage should always run first or last.
                shift = round_no % len(STAGES)
                for stage in STAGES[shift:] + STAGES[:shift]:
                    data_dir = work / f"data-{stage}-{round_no}"
                    env = {
                        **os.environ,
                        "NEWSDESK_DATA_DIR": str(data_dir),
                        "NEWSDESK_FETCH_ALLOW": "127.0.0.1",
                        "NEWSDESK_HOST_DELAY": "0",
                        "NEWSDESK_OBEY_ROBOTS": "0",
                    }
                    env.pop("DATABASE_URL", None)
                    env.pop("CELERY_BROKER_URL", None)
                    out = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--worker",
                            stage,
                            "--site",
                            str(work / "site"),
                            "--port",
                            str(port),
                        ],
                        env=env,
                        capture_output=True,
                        text=True,
                        check=False,
                    )
                    if out.returncode:
                        raise SystemExit(f"stage {stage} failed:\n{out.stderr[-2000:]}")
                    results[stage].append(json.loads(out.stdout.strip().splitlines()[-1]))
        finally:
            server.terminate()
        report(results, pages=len(_html_files([pages_dir])), label=args.pages)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(results: dict[str, list[dict[str, float]]], *, pages: int, label: str) -> None:
    """Medians per page (wall clock and CPU), ratios against bare trafilatura, peak memory."""
    wall = {
        stage: statistics.median(r["seconds"] / r["pages"] for r in runs)
        for stage, runs in results.items()
    }
    cpu = {
        stage: statistics.median(r["cpu"] / r["pages"] for r in runs)
        for stage, runs in results.items()
    }
    stored = int(results["ingest"][-1]["stored"])
    rounds = len(results["bare"])
    print(f"{label}: {pages} pages, {rounds} rounds; articles stored by the ingest: {stored}")
    print(
        f"{'stage':<9}{'ms/page':>9}{'pages/s':>9}{'× bare':>8}{'(range)':>13}"
        f"{'cpu ms':>9}{'cpu × bare':>12}{'(range)':>13}{'peak MB':>9}"
    )
    for stage in STAGES:
        ms, cpu_ms = wall[stage] * 1000, cpu[stage] * 1000
        peak = max(r["peak_rss_mb"] for r in results[stage])
        wall_ratio, wall_range = _round_ratios(results, stage, "seconds")
        cpu_ratio, cpu_range = _round_ratios(results, stage, "cpu")
        print(
            f"{stage:<9}{ms:>9.1f}{1000 / ms:>9.1f}{wall_ratio:>8.2f}{wall_range:>13}"
            f"{cpu_ms:>9.1f}{cpu_ratio:>12.2f}{cpu_range:>13}{peak:>9.0f}"
        )


def _round_ratios(
    results: dict[str, list[dict[str, float]]], stage: str, key: str
) -> tuple[float, str]:
    """The median over rounds of STAGE's time against bare trafilatura's on the same pages in
    the same process right after it, and the range of those ratios."""
    ratios = [run[key] / run.get(f"bare_{key}", run[key]) for run in results[stage]]
    return statistics.median(ratios), f"{min(ratios):.2f}–{max(ratios):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--pages",
        choices=("realworld", "realworld-all", "corpus"),
        default="realworld",
        help="real news pages (tests/pipeline/fixtures/realworld; realworld-all adds the 81 "
        "real pages of realworld-snippets), or the demo corpus in news-site layouts",
    )
    parser.add_argument(
        "--copies", type=int, default=10, help="sites serving the set (layouts for corpus)"
    )
    parser.add_argument("--worker", choices=STAGES, dest="stage", help=argparse.SUPPRESS)
    parser.add_argument("--site", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        worker(args)
    else:
        driver(args)


if __name__ == "__main__":
    main()
