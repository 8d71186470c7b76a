"""Mention finding and linking quality on the hand-labelled set: floors a few points below
what benchmarks/mentions_quality.py measured (docs/quality.md), and the spelling variants
the catalog exists for ("Andrey"/"Andrei Rudenko", "Kishida"/"Kisida"/"Кисиды") as one entity.

The set (tests/news/fixtures/mentions/) is run once per module through the real natasha and
spaCy models and the test database, inside a transaction rolled back at the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from benchmarks.mentions_quality import (
    FIXTURES,
    Gold,
    Predicted,
    evaluate,
    fixture_problems,
    gold_mentions,
    load_fixtures,
    match,
    measure,
    pairwise,
    prf,
)
from newsdesk.news import entities
from newsdesk.news.entities import catalog_ensure

# Measured 2026-11-29 (docs/quality.md); each floor a few points below.
FLOORS = {
    ("all", "lenient", "f1"): 0.93,  # measured 0.965
    ("all", "lenient", "precision"): 0.93,  # 0.961
    ("all", "lenient", "recall"): 0.93,  # 0.968
    ("all", "exact", "f1"): 0.89,  # 0.928
    ("ru", "lenient", "f1"): 0.95,  # 0.988
    ("en", "lenient", "f1"): 0.91,  # 0.949
    ("ru", "exact", "f1"): 0.94,  # 0.982
    ("en", "exact", "f1"): 0.85,  # 0.893
    ("all", "catalog_linking", "accuracy"): 0.95,  # 0.988
    ("ru", "catalog_linking", "accuracy"): 0.95,  # 0.993
    ("en", "catalog_linking", "accuracy"): 0.95,  # 0.986
    ("all", "cluster_linking", "f1"): 0.77,  # 0.814
}
KIND_FLOOR = 0.93  # measured 0.970
# 7 of the 35 identities written in several ways were split or partly unlinked.
MAX_VARIANT_FAILURES = 8
MIN_MENTIONS = {"ru": 100, "en": 100}
# The held-out texts (labelled after the rules above were written; see docs/quality.md).
HELDOUT = FIXTURES.parent / "mentions-heldout"
HELDOUT_FLOORS = {
    ("all", "lenient", "f1"): 0.90,  # measured 0.943 (0.928 before its errors were looked at)
    ("all", "exact", "f1"): 0.79,  # 0.835
    ("all", "catalog_linking", "accuracy"): 0.92,  # 0.986
}

# The marker makes pytest-django create the test database, which the module fixture fills.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def report(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The measurement on the test database; the entities it creates are rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        catalog_ensure()
        result = measure(load_fixtures())
        transaction.set_rollback(True)
    # The in-memory catalog was read from rows that no longer exist.
    entities._catalog_cache.clear()
    yield result


@pytest.fixture(scope="module")
def heldout(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The measurement on the held-out texts, on a catalog fresh from the migrations."""
    with django_db_blocker.unblock(), transaction.atomic():
        catalog_ensure()
        result = measure(load_fixtures(HELDOUT))
        transaction.set_rollback(True)
    entities._catalog_cache.clear()
    yield result


def test_heldout_fixtures_are_valid() -> None:
    """The held-out set: valid offsets and kinds, both languages, sources and licences."""
    fixtures = load_fixtures(HELDOUT)
    assert len(fixtures) >= 6
    assert [p for f in fixtures for p in fixture_problems(f)] == []
    gold = gold_mentions(fixtures)
    assert sum(g.lang == "ru" for g in gold) >= 60
    assert sum(g.lang == "en" for g in gold) >= 60
    assert all(f["source"] and f["license"] for f in fixtures)
    assert not {f["id"] for f in fixtures} & {f["id"] for f in load_fixtures()}


def test_heldout_quality_floors(heldout: dict[str, Any]) -> None:
    """Texts the rules were not written from: finding and linking stay above their floors."""
    low = {
        f"{lang} {group} {name} (floor {floor})": heldout[lang][group][name]
        for (lang, group, name), floor in HELDOUT_FLOORS.items()
        if heldout[lang][group][name] < floor
    }
    assert low == {}


def test_fixtures_are_valid() -> None:
    """Every offset gives its surface, kinds are known, both languages have 100+ mentions."""
    fixtures = load_fixtures()
    assert len(fixtures) >= 15
    assert [p for f in fixtures for p in fixture_problems(f)] == []
    gold = gold_mentions(fixtures)
    for lang, least in MIN_MENTIONS.items():
        assert sum(g.lang == lang for g in gold) >= least
    assert len({f["id"] for f in fixtures}) == len(fixtures)
    for fixture in fixtures:
        assert fixture["source"] and fixture["license"]


def test_fixture_problems_catches_bad_labels(tmp_path: Path) -> None:
    """A label whose offsets miss its surface, a kind not known, no entity: all reported."""
    text = "Kishida met Putin."
    broken = {
        "id": "broken",
        "lang": "en",
        "text": text,
        "mentions": [
            {"start": 0, "end": 6, "surface": "Kishida", "kind": "person", "entity": "p"},
            {"start": 12, "end": 17, "surface": "Putin", "kind": "leader", "entity": "p"},
            {"start": 12, "end": 99, "surface": "Putin", "kind": "person", "entity": ""},
        ],
    }
    assert len(fixture_problems(broken)) == 4
    (tmp_path / "a.json").write_text(json.dumps(broken), encoding="utf-8")
    assert [f["id"] for f in load_fixtures(tmp_path)] == ["broken"]
    assert load_fixtures(tmp_path / "none") == []


def test_measures_on_made_up_mentions() -> None:
    """Exact and lenient matching, pairwise clusters and empty input, on known values."""
    gold = [
        Gold("t", "en", 0, 7, "Kishida", "person", "person:kishida"),
        Gold("t", "en", 12, 17, "Putin", "person", "person:putin"),
        Gold("t", "en", 30, 36, "Samara", "place", "place:samara"),
        Gold("t", "en", 40, 46, "Samara", "place", "place:samara"),
    ]
    predicted = [
        Predicted("t", "en", 0, 7, "Kishida", "person", 1, "person:kishida"),
        Predicted("t", "en", 8, 17, "met Putin", "person", 2, "person:lavrov"),
        Predicted("t", "en", 30, 36, "Samara", "place", 9, ""),
        Predicted("t", "en", 40, 46, "Samara", "place", None, ""),
        Predicted("u", "en", 0, 7, "Kishida", "person", 1, "person:kishida"),
    ]
    assert len(match(gold, predicted, lenient=False)) == 3
    assert len(match(gold, predicted, lenient=True)) == 4
    result = evaluate(gold, predicted, {"person:kishida", "person:putin"})
    assert result["exact"] == prf(3, 5, 4)
    assert result["catalog_linking"] == {"mentions": 2, "accuracy": 0.5}
    # The two Samara mentions: one linked, one not, so the pair is missed.
    assert result["cluster_linking"]["recall"] == 0.0
    assert result["variants"]["identities"] == 0
    assert prf(0, 0, 0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert pairwise([])["pairs"] == 0
    assert evaluate([], [], set())["lenient"]["f1"] == 0.0


def test_quality_floors(report: dict[str, Any]) -> None:
    """Finding, kind and linking stay at what was measured, give or take a few points."""
    low = {
        name: report[lang][group][measure_name]
        for (lang, group, measure_name), floor in FLOORS.items()
        if report[lang][group][measure_name] < floor
        for name in [f"{lang} {group} {measure_name} (floor {floor})"]
    }
    assert low == {}
    assert report["all"]["kind_accuracy"] >= KIND_FLOOR
    assert len(report["all"]["variants"]["failures"]) <= MAX_VARIANT_FAILURES
    assert report["texts"] == len(list(FIXTURES.glob("*.json")))


@pytest.mark.parametrize("identity", ["person:rudenko", "person:kishida"])
def test_spellings_are_one_entity(report: dict[str, Any], identity: str) -> None:
    """Every spelling of Rudenko's and Kishida's names, in both languages, is found and
    linked to the one catalog entity."""
    failing = [f for f in report["all"]["variants"]["failures"] if f["entity"] == identity]
    assert failing == []
    missed = [m for m in report["errors"]["missed"] if f"({identity})" in m]
    assert missed == []
    wrong = [m for m in report["errors"]["catalog_link"] if f" {identity}->" in m]
    assert wrong == []
    surfaces = {g.surface for g in gold_mentions(load_fixtures()) if g.entity == identity}
    assert len(surfaces) >= 4  # "Andrey Rudenko", "Andrei Rudenko", "Андрея Руденко", ...
