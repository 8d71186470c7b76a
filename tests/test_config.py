"""Settings from the environment and the `newsdesk` command's behaviour as a program."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.programs import program_env, run_newsdesk

PRINT_SETTINGS = (
    "shell",
    "-c",
    "from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.DEBUG, s.CELERY_TASK_ALWAYS_EAGER)",
)


def test_defaults_are_sqlite_in_the_data_dir_debug_off_and_in_process_tasks(tmp_path: Path) -> None:
    result = run_newsdesk(*PRINT_SETTINGS, data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["django.db.backends.sqlite3", "False", "True"]
    key = tmp_path / "secret_key"
    assert len(key.read_text()) >= 50
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_secret_key_is_generated_once_and_then_reused(tmp_path: Path) -> None:
    run_newsdesk(*PRINT_SETTINGS, data_dir=tmp_path)
    first = (tmp_path / "secret_key").read_text()
    run_newsdesk(*PRINT_SETTINGS, data_dir=tmp_path)
    assert (tmp_path / "secret_key").read_text() == first


def test_database_and_broker_urls_switch_to_postgresql_and_celery_workers(tmp_path: Path) -> None:
    result = run_newsdesk(
        *PRINT_SETTINGS,
        data_dir=tmp_path,
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.stdout.split()[-3:] == ["django.db.backends.postgresql", "False", "False"]


def test_secret_key_from_the_environment_writes_no_file(tmp_path: Path) -> None:
    run_newsdesk(*PRINT_SETTINGS, data_dir=tmp_path, NEWSDESK_SECRET_KEY="k" * 60)
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only setting; this run uses PostgreSQL")  # not a missing service
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000


def test_cli_error_is_one_line_on_stderr_with_nonzero_exit(tmp_path: Path) -> None:
    result = run_newsdesk("ingest", "--all", data_dir=tmp_path)  # not migrated
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("newsdesk: error: ")
    assert "newsdesk migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unknown_source_is_one_line_on_stderr(tmp_path: Path) -> None:
    assert run_newsdesk("migrate", "-v0", data_dir=tmp_path).returncode == 0
    result = run_newsdesk("ingest", "--source", "nope", data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "CommandError: no source with slug nope"


def test_two_processes_write_the_sqlite_database_at_the_same_time(tmp_path: Path) -> None:
    assert run_newsdesk("migrate", "-v0", data_dir=tmp_path).returncode == 0
    script = (
        "from newsdesk.sources.models import Source\n"
        "for i in range(150):\n"
        "    slug = TAG + str(i)\n"
        "    Source.objects.create(name='s', slug=slug, url='http://x.example/' + slug)\n"
    )
    env = program_env(tmp_path)
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "shell", "-c", script.replace("TAG", repr(tag))],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    count = run_newsdesk(
        "shell",
        "-c",
        "from newsdesk.sources.models import Source; print(Source.objects.count())",
        data_dir=tmp_path,
    )
    assert count.stdout.split()[-1] == "300"
