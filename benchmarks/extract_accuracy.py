"""Text accuracy of extract_article against bare trafilatura on real pages with true text.

Each page is a folder holding source.html, truth.txt (the article text a reader reads) and
optionally meta.json (its "url" is passed to the extractors). Run:

    python benchmarks/extract_accuracy.py [FOLDER ...]

Without folders it reads tests/pipeline/fixtures/realworld. Accuracy is token F1: tokens
are the lower-cased \\w+ words; precision and recall count words with multiplicity.

Pages known only by snippets (a folder with source.html and snippets.json: texts the article
holds, "with", and page furniture it must not, "without") are counted too: how many of each
kind either extractor's text contains. Without folders those come from
tests/pipeline/fixtures/realworld-snippets.
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
SNIPPET_FOLDER = ROOT / "tests" / "pipeline" / "fixtures" / "realworld-snippets"
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


@dataclass(frozen=True, slots=True)
class SnippetPage:
    """A real page known by snippets: texts its article holds and texts that are furniture."""

    name: str
    html: bytes
    url: str
    with_: tuple[str, ...]
    without: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SnippetResult:
    """How many 'with' and 'without' snippets each extractor's text holds on one page."""

    name: str
    wanted: int
    ours_with: int
    bare_with: int
    unwanted: int
    ours_without: int
    bare_without: int


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


def load_snippet_pages(folder: Path) -> list[SnippetPage]:
    """Every page folder under FOLDER that has source.html and snippets.json, by name."""
    pages = []
    for source in sorted(folder.rglob("source.html")):
        snippets_file = source.with_name("snippets.json")
        if not snippets_file.is_file():
            continue
        snippets = json.loads(snippets_file.read_text("utf-8"))
        name = str(source.parent.relative_to(folder))
        pages.append(
            SnippetPage(
                name,
                source.read_bytes(),
                snippets.get("url") or f"https://example.invalid/{name}",
                tuple(snippets.get("with", [])),
                tuple(snippets.get("without", [])),
            )
        )
    return pages


def _flat(text: str) -> str:
    return " ".join(text.split())


def count_snippets(text: str, snippets: tuple[str, ...]) -> int:
    """How many of SNIPPETS occur in TEXT, whitespace runs taken as one space."""
    flat = _flat(text)
    return sum(_flat(snippet) in flat for snippet in snippets)


def measure_snippets(pages: list[SnippetPage]) -> list[SnippetResult]:
    """Count the snippets in both extractors' texts on every page."""
    results = []
    for page in pages:
        as_page = Page(page.name, page.html, "", page.url)
        ours, bare = ours_text(as_page), bare_text(as_page)
        results.append(
            SnippetResult(
                page.name,
                len(page.with_),
                count_snippets(ours, page.with_),
                count_snippets(bare, page.with_),
                len(page.without),
                count_snippets(ours, page.without),
                count_snippets(bare, page.without),
            )
        )
    return results


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


def snippet_report(results: list[SnippetResult]) -> str:
    """Pages where newsdesk keeps fewer wanted or more unwanted snippets, and the totals."""
    lines = [f"{'page':44} {'with ours/bare/all':>20} {'without ours/bare/all':>22}"]
    for r in results:
        if r.ours_with < r.bare_with or r.ours_without > r.bare_without:
            lines.append(
                f"{r.name[:44]:44} {r.ours_with:6d}{r.bare_with:7d}{r.wanted:7d}"
                f" {r.ours_without:8d}{r.bare_without:7d}{r.unwanted:7d}"
            )
    lines.append(
        f"snippet pages: {len(results)}  'with' kept: newsdesk "
        f"{sum(r.ours_with for r in results)}, bare trafilatura "
        f"{sum(r.bare_with for r in results)} of {sum(r.wanted for r in results)}  "
        f"'without' let in: newsdesk {sum(r.ours_without for r in results)}, bare trafilatura "
        f"{sum(r.bare_without for r in results)} of {sum(r.unwanted for r in results)}"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Measure every page in the folders named (default: the real-world test pages)."""
    sys.path.insert(0, str(ROOT))
    folders = [Path(arg) for arg in argv] or [DEFAULT_FOLDER, SNIPPET_FOLDER]
    pages = [page for folder in folders for page in load_pages(folder)]
    snippet_pages = [page for folder in folders for page in load_snippet_pages(folder)]
    if not pages and not snippet_pages:
        print(
            "no pages (folders with source.html and truth.txt or snippets.json) found",
            file=sys.stderr,
        )
        return 2
    if pages:
        print(report(measure(pages)))
    if snippet_pages:
        print(snippet_report(measure_snippets(snippet_pages)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
