"""Read what an operator names on the command line: a file path, a file:// URL or an http(s) URL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from newsdesk.pipeline.fetch import FetchError, FetchResult, fetch_url
from newsdesk.sources.services import fetch_policy


def operator_input_read(target: str) -> FetchResult:
    """Read TARGET under the site's fetch policy; raises FetchError with a one-line reason.

    http(s) URLs obey the policy as any source does (private addresses refused unless
    allowed). A file the operator names on the command line may be read wherever it is.
    """
    policy = fetch_policy()
    parts = urlsplit(target)
    if parts.scheme.lower() in {"http", "https"}:
        return fetch_url(target, policy=policy)
    if parts.scheme.lower() == "file":
        path = Path(url2pathname(unquote(parts.path)))
    elif parts.scheme and len(parts.scheme) > 1:
        raise FetchError(f"unsupported URL scheme {parts.scheme!r}: {target}")
    else:
        path = Path(target)
    if not path.is_file():
        raise FetchError(f"no such file: {target}")
    path = path.resolve()
    return fetch_url(path.as_uri(), policy=replace(policy, file_roots=(path.parent,)))
