"""The `newsdesk` command: Django's management commands plus our own."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command, e.g. `newsdesk migrate` or `newsdesk ingest`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["newsdesk", *argv])
    args[0] = "newsdesk"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
