"""`newsdesk feed` and `newsdesk extract` as programs: JSON out, one-line errors, exit code 2."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.loopback import LoopbackServer, endless_body
from tests.programs import run_newsdesk

PAGES = Path(__file__).parents[1] / "pipeline" / "fixtures" / "pages"
FEEDS = Path(__file__).parents[1] / "pipeline" / "fixtures" / "feeds"


def newsdesk(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_newsdesk(*args, data_dir=tmp_path, **env)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *, contains: str) -> None:
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert contains in result.stderr
    assert "Traceback" not in result.stderr


def test_feed_prints_one_json_line_per_item(tmp_path: Path) -> None:
    result = newsdesk("feed", str(FEEDS / "rss2.xml"), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert items
    assert set(items[0]) == {"title", "link", "published", "author", "summary_length"}
    assert all(isinstance(i["summary_length"], int) for i in items)


def test_feed_reads_a_file_url_too(tmp_path: Path) -> None:
    result = newsdesk("feed", (FEEDS / "atom.xml").as_uri(), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_feed_that_cannot_be_parsed_is_a_one_line_error_with_exit_code_2(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(bytes(range(256)) * 10)
    assert_one_line_error(newsdesk("feed", str(garbage), tmp_path=tmp_path), contains="feed")


def test_feed_of_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    result = newsdesk("feed", str(tmp_path / "none.xml"), tmp_path=tmp_path)
    assert_one_line_error(result, contains="no such file")


def test_feed_from_an_endless_server_stops_at_the_size_cap(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.add("/endless", handler=endless_body)
        result = newsdesk(
            "feed",
            server.url("/endless"),
            tmp_path=tmp_path,
            NEWSDESK_FETCH_ALLOW="127.0.0.1",
            NEWSDESK_FETCH_MAX_BYTES="1000000",
        )
    assert_one_line_error(result, contains="cap")


def test_feed_refuses_loopback_unless_allowed(tmp_path: Path) -> None:
    result = newsdesk("feed", "http://127.0.0.1:9/feed", tmp_path=tmp_path)
    assert_one_line_error(result, contains="NEWSDESK_FETCH_ALLOW")


def test_extract_prints_one_json_object_with_the_documented_fields(tmp_path: Path) -> None:
    page = sorted(PAGES.glob("*.html"))[0]
    result = newsdesk("extract", str(page), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    for key in ("url", "title", "text", "lead", "authors", "published", "language", "image"):
        assert key in record
    assert "image_credit" in record
    assert all(set(p) == {"role", "text"} for p in record["paragraphs"])


def test_extract_jsonl_gives_a_line_per_file_and_an_error_line_for_bad_ones(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "good.html").write_bytes((PAGES / "short_statement.html").read_bytes())
    (folder / "binary.html").write_bytes(b"\x00\xff" * 500)
    result = newsdesk(
        "extract", "--jsonl", str(folder), str(tmp_path / "missing.html"), tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_name = {Path(line["path"]).name: line for line in lines}
    assert set(by_name) == {"good.html", "binary.html", "missing.html"}
    assert by_name["good.html"]["title"]
    assert "error" in by_name["binary.html"]
    assert "no such file" in by_name["missing.html"]["error"]
    assert result.stderr == ""


def test_extract_of_a_page_without_an_article_is_a_one_line_error(tmp_path: Path) -> None:
    page = tmp_path / "nav.html"
    page.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    assert_one_line_error(newsdesk("extract", str(page), tmp_path=tmp_path), contains="article")
