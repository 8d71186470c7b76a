"""The `newsdesk` command: Django's management commands plus our own."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command, e.g. `newsdesk migrate` or `newsdesk ingest`.

    An error is one line on stderr and exit status 1; NEWSDESK_DEBUG=1 shows the traceback.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["newsdesk", *argv])
    args[0] = "newsdesk"
    try:
        execute_from_command_line(args)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("NEWSDESK_DEBUG", "").lower() in {"1", "true", "yes", "on"}:
            raise
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = " (has `newsdesk migrate` been run?)" if "no such table" in message else ""
        print(f"newsdesk: error: {type(exc).__name__}: {message}{hint}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
