"""The project's settings for benchmarks/site.py, with the URLs that add the bare view."""

from newsdesk.config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
