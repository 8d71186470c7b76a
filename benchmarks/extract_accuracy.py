"""Text accuracy of extract_article against bare trafilatura on real pages with true text.

Each page is a folder holding source.html, truth.txt (the article text a reader reads) and
optionally meta.json (its "url" is passed to the extractors). Run:

    python benchmarks/extract_accuracy.py [FOLDER ...]

Without folders it reads tests/pipeline/fixtures/realworld. Accuracy is token F1: tokens
are the lower-cased \\w+ words; precision and recall count words with multiplicity.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT / "tests" / "pipeline" / "fixtures" / "realworld"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Page:
    """One real page and the text a reader reads on it."""

    name: str
    html: bytes
    truth: str
    url: str


@dataclass(frozen=True, slots=True)
class Score:
    """Bag-of-words precision, recall and F1 of an extraction against the true text."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class Result:
    """Both extractors' scores on one page."""

    name: str
    ours: Score
    bare: Score


def token_f1(candidate: str, truth: str) -> Score:
    """Precision, recall and F1 of CANDIDATE's words against TRUTH's, counted with multiplicity."""
    got = Counter(_WORD.findall(candidate.lower()))
    want = Counter(_WORD.findall(truth.lower()))
    overlap = sum((got & want).values())
    if not overlap:
        return Score(0.0, 0.0, 0.0)
    precision = overlap / sum(got.values())
    recall = overlap / sum(want.values())
    return Score(precision, recall, 2 * precision * recall / (precision + recall))


def load_pages(folder: Path) -> list[Page]:
    """Every page folder under FOLDER that has source.html and truth.txt, by name."""
    pages = []
    for source in sorted(folder.rglob("source.html")):
        truth = source.with_name("truth.txt")
        if not truth.is_file():
            continue
        meta_file = source.with_name("meta.json")
        meta = json.loads(meta_file.read_text("utf-8")) if meta_file.is_file() else {}
        name = str(source.parent.relative_to(folder))
        url = meta.get("url") or f"https://example.invalid/{name}"
        pages.append(Page(name, source.read_bytes(), truth.read_text("utf-8"), url))
    return pages


def ours_text(page: Page) -> str:
    """The `text` field newsdesk gives for the page ("" when it finds no article)."""
    # Imported here so that the module loads (for token_f1) without newsdesk's dependencies.
    from newsdesk.pipeline.extract import ExtractError, extract_article

    try:
        return extract_article(page.html, url=page.url).text
    except ExtractError:
        return ""


def bare_text(page: Page) -> str:
    """What bare trafilatura.extract gives for the page with its default options."""
    return trafilatura.extract(page.html) or ""


def measure(pages: list[Page]) -> list[Result]:
    """Score both extractors on every page."""
    return [
        Result(
            page.name, token_f1(ours_text(page), page.truth), token_f1(bare_text(page), page.truth)
        )
        for page in pages
    ]


def mean(values: list[float]) -> float:
    """The arithmetic mean (0 for no values)."""
    return sum(values) / len(values) if values else 0.0


def report(results: list[Result]) -> str:
    """A per-page table with the means and how many pages newsdesk does worse on."""
    lines = [f"{'page':44} {'ours P/R/F1':>20} {'trafilatura P/R/F1':>20} {'diff':>7}"]
    for r in results:
        lines.append(
            f"{r.name[:44]:44} {r.ours.precision:6.3f}{r.ours.recall:7.3f}{r.ours.f1:7.3f}"
            f" {r.bare.precision:6.3f}{r.bare.recall:7.3f}{r.bare.f1:7.3f}"
            f" {r.ours.f1 - r.bare.f1:+7.3f}"
        )
    ours = mean([r.ours.f1 for r in results])
    bare = mean([r.bare.f1 for r in results])
    worse = sum(1 for r in results if r.ours.f1 < r.bare.f1 - 1e-9)
    better = sum(1 for r in results if r.ours.f1 > r.bare.f1 + 1e-9)
    lines.append(
        f"pages: {len(results)}  mean F1 newsdesk: {ours:.4f}  bare trafilatura: {bare:.4f}  "
        f"newsdesk better on {better}, worse on {worse}"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Measure every page in the folders named (default: the real-world test pages)."""
    sys.path.insert(0, str(ROOT))
    folders = [Path(arg) for arg in argv] or [DEFAULT_FOLDER]
    pages = [page for folder in folders for page in load_pages(folder)]
    if not pages:
        print("no pages (folders with source.html and truth.txt) found", file=sys.stderr)
        return 2
    print(report(measure(pages)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
