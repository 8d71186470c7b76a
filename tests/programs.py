"""Run the `newsdesk` program as a person would: a subprocess with a data folder of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def program_env(data_dir: Path, **env: str) -> dict[str, str]:
    """This environment on the embedded default (no DATABASE_URL, no broker) in DATA_DIR."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    return {**clean, "NEWSDESK_DATA_DIR": str(data_dir), **env}


def run_newsdesk(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `newsdesk ARGS` to the end and capture what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", *args],
        env=program_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
