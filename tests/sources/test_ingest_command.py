"""`newsdesk ingest` as editors run it: a progress bar on a terminal, a summary table always."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from newsdesk.news.models import Article
from tests.loopback import LoopbackServer
from tests.programs import program_env
from tests.sources.test_ingest import serve_site
from tests.sources.test_tasks import database_url


def ingest_env(data_dir: Path) -> dict[str, str]:
    return program_env(
        data_dir,
        DATABASE_URL=database_url(),
        NEWSDESK_FETCH_ALLOW="127.0.0.1",
        NEWSDESK_HOST_DELAY="0",
        COLUMNS="120",
    )


@pytest.mark.django_db(transaction=True)
def test_ingest_on_a_terminal_draws_a_progress_bar_then_the_summary(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    serve_site(http_server, n=3)
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "ingest", "--all"],
        env=ingest_env(tmp_path),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closes when the program exits
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=120) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "\x1b[?25l" in screen  # a live display hides the cursor while it draws
    assert "3/3" in screen  # the source's articles, counted
    assert "Ingest summary" in screen
    assert Article.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_ingest_piped_prints_only_the_summary_table(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    serve_site(http_server, n=2)
    result = subprocess.run(
        [sys.executable, "-m", "newsdesk", "ingest", "--all"],
        env=ingest_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout  # no live display, no colours
    assert "2/2" not in result.stdout
    assert "Ingest summary" in result.stdout
    assert "Loopback news" in result.stdout
    assert result.stderr == ""
