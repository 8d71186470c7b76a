"""How well newsdesk finds entity mentions and links them, against a hand-labelled set.

    .venv/bin/python benchmarks/mentions_quality.py [--json] [--fixtures DIR]

The set is tests/news/fixtures/mentions/ (one JSON file per text, labelling rules in its
README.md). A throwaway SQLite database gets the starting catalog (catalog_ensure); then each
text, in file-name order, goes through pipeline.ner.find_spans and news.entities.spans_link
(create=True, so names new to the catalog become entities that later texts link to).

Reported per language and overall:
- finding: precision, recall and F1 of the spans, exact (same start and end) and lenient
  (overlapping, each span matched at most once);
- kind: the share of matched spans whose kind is the gold one (the linked entity's kind,
  else the span's own);
- linking, on gold mentions whose span was found: accuracy for identities that are starting
  catalog keys (the entity's key is the gold key), and pairwise precision/recall/F1 over the
  other mentions (pairs of one gold identity against pairs of one predicted entity);
- spelling variants: each identity written in more than one way ("Andrey Rudenko",
  "Andrei Rudenko", "Андрея Руденко") passes when all its found mentions got one entity.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "news" / "fixtures" / "mentions"
LANGUAGES = ("ru", "en")


@dataclass(frozen=True, slots=True)
class Gold:
    """One hand-labelled mention."""

    text_id: str
    lang: str
    start: int
    end: int
    surface: str
    kind: str
    entity: str


@dataclass(frozen=True, slots=True)
class Predicted:
    """One mention the program found: its span, kind, and the entity it was linked to."""

    text_id: str
    lang: str
    start: int
    end: int
    surface: str
    kind: str  # the linked entity's kind, else the span's
    entity_id: int | None
    entity_key: str  # the entity's starting-catalog key, "" for others and unlinked


def load_fixtures(directory: Path = FIXTURES) -> list[dict[str, Any]]:
    """The labelled texts of DIRECTORY, in file-name order."""
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))
    ]


def fixture_problems(fixture: dict[str, Any]) -> list[str]:
    """What is wrong with one labelled text: offsets not matching surfaces, unknown kinds."""
    problems = []
    text = fixture["text"]
    if fixture.get("lang") not in LANGUAGES:
        problems.append(f"{fixture.get('id')}: lang {fixture.get('lang')!r}")
    for mention in fixture["mentions"]:
        start, end = mention["start"], mention["end"]
        if not (0 <= start < end <= len(text)) or text[start:end] != mention["surface"]:
            problems.append(f"{fixture['id']}: {mention['surface']!r} at {start}:{end}")
        if mention["kind"] not in ("person", "organization", "country", "place", "event"):
            problems.append(f"{fixture['id']}: kind {mention['kind']!r}")
        if not mention.get("entity"):
            problems.append(f"{fixture['id']}: {mention['surface']!r} has no entity")
    return problems


def gold_mentions(fixtures: Iterable[dict[str, Any]]) -> list[Gold]:
    """Every labelled mention of FIXTURES."""
    return [
        Gold(f["id"], f["lang"], m["start"], m["end"], m["surface"], m["kind"], m["entity"])
        for f in fixtures
        for m in f["mentions"]
    ]


def predict(fixtures: Sequence[dict[str, Any]]) -> list[Predicted]:
    """Find and link the mentions of every text, in order (needs Django set up, a migrated
    database and the starting catalog)."""
    from newsdesk.news.entities import spans_link
    from newsdesk.news.models import Entity
    from newsdesk.pipeline.ner import find_spans

    found: list[tuple[str, str, Any]] = []
    for fixture in fixtures:
        spans = find_spans(fixture["text"], fixture["lang"])
        linked = spans_link(spans, text=fixture["text"], language=fixture["lang"], create=True)
        found.extend((fixture["id"], fixture["lang"], one) for one in linked)
    entities = {
        pk: (kind, key) for pk, kind, key in Entity.objects.values_list("pk", "kind", "key")
    }
    predicted = []
    for text_id, lang, one in found:
        kind, key = entities.get(one.entity_id, (one.span.kind, "")) if one.entity_id else ("", "")
        predicted.append(
            Predicted(
                text_id,
                lang,
                one.span.start,
                one.span.end,
                one.span.surface,
                kind or one.span.kind,
                one.entity_id,
                key,
            )
        )
    return predicted


def catalog_keys() -> set[str]:
    """The keys of the starting catalog (countries, organizations, people... it ships)."""
    from newsdesk.pipeline.catalog_data import seed_entities

    return {seed.key for seed in seed_entities()}


def match(
    gold: Sequence[Gold], predicted: Sequence[Predicted], *, lenient: bool
) -> list[tuple[Gold, Predicted]]:
    """Pairs of one gold and one predicted mention of the same text: same extent, or (LENIENT)
    overlapping, the exact pairs taken first and then the largest overlaps; each at most once."""
    by_text: dict[str, list[int]] = defaultdict(list)
    for index, one in enumerate(predicted):
        by_text[one.text_id].append(index)
    used: set[int] = set()
    pairs: dict[int, int] = {}
    for g_index, g in enumerate(gold):
        for p_index in by_text[g.text_id]:
            p = predicted[p_index]
            if p_index not in used and (p.start, p.end) == (g.start, g.end):
                pairs[g_index] = p_index
                used.add(p_index)
                break
    if lenient:
        for g_index, g in enumerate(gold):
            if g_index in pairs:
                continue
            best, best_overlap = -1, 0
            for p_index in by_text[g.text_id]:
                p = predicted[p_index]
                overlap = min(g.end, p.end) - max(g.start, p.start)
                if p_index not in used and overlap > best_overlap:
                    best, best_overlap = p_index, overlap
            if best >= 0:
                pairs[g_index] = best
                used.add(best)
    return [(gold[g], predicted[p]) for g, p in sorted(pairs.items())]


def prf(hits: int, predicted: int, gold: int) -> dict[str, float]:
    """Precision, recall and F1 (0 where undefined)."""
    precision = hits / predicted if predicted else 0.0
    recall = hits / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def pairwise(pairs: Sequence[tuple[Gold, Predicted]]) -> dict[str, float]:
    """Pairwise cluster precision/recall/F1: pairs of mentions of one gold identity against
    pairs linked to one entity (unlinked mentions are each their own cluster)."""
    same_gold = same_predicted = both = 0
    for (g1, p1), (g2, p2) in combinations(pairs, 2):
        gold_same = g1.entity == g2.entity
        predicted_same = p1.entity_id is not None and p1.entity_id == p2.entity_id
        same_gold += gold_same
        same_predicted += predicted_same
        both += gold_same and predicted_same
    return {**prf(both, same_predicted, same_gold), "pairs": same_gold}


def variant_failures(pairs: Sequence[tuple[Gold, Predicted]]) -> tuple[int, list[dict[str, Any]]]:
    """(identities written more than one way, those whose found mentions did not all get one
    entity: identity, surfaces, entity ids)."""
    surfaces: dict[str, set[str]] = defaultdict(set)
    entities: dict[str, set[int | None]] = defaultdict(set)
    for g, p in pairs:
        surfaces[g.entity].add(g.surface)
        entities[g.entity].add(p.entity_id)
    variants = sorted(identity for identity, names in surfaces.items() if len(names) > 1)
    failures = [
        {
            "entity": identity,
            "surfaces": sorted(surfaces[identity]),
            "entity_ids": sorted(entities[identity], key=lambda e: -1 if e is None else e),
        }
        for identity in variants
        if len(entities[identity]) != 1 or None in entities[identity]
    ]
    return len(variants), failures


def evaluate(
    gold: Sequence[Gold], predicted: Sequence[Predicted], keys: set[str]
) -> dict[str, Any]:
    """All measures for one set of mentions (one language, or all)."""
    exact = match(gold, predicted, lenient=False)
    lenient = match(gold, predicted, lenient=True)
    in_catalog = [(g, p) for g, p in lenient if g.entity in keys]
    outside = [(g, p) for g, p in lenient if g.entity not in keys]
    variants, failures = variant_failures(lenient)
    right = sum(p.entity_key == g.entity for g, p in in_catalog)
    return {
        "gold": len(gold),
        "predicted": len(predicted),
        "exact": prf(len(exact), len(predicted), len(gold)),
        "lenient": prf(len(lenient), len(predicted), len(gold)),
        "kind_accuracy": round(sum(g.kind == p.kind for g, p in lenient) / len(lenient), 3)
        if lenient
        else 0.0,
        "catalog_linking": {
            "mentions": len(in_catalog),
            "accuracy": round(right / len(in_catalog), 3) if in_catalog else 0.0,
        },
        "cluster_linking": {"mentions": len(outside), **pairwise(outside)},
        "variants": {"identities": variants, "failures": failures},
    }


def measure(fixtures: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Predict on FIXTURES and evaluate per language and overall (Django ready, catalog in)."""
    gold = gold_mentions(fixtures)
    predicted = predict(fixtures)
    keys = catalog_keys()
    report: dict[str, Any] = {
        lang: evaluate(
            [g for g in gold if g.lang == lang], [p for p in predicted if p.lang == lang], keys
        )
        for lang in LANGUAGES
    }
    report["all"] = evaluate(gold, predicted, keys)
    report["texts"] = len(fixtures)
    report["errors"] = errors(gold, predicted, keys)
    return report


def errors(gold: Sequence[Gold], predicted: Sequence[Predicted], keys: set[str]) -> dict[str, Any]:
    """Examples of each error kind: missed, spurious, wrong kind, wrong catalog link."""
    lenient = match(gold, predicted, lenient=True)
    found_gold = {(g.text_id, g.start) for g, _ in lenient}
    found_predicted = {(p.text_id, p.start, p.end) for _, p in lenient}
    missed = [
        f"{g.text_id}: {g.surface} ({g.entity})"
        for g in gold
        if (g.text_id, g.start) not in found_gold
    ]
    spurious = [
        f"{p.text_id}: {p.surface} ({p.kind})"
        for p in predicted
        if (p.text_id, p.start, p.end) not in found_predicted
    ]
    kind = [f"{g.text_id}: {g.surface} {g.kind}->{p.kind}" for g, p in lenient if g.kind != p.kind]
    link = [
        f"{g.text_id}: {g.surface} {g.entity}->{p.entity_key or p.entity_id}"
        for g, p in lenient
        if g.entity in keys and p.entity_key != g.entity
    ]
    return {"missed": missed, "spurious": spurious, "kind": kind, "catalog_link": link}


def setup_django() -> None:
    """A throwaway SQLite database in a temporary directory, migrated."""
    work = Path(tempfile.mkdtemp(prefix="newsdesk-quality-"))
    os.environ["NEWSDESK_DATA_DIR"] = str(work / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsdesk.config.settings"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def table(report: dict[str, Any]) -> str:
    """The report as a plain-text table."""
    columns = [*LANGUAGES, "all"]
    rows: list[tuple[str, Any]] = [
        ("gold mentions", lambda r: r["gold"]),
        ("predicted mentions", lambda r: r["predicted"]),
        ("exact P", lambda r: r["exact"]["precision"]),
        ("exact R", lambda r: r["exact"]["recall"]),
        ("exact F1", lambda r: r["exact"]["f1"]),
        ("lenient P", lambda r: r["lenient"]["precision"]),
        ("lenient R", lambda r: r["lenient"]["recall"]),
        ("lenient F1", lambda r: r["lenient"]["f1"]),
        ("kind accuracy", lambda r: r["kind_accuracy"]),
        ("catalog mentions", lambda r: r["catalog_linking"]["mentions"]),
        ("catalog link accuracy", lambda r: r["catalog_linking"]["accuracy"]),
        ("other mentions", lambda r: r["cluster_linking"]["mentions"]),
        ("cluster pair P", lambda r: r["cluster_linking"]["precision"]),
        ("cluster pair R", lambda r: r["cluster_linking"]["recall"]),
        ("cluster pair F1", lambda r: r["cluster_linking"]["f1"]),
        ("variant identities", lambda r: r["variants"]["identities"]),
        ("variant failures", lambda r: len(r["variants"]["failures"])),
    ]
    lines = [f"{'':24}" + "".join(f"{c:>8}" for c in columns)]
    for name, get in rows:
        lines.append(f"{name:24}" + "".join(f"{get(report[c])!s:>8}" for c in columns))
    lines.append(f"\ntexts: {report['texts']}")
    lines.append("spelling-variant failures (all):")
    for failure in report["all"]["variants"]["failures"]:
        lines.append(
            f"  {failure['entity']}: {' / '.join(failure['surfaces'])} -> {failure['entity_ids']}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--errors", action="store_true", help="list every error")
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    setup_django()
    from newsdesk.news.entities import catalog_ensure

    catalog_ensure()
    fixtures = load_fixtures(args.fixtures)
    problems = [p for f in fixtures for p in fixture_problems(f)]
    if problems:
        print("\n".join(problems), file=sys.stderr)
    report = measure(fixtures)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    print(table(report))
    if args.errors:
        for name, items in report["errors"].items():
            print(f"\n{name} ({len(items)}):")
            for item in items:
                print(f"  {item}")


if __name__ == "__main__":
    main()
