"""`newsdesk sources` (add, check, list, export, import, pause, resume) and `newsdesk feed`."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from newsdesk.news.models import Article
from newsdesk.pipeline.opml import parse_opml
from newsdesk.sources.models import IngestFailure, IngestItem, Source
from tests.factories import ArticleFactory, SourceFactory
from tests.loopback import LoopbackServer
from tests.programs import run_newsdesk
from tests.sources.test_cli import assert_one_line_error
from tests.sources.test_ingest import rss
from tests.sources.test_kinds import (
    HTML,
    XML,
    section_page,
    serve_index_with_an_html_child,
    serve_pages,
    urlset,
)

RSS = {"Content-Type": "application/rss+xml"}


def sources(*args: str) -> str:
    """Run `sources ARGS` in this process; returns what it printed."""
    out = io.StringIO()
    call_command("sources", *args, stdout=out)
    return out.getvalue()


def feed_body(server: LoopbackServer, *, title: str = "Loopback Wire", language: str = "en") -> str:
    links = serve_pages(server, ["/news/a", "/news/b"])
    body = rss([("First story", links[0], "One."), ("Second story", links[1], "Two.")])
    body = body.replace("<title>Test feed</title>", f"<title>{escape(title)}</title>")
    return body.replace("<channel>", f"<channel><language>{language}</language>", 1)


def home_page(feeds: list[tuple[str, str]]) -> str:
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" title="{escape(t)}" href="{escape(h)}">'
        for t, h in feeds
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Home</title>'
        f"{links}</head><body><p>Welcome.</p></body></html>"
    )


def row_counts() -> tuple[int, int, int, int]:
    return (
        Source.objects.count(),
        IngestItem.objects.count(),
        Article.objects.count(),
        IngestFailure.objects.count(),
    )


# --- add ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_feed_takes_name_language_and_home_page_from_the_feed(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/feed.xml", feed_body(http_server), headers=RSS)

    out = sources("add", url, "--rights-holder", "Loopback Agency")

    assert out == f"added loopback-wire: feed {url}\n"
    source = Source.objects.get()
    assert (source.name, source.slug, source.kind) == ("Loopback Wire", "loopback-wire", "feed")
    assert (source.language, source.homepage) == ("en", http_server.base + "/")
    assert source.rights_holder == "Loopback Agency"
    # Adding fetches the feed once and stores nothing of it yet.
    assert (IngestItem.objects.count(), Article.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_add_with_explicit_name_slug_and_language_keeps_them(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/feed.xml", feed_body(http_server, language="fr"), headers=RSS)
    sources("add", url, "--name", "Wire", "--slug", "the-wire", "--language", "ru")
    source = Source.objects.get()
    assert (source.name, source.slug, source.language) == ("Wire", "the-wire", "ru")


@pytest.mark.django_db
def test_add_feed_with_a_russian_title_gets_a_unique_slug_from_the_host(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    body = feed_body(http_server, title="Вечерние новости", language="ru-RU")
    first = http_server.add("/a.xml", body, headers=RSS)
    second = http_server.add("/b.xml", body, headers=RSS)
    sources("add", first)
    sources("add", second)
    rows = list(Source.objects.order_by("pk").values_list("name", "slug", "language"))
    assert rows == [
        ("Вечерние новости", "127001", "ru"),
        ("Вечерние новости", "127001-2", "ru"),
    ]


@pytest.mark.django_db
def test_add_sitemap_makes_a_sitemap_source(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    links = serve_pages(http_server, ["/news/a"])
    url = http_server.add("/sitemap.xml", urlset([(links[0], None)], news=True), headers=XML)
    out = sources("add", url)
    source = Source.objects.get()
    assert (source.kind, source.name, source.language) == ("sitemap", "Loopback Wire", "en")
    assert out == f"added loopback-wire: sitemap {url}\n"


@pytest.mark.django_db
def test_add_home_page_adds_its_first_feed_and_lists_the_others(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    world = http_server.add("/world.xml", feed_body(http_server, title="World"), headers=RSS)
    sport = http_server.add("/sport.xml", feed_body(http_server, title="Sport"), headers=RSS)
    home = http_server.add("/", home_page([("World news", "/world.xml"), ("Sport", "/sport.xml")]))

    out = sources("add", home)

    assert out.splitlines()[-1] == f"added world: feed {world}"
    assert "World news" in out
    assert "Sport" in out
    source = Source.objects.get()
    assert (source.url, source.homepage) == (world, http_server.base + "/")
    sources("add", home, "--pick", "2")
    assert Source.objects.get(url=sport).name == "Sport"


@pytest.mark.django_db
def test_add_refuses_a_url_already_registered_naming_the_source(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/feed.xml", feed_body(http_server), headers=RSS)
    home = http_server.add("/", home_page([("Feed", "/feed.xml")]))
    sources("add", url)
    requests = len(http_server.requests)
    with pytest.raises(CommandError, match="already the source 'loopback-wire'"):
        sources("add", url)
    # Refused before any fetch.
    assert len(http_server.requests) == requests
    # The home page's feed is the same source.
    with pytest.raises(CommandError, match="already the source 'loopback-wire'"):
        sources("add", home)
    assert Source.objects.count() == 1


@pytest.mark.django_db
def test_add_refuses_a_slug_that_is_taken(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    SourceFactory(slug="wire", name="Old wire")
    url = http_server.add("/feed.xml", feed_body(http_server), headers=RSS)
    with pytest.raises(CommandError, match="slug 'wire' is taken by the source 'Old wire'"):
        sources("add", url, "--slug", "wire")


@pytest.mark.django_db
def test_add_refuses_a_bad_license_url_and_a_pick_past_the_list(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/feed.xml", feed_body(http_server), headers=RSS)
    with pytest.raises(CommandError, match="license_url"):
        sources("add", url, "--license-url", "not a url")
    home = http_server.add("/", home_page([("Feed", "/feed.xml")]))
    with pytest.raises(CommandError, match="cannot pick feed 3: the page links to 1"):
        sources("add", home, "--pick", "3")
    assert Source.objects.count() == 0


@pytest.mark.django_db
def test_add_page_without_feeds_or_article_links_is_refused(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/", "<!DOCTYPE html><html><body><p>Hello.</p></body></html>")
    with pytest.raises(CommandError, match="links to no feed and shows no article links"):
        sources("add", url)
    with pytest.raises(CommandError, match="no article links found"):
        sources("add", url, "--kind", "page")
    with pytest.raises(CommandError, match="not a feed: an HTML page that links to no feed"):
        sources("add", url, "--kind", "feed")


@pytest.mark.django_db
def test_add_home_page_whose_feed_is_broken_says_which_feed(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    http_server.add("/feed.xml", "gone", status=404)
    home = http_server.add("/", home_page([("Feed", "/feed.xml")]))
    with pytest.raises(CommandError, match=r"links to the feed .*/feed.xml, but: .*404"):
        sources("add", home)


@pytest.mark.django_db
def test_add_section_page_needs_kind_page(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    paths = ["/news/2025/03/04/grain-talks-resume", "/news/2025/03/03/port-strike-ends"]
    serve_pages(http_server, paths)
    url = http_server.add(
        "/world/",
        section_page([(paths[0], "Grain talks resume in Geneva"), (paths[1], "Port strike ends")]),
        headers=HTML,
    )
    with pytest.raises(CommandError, match="a page with 2 article links: add it with --kind page"):
        sources("add", url)
    out = sources("add", url, "--kind", "page")
    assert out == f"added world-news: page {url}\n"


@pytest.mark.django_db
def test_add_local_feed_file_makes_a_file_source(settings, tmp_path: Path) -> None:
    settings.NEWSDESK_FILE_ROOTS = [tmp_path]
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([("Local", (tmp_path / "a.html").as_uri(), "x")]), encoding="utf-8")
    out = sources("add", feed.as_uri())
    source = Source.objects.get()
    assert (source.kind, source.url, source.homepage) == ("file", feed.as_uri(), "")
    assert out == f"added test-feed: file {feed.as_uri()}\n"


# --- check --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_shows_the_items_and_which_are_stored_and_stores_nothing(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/feed.xml", feed_body(http_server), headers=RSS)
    stored = SourceFactory()
    # One story is stored already, found by its canonical URL.
    ArticleFactory(
        source=stored, link="http://elsewhere.example/x", canonical_url=http_server.url("/news/b")
    )
    before = row_counts()

    lines = [json.loads(line) for line in sources("check", url, "--json").splitlines()]

    assert row_counts() == before
    assert {k: lines[0][k] for k in ("url", "kind", "title", "language", "items")} == {
        "url": url,
        "kind": "feed",
        "title": "Loopback Wire",
        "language": "en",
        "items": 2,
    }
    assert [(i["title"], i["link"], i["stored"]) for i in lines[1:]] == [
        ("First story", http_server.url("/news/a"), False),
        ("Second story", http_server.url("/news/b"), True),
    ]
    assert lines[1]["published"] == "2024-05-01T07:30:00+00:00"
    # No article page was fetched.
    assert not [p for p, _ in http_server.requests if p.startswith("/news/")]


@pytest.mark.django_db
def test_check_of_a_home_page_shows_its_feeds_and_the_first_ones_items(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    http_server.add("/world.xml", feed_body(http_server, title="World"), headers=RSS)
    home = http_server.add("/", home_page([("World news", "/world.xml"), ("Sport", "/s.xml")]))

    lines = [json.loads(line) for line in sources("check", home, "--json").splitlines()]
    assert lines[0]["url"] == http_server.url("/world.xml")
    assert [f["title"] for f in lines[0]["feeds"]] == ["World news", "Sport"]
    assert len(lines) == 3

    table = sources("check", home, "--limit", "1")
    assert "World news" in table
    assert "First story" in table
    assert "Second story" not in table
    assert Source.objects.count() == 0


@pytest.mark.django_db
def test_check_of_a_sitemap_index_reports_its_broken_child_without_recording_it(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url, links, broken = serve_index_with_an_html_child(http_server)
    before = row_counts()

    lines = [json.loads(line) for line in sources("check", url, "--json").splitlines()]

    assert row_counts() == before
    assert lines[0]["kind"] == "sitemap"
    assert [(p["url"], p["stage"]) for p in lines[0]["problems"]] == [(broken, "parse")]
    assert [i["link"] for i in lines[1:]] == links
    assert "parse failed" in sources("check", url)


@pytest.mark.django_db
def test_check_rejects_what_is_no_source_and_a_negative_limit(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/data", bytes(range(256)) * 8, headers={"Content-Type": "text/plain"})
    with pytest.raises(CommandError, match="not a feed, sitemap or page"):
        sources("check", url)
    with pytest.raises(CommandError, match="--limit"):
        sources("check", url, "--limit", "-1")
    with pytest.raises(CommandError, match="not a sitemap"):
        sources("check", url, "--kind", "sitemap")


# --- list, pause, resume -------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_each_source_with_its_state() -> None:
    now = timezone.now()
    SourceFactory(slug="alpha", last_success_at=now, next_fetch_at=now)
    SourceFactory(slug="bravo", paused_at=now)
    SourceFactory(slug="charlie", enabled=False)
    out = sources("list")
    rows = {line.split()[1]: line for line in out.splitlines() if line.startswith("│")}
    assert "enabled" in rows["alpha"]
    assert timezone.localtime(now).strftime("%Y-%m-%d") in rows["alpha"]
    assert "paused" in rows["bravo"]
    assert "disabled" in rows["charlie"]


@pytest.mark.django_db
def test_pause_and_resume_by_slug() -> None:
    source = SourceFactory(slug="alpha", consecutive_failures=3)
    assert sources("pause", "alpha", "--reason", "Moved  to\nHTTPS") == "paused alpha\n"
    source.refresh_from_db()
    assert source.is_paused
    assert source.pause_reason == "Moved to HTTPS"
    assert sources("resume", "alpha") == "resumed alpha\n"
    source.refresh_from_db()
    assert (source.is_paused, source.consecutive_failures) == (False, 0)
    assert source.next_fetch_at is not None


@pytest.mark.django_db
def test_pause_or_resume_of_an_unknown_slug_is_an_error() -> None:
    for action in ("pause", "resume"):
        with pytest.raises(CommandError, match="no source with slug nope") as caught:
            sources(action, "nope")
        assert caught.value.returncode == 2


# --- export and import ---------------------------------------------------------------------


@pytest.mark.django_db
def test_export_then_import_into_an_empty_site_recreates_the_sources(tmp_path: Path) -> None:
    SourceFactory(
        name="Wire",
        url="https://wire.example.org/feed.xml",
        homepage="https://wire.example.org/",
        language="en",
    )
    SourceFactory(
        name="Карта",
        kind=Source.Kind.SITEMAP,
        url="https://karta.example.ru/sitemap.xml",
        homepage="https://karta.example.ru/",
        language="ru",
    )
    opml = tmp_path / "sources.opml"
    assert sources("export", "--output", str(opml)) == ""
    outlines = parse_opml(opml.read_bytes())
    assert {(o.title, o.category) for o in outlines} == {("Wire", "feed"), ("Карта", "sitemap")}
    assert sources("export") == opml.read_text(encoding="utf-8")

    Source.objects.all().delete()
    assert (
        sources("import", str(opml), "--dry-run")
        == "would create 2, would skip 0 already registered\n"
    )
    assert Source.objects.count() == 0
    assert sources("import", str(opml)) == "created 2, skipped 0 already registered\n"
    rows = set(Source.objects.values_list("name", "kind", "url", "homepage", "language"))
    assert (
        "Карта",
        "sitemap",
        "https://karta.example.ru/sitemap.xml",
        "https://karta.example.ru/",
        "ru",
    ) in rows
    assert (
        "Wire",
        "feed",
        "https://wire.example.org/feed.xml",
        "https://wire.example.org/",
        "en",
    ) in rows
    assert sources("import", str(opml)) == "created 0, skipped 2 already registered\n"


@pytest.mark.django_db
def test_import_takes_the_subscriptions_fixture_dropping_non_web_feeds(tmp_path: Path) -> None:
    fixture = Path(__file__).parents[1] / "pipeline" / "fixtures" / "feeds" / "subscriptions.opml"
    expected = parse_opml(fixture.read_bytes())
    out = sources("import", str(fixture))
    assert out == f"created {len(expected)}, skipped 0 already registered\n"
    assert set(Source.objects.values_list("url", flat=True)) == {o.xml_url for o in expected}
    assert len(set(Source.objects.values_list("slug", flat=True))) == len(expected)


@pytest.mark.django_db
def test_import_of_a_file_that_is_not_opml_is_an_error_and_creates_nothing(
    tmp_path: Path,
) -> None:
    for name, body in [
        ("page.opml", b"<!DOCTYPE html><html><body>hi</body></html>"),
        ("cut.opml", b'<?xml version="1.0"?><opml version="2.0"><body><outline xmlUrl="http'),
        ("empty.opml", b""),
        (
            "bomb.opml",
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><opml><body>&b;</body></opml>',
        ),
    ]:
        path = tmp_path / name
        path.write_bytes(body)
        with pytest.raises(CommandError) as caught:
            sources("import", str(path))
        assert caught.value.returncode == 2
        assert "\n" not in str(caught.value)
    with pytest.raises(CommandError, match="no such file"):
        sources("import", str(tmp_path / "missing.opml"))
    assert Source.objects.count() == 0


# --- as a program ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One migrated data folder for the program tests of this module."""
    path = tmp_path_factory.mktemp("sources-program")
    migrated = run_newsdesk("migrate", "-v0", data_dir=path)
    assert migrated.returncode == 0, migrated.stderr
    yield path


LOOPBACK_ENV = {
    "NEWSDESK_FETCH_ALLOW": "127.0.0.1",
    "NEWSDESK_HOST_DELAY": "0",
    "NEWSDESK_FETCH_RETRIES": "0",
}


def newsdesk(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_newsdesk(*args, data_dir=data_dir, **{**LOOPBACK_ENV, **env})


def test_program_adds_a_feed_in_one_line_and_lists_it(
    data_dir: Path, http_server: LoopbackServer
) -> None:
    url = http_server.add("/feed.xml", rss([("Item", http_server.url("/a"), "s")]), headers=RSS)
    added = newsdesk("sources", "add", url, "--slug", "program-feed", data_dir=data_dir)
    assert added.returncode == 0, added.stderr
    assert added.stdout == f"added program-feed: feed {url}\n"
    listed = newsdesk("sources", "list", data_dir=data_dir, COLUMNS="200")
    assert "program-feed" in listed.stdout
    assert url in listed.stdout


def test_program_add_of_an_unreachable_url_is_a_one_line_error(data_dir: Path) -> None:
    result = newsdesk("sources", "add", "http://127.0.0.1:9/feed.xml", data_dir=data_dir)
    assert result.returncode == 2
    # Above the error, the fetcher may log (at WARNING) that robots.txt was unreadable too.
    errors = [line for line in result.stderr.splitlines() if not line.startswith("robots.txt")]
    assert len(errors) == 1
    assert errors[0].startswith("CommandError: cannot fetch http://127.0.0.1:9/feed.xml: ")
    assert "Traceback" not in result.stderr


def test_program_add_of_a_private_address_is_refused_unless_allowed(data_dir: Path) -> None:
    result = newsdesk(
        "sources", "check", "http://10.0.0.1/feed.xml", data_dir=data_dir, NEWSDESK_FETCH_ALLOW=""
    )
    assert_one_line_error(result, contains="NEWSDESK_FETCH_ALLOW")


def test_program_add_of_what_is_no_feed_sitemap_or_page_is_a_one_line_error(
    data_dir: Path, http_server: LoopbackServer
) -> None:
    url = http_server.add("/x", "just some words\n", headers={"Content-Type": "text/plain"})
    result = newsdesk("sources", "add", url, data_dir=data_dir)
    assert_one_line_error(result, contains="not a feed, sitemap or page")


def test_program_import_of_bad_opml_is_a_one_line_error(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline", encoding="utf-8")
    assert_one_line_error(
        newsdesk("sources", "import", str(bad), data_dir=data_dir), contains="OPML"
    )


def test_program_pause_of_an_unknown_slug_is_a_one_line_error(data_dir: Path) -> None:
    result = newsdesk("sources", "pause", "nope", data_dir=data_dir)
    assert_one_line_error(result, contains="no source with slug nope")


def test_program_without_an_action_shows_usage_and_fails(data_dir: Path) -> None:
    result = newsdesk("sources", data_dir=data_dir)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "{add,check,list,export,import,pause,resume}" in result.stderr


# --- `newsdesk feed` ------------------------------------------------------------------------


def test_feed_command_prints_a_truncated_feeds_warning_on_stderr_and_its_items(
    data_dir: Path, tmp_path: Path
) -> None:
    body = rss(
        [("First", "http://example.org/a", "One."), ("Second", "http://example.org/b", "Two.")]
    )
    cut = tmp_path / "cut.xml"
    cut.write_text(body[: body.index("http://example.org/b") + 10], encoding="utf-8")
    result = newsdesk("feed", str(cut), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("warning: broken XML")
    assert json.loads(result.stdout.splitlines()[0])["title"] == "First"


def test_feed_command_decodes_a_windows1251_feed_labelled_only_by_http(
    data_dir: Path, http_server: LoopbackServer
) -> None:
    body = rss([("Переговоры в Женеве", "http://example.org/a", "Кратко.")])
    body = body.replace('encoding="utf-8"', "")
    url = http_server.add(
        "/ru.xml",
        body.encode("cp1251"),
        headers={"Content-Type": "application/rss+xml; charset=windows-1251"},
    )
    result = newsdesk("feed", url, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"] == "Переговоры в Женеве"
