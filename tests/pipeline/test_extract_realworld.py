"""Extraction on real news pages with their true text: as accurate as bare trafilatura, or more."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from trafilatura import metadata as trafilatura_metadata

from benchmarks.extract_accuracy import (
    DEFAULT_FOLDER,
    SNIPPET_FOLDER,
    Result,
    SnippetResult,
    count_snippets,
    load_pages,
    load_snippet_pages,
    mean,
    measure,
    measure_snippets,
    token_f1,
)
from newsdesk.pipeline.extract import _decode, find_author, parse_html
from tests.programs import run_newsdesk

# A page may come out a little worse than bare trafilatura (precision mode drops a teaser
# the true text keeps), never by more than this.
MARGIN = 0.02
# Precision mode drops some short lines bare trafilatura keeps ("Additional reporting by …",
# a lone e-mail address, a link to the event's page): of the 'with' snippets of the
# snippet pages, newsdesk may miss this share more than bare trafilatura does, never more.
SNIPPET_MARGIN = 0.05
REQUIRED = {
    "url",
    "title",
    "text",
    "lead",
    "authors",
    "published",
    "language",
    "image",
    "image_credit",
    "paragraphs",
    "site_name",
    "description",
}


@pytest.fixture(scope="module")
def results() -> list[Result]:
    pages = load_pages(DEFAULT_FOLDER)
    assert len(pages) >= 15
    return measure(pages)


def test_mean_text_f1_is_at_least_bare_trafilatura(results: list[Result]) -> None:
    ours = mean([r.ours.f1 for r in results])
    bare = mean([r.bare.f1 for r in results])

    assert ours >= bare, f"newsdesk {ours:.4f} < trafilatura {bare:.4f}"


def test_no_page_is_much_worse_than_bare_trafilatura(results: list[Result]) -> None:
    worse = {
        r.name: round(r.bare.f1 - r.ours.f1, 3) for r in results if r.ours.f1 < r.bare.f1 - MARGIN
    }

    assert worse == {}


def test_every_page_gives_an_article_with_text(results: list[Result]) -> None:
    # 0.7, not higher: ura.news's short story sits between an archive notice and a
    # Telegram prompt that no extractor tells from the text (bare trafilatura: 0.73).
    assert [(r.name, round(r.ours.f1, 3)) for r in results if r.ours.f1 <= 0.7] == []


def test_the_real_world_pages_include_russian_ones() -> None:
    langs = [
        json.loads(meta.read_text("utf-8")).get("lang")
        for meta in DEFAULT_FOLDER.glob("*/meta.json")
    ]

    assert "ru" in langs


@pytest.fixture(scope="module")
def snippet_results() -> list[SnippetResult]:
    pages = load_snippet_pages(SNIPPET_FOLDER)
    assert len(pages) >= 50
    return measure_snippets(pages)


def test_text_lets_in_no_more_page_furniture_than_bare_trafilatura(
    snippet_results: list[SnippetResult],
) -> None:
    ours = sum(r.ours_without for r in snippet_results)
    bare = sum(r.bare_without for r in snippet_results)

    assert ours <= bare, [r for r in snippet_results if r.ours_without > r.bare_without]


def test_text_keeps_about_as_many_article_snippets_as_bare_trafilatura(
    snippet_results: list[SnippetResult],
) -> None:
    ours = sum(r.ours_with for r in snippet_results)
    bare = sum(r.bare_with for r in snippet_results)
    wanted = sum(r.wanted for r in snippet_results)

    assert ours >= bare - SNIPPET_MARGIN * wanted, (ours, bare, wanted)


def test_count_snippets_takes_whitespace_runs_as_one_space() -> None:
    assert (
        count_snippets("Ein perfekter\n\nSturm beginnt", ("perfekter Sturm", "Sturm  beginnt")) == 2
    )
    assert count_snippets("", ("x",)) == 0
    assert count_snippets("text", ()) == 0


def test_token_f1_counts_words_with_multiplicity_and_ignores_case_and_punctuation() -> None:
    assert token_f1("The cat, the CAT.", "the cat the cat").f1 == 1.0
    half = token_f1("a a", "a b")
    assert (half.precision, half.recall) == (0.5, 0.5)
    assert token_f1("", "words").f1 == 0.0
    assert token_f1("Москва, 7 марта", "москва 7 марта").f1 == 1.0


def test_extract_jsonl_over_the_folder_prints_a_line_per_page_with_every_field(
    tmp_path: Path,
) -> None:
    result = run_newsdesk("extract", "--jsonl", str(DEFAULT_FOLDER), data_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(list(DEFAULT_FOLDER.glob("*/source.html")))
    for record in records:
        assert "error" not in record, record
        assert set(record) >= REQUIRED, record["path"]
        assert record["text"].strip()
        assert all(set(p) == {"role", "text"} for p in record["paragraphs"])
        assert record["published"] is None or record["published"].endswith("+00:00")


# --- the program on bad input: one line each, never a traceback ---------------------------

PAGES = Path(__file__).parent / "fixtures" / "pages"


def test_extract_jsonl_over_a_folder_of_bad_files_reports_each_and_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "garbage.html").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.html").write_bytes(b"")
    (folder / "nav.html").write_bytes((PAGES / "nav_only.html").read_bytes())
    (folder / "dangling.html").symlink_to(tmp_path / "gone.html")
    os.mkfifo(folder / "fifo.html")
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "sub" / "ok.html").write_bytes((PAGES / "figure_credit_ru.html").read_bytes())
    raw = (PAGES / "windows1251_ru.html").read_bytes()
    (folder / "cp1251.html").write_bytes(
        raw.replace(
            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', b""
        )
    )

    result = run_newsdesk("extract", "--jsonl", str(folder), data_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    records = {Path(r["path"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    assert set(records) == {
        "cp1251.html",
        "dangling.html",
        "empty.html",
        "fifo.html",
        "garbage.html",
        "nav.html",
        "ok.html",
    }
    assert records["cp1251.html"]["title"] == "Урожай зерна в области превысил прогноз"
    assert records["ok.html"]["image_credit"] == "ТАСС"
    for name in ("dangling.html", "fifo.html"):
        assert "no such file" in records[name]["error"]
    assert "empty" in records["empty.html"]["error"]
    assert "no article" in records["garbage.html"]["error"]
    assert "no article" in records["nav.html"]["error"]


@pytest.mark.parametrize(
    "content",
    [b"", bytes(range(256)) * 40, b"\x89PNG\r\n\x1a\n" + bytes(4096), b"<html></html>"],
    ids=["empty", "binary", "png", "no-article"],
)
def test_extract_of_a_bad_file_is_a_one_line_error_with_exit_code_2(
    tmp_path: Path, content: bytes
) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(content)

    result = run_newsdesk("extract", str(page), data_dir=tmp_path)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_extract_of_a_file_over_the_size_cap_is_a_one_line_error(tmp_path: Path) -> None:
    page = tmp_path / "huge.html"
    page.write_bytes(b"<html><body><p>" + b"word " * 300_000 + b"</p></body></html>")

    result = run_newsdesk(
        "extract", str(page), data_dir=tmp_path, NEWSDESK_FETCH_MAX_BYTES="1000000"
    )

    assert result.returncode == 2
    assert "cap" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "page",
    sorted([*DEFAULT_FOLDER.glob("*/source.html"), *SNIPPET_FOLDER.glob("*/source.html")]),
    ids=lambda path: path.parent.name,
)
def test_find_author_gives_what_trafilatura_extract_author_gives(page: Path) -> None:
    # find_author replaces trafilatura's regular-expression XPath on a copy of the tree
    # with a plain pre-filter and exact tests: the answer must stay trafilatura's own.
    tree = parse_html(_decode(page.read_bytes(), charset=None))
    assert find_author(tree) == trafilatura_metadata.extract_author(tree)
