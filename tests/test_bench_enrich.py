"""The enrich benchmark runs end to end and reports every stage of both languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "enrich.py"


def test_enrich_benchmark_reports_every_stage_against_the_bare_library(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(tmp_path), "TMPDIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--rounds", "1", "--texts", "2", "--copies", "1", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    assert report["rounds"] == 1
    expected = {
        "ru": ("natasha", ["natasha", "find_spans", "enrich"]),
        "en": ("spacy", ["spacy", "spacy_ner", "find_spans", "enrich"]),
    }
    for language, (bare, stages) in expected.items():
        assert report[language]["bare"] == bare
        assert report[language]["copies"] == 1
        assert list(report[language]["stages"]) == stages
        for name, stage in report[language]["stages"].items():
            assert stage["articles"] == 2, name
            # Every stage finds names in two articles about presidents and ministries.
            assert stage["found"] > 0, name
            assert stage["ms_per_article"] > 0, name
            assert stage["articles_per_second"] == pytest.approx(1000 / stage["ms_per_article"])
            assert stage["load_seconds"] > 0, name
            assert 0 < stage["load_rss_mb"] <= stage["peak_rss_mb"], name
            assert len(stage["runs"]) == 1, name
            low, high = stage["seconds_ratio_range"]
            assert low <= stage["seconds_ratio"] <= high, name
            # The bare library is its own yardstick; the others were measured beside it.
            beside = "bare_seconds" in stage["runs"][0]
            assert beside == (name != bare), name
            assert stage["seconds_ratio"] == 1.0 or name != bare
