"""The demo end to end: build the origin, ingest it through the pipeline, serve it over HTTP."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from newsdesk.demo.corpus import corpus_articles
from newsdesk.news.models import Article
from newsdesk.sources.models import Source

SEED_TITLE = "Russian Deputy Foreign Minister: Russia will block military threats from Japan"


@pytest.fixture
def demo_data_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NEWSDESK_FILE_ROOTS = [tmp_path]
    return tmp_path


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


@pytest.mark.django_db(transaction=True)
def test_demo_ingests_every_corpus_article_and_serves_the_seed_interview(
    demo_data_dir: Path, live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("demo")
    out = capsys.readouterr().out
    assert "Admin login: user admin, password" in out
    assert Source.objects.filter(slug__startswith="demo-").count() == 4
    assert Article.objects.count() == len(corpus_articles()) == 51
    assert set(Article.objects.values_list("language", flat=True)) == {"ru", "en"}

    status, home = get(live_server.url + "/")
    assert status == 200
    assert SEED_TITLE in home
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', home)
    assert stylesheet, "the home page links no stylesheet"
    with urllib.request.urlopen(live_server.url + stylesheet.group(1), timeout=30) as css:
        assert css.headers["Content-Type"].startswith("text/css")
        assert b"prefers-color-scheme" in css.read()

    seed = Article.objects.get(title__startswith=SEED_TITLE)
    status, page = get(live_server.url + seed.get_absolute_url())
    assert status == 200
    assert "Image source: Пресс-служба МИД РФ/ ТАСС" in page
    assert "Anastasia Bobyleva" in page
    assert "The material is placed by the copyright holder in the public domain" in page
    assert "How is our strategic partnership with Mongolia developing?" in page
    roles = [p["role"] for p in seed.paragraphs]
    assert roles.count("question") == 8
    assert seed.image_file.name.startswith("images/")
    with urllib.request.urlopen(live_server.url + seed.image_file.url, timeout=30) as image:
        assert image.headers["Content-Type"] == "image/png"
        assert image.read().startswith(b"\x89PNG")

    # Ingesting again adds nothing and changes nothing.
    before = sorted(Article.objects.values_list("pk", "content_hash", "updated_at"))
    call_command("ingest", "--all")
    call_command("demo")
    assert sorted(Article.objects.values_list("pk", "content_hash", "updated_at")) == before
