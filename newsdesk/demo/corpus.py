"""The bundled demo corpus: 50 licensed articles (articles.jsonl) and the seed interview.

Attribution and licenses of every text are in corpus/README.md; they travel with the data
and are published with each demo source.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

CORPUS_DIR = Path(__file__).parent / "corpus"


@dataclass(slots=True)
class DemoArticle:
    """One article of the corpus, as its origin site would publish it."""

    id: str
    source: str  # key of DEMO_SOURCES
    language: str
    title: str
    url: str
    published: datetime
    lead: str
    paragraphs: list[str]
    authors: list[str] = field(default_factory=list)
    byline: str = ""
    image_credit: str = ""
    image_alt: str = ""


@dataclass(frozen=True, slots=True)
class DemoSource:
    """A demo origin: the feed newsdesk reads, and the rights attached to its texts."""

    key: str
    name: str
    language: str
    feed_format: str  # "rss", "atom" or "rss-full" (RSS with the full text in the feed)
    homepage: str
    rights_holder: str
    rights_statement: str
    license_name: str
    license_url: str


_KREMLIN_RIGHTS = (
    "All materials from the Russian President's website may be reproduced without restriction "
    "on the condition that the original source is referenced. Source: President of Russia, "
    "kremlin.ru / en.kremlin.ru. Changes: text extracted and whitespace normalised."
)

DEMO_SOURCES: dict[str, DemoSource] = {
    source.key: source
    for source in [
        DemoSource(
            key="kremlin-ru",
            name="Президент России (kremlin.ru)",
            language="ru",
            feed_format="rss",
            homepage="http://kremlin.ru/",
            rights_holder="President of Russia (kremlin.ru)",
            rights_statement=_KREMLIN_RIGHTS,
            license_name="CC BY 4.0",
            license_url="https://creativecommons.org/licenses/by/4.0/",
        ),
        DemoSource(
            key="kremlin-en",
            name="President of Russia (en.kremlin.ru)",
            language="en",
            feed_format="atom",
            homepage="http://en.kremlin.ru/",
            rights_holder="President of Russia (en.kremlin.ru)",
            rights_statement=_KREMLIN_RIGHTS,
            license_name="CC BY 4.0",
            license_url="https://creativecommons.org/licenses/by/4.0/",
        ),
        DemoSource(
            key="whitehouse",
            name="The White House (whitehouse.gov)",
            language="en",
            feed_format="rss-full",
            homepage="https://www.whitehouse.gov/",
            rights_holder="The White House",
            rights_statement=(
                "A work of the U.S. Government: copyright protection is not available for it "
                "(17 U.S.C. § 105)."
            ),
            license_name="Public domain (U.S. Government work)",
            license_url="https://www.usa.gov/government-copyright",
        ),
        DemoSource(
            key="tass",
            name="TASS",
            language="en",
            feed_format="atom",
            homepage="https://tass.com/",
            rights_holder="TASS",
            rights_statement="The material is placed by the copyright holder in the public domain.",
            license_name="Public domain",
            license_url="",
        ),
    ]
}


def corpus_articles() -> list[DemoArticle]:
    """All demo articles: the corpus file's 50 and the seed interview."""
    articles = [_from_json(json.loads(line)) for line in _corpus_lines()]
    articles.append(seed_interview())
    return articles


def _corpus_lines() -> list[str]:
    text = (CORPUS_DIR / "articles.jsonl").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def _from_json(item: dict[str, object]) -> DemoArticle:
    paragraphs = [p.strip() for p in str(item["text"]).split("\n\n") if p.strip()]
    identifier = str(item["id"])
    key = "whitehouse" if identifier.startswith("whitehouse") else identifier.rsplit("-", 1)[0]
    # The first paragraph serves as the lead, as on the origin pages, when a body remains.
    lead = paragraphs.pop(0) if len(paragraphs) > 1 else ""
    authors = [str(a) for a in item.get("authors") or []]  # type: ignore[attr-defined]
    return DemoArticle(
        id=identifier,
        source=key,
        language=str(item["lang"]),
        title=str(item["title"]),
        url=str(item["url"]),
        published=datetime.fromisoformat(str(item["published"])),
        lead=lead,
        paragraphs=paragraphs,
        authors=authors,
        byline=", ".join(authors),
    )


def seed_interview() -> DemoArticle:
    """The TASS interview of the seed page, rebuilt from its text (corpus/seed-interview.txt).

    The page glued the photo caption to the lead ("…are developingRussian Deputy…") and broke
    two paragraphs at page boundaries; both are mended here. Questions keep their dialogue
    dashes, as on the page, so that extraction has to recognise them.
    """
    lines = [
        line.strip()
        for line in (CORPUS_DIR / "seed-interview.txt").read_text(encoding="utf-8").splitlines()
    ]
    lines = [line for line in lines if line]
    title = lines[0]
    credit = lines[1].removeprefix("Image source:").strip()
    glued = re.search(r"(?<=[a-z])(?=[A-Z])", lines[2])
    split_at = glued.start() if glued else 0
    caption, lead = lines[2][:split_at].strip(), lines[2][split_at:].strip()
    paragraphs: list[str] = []
    byline = ""
    for line in lines[3:]:
        if line.endswith(" talked") or line == "Anastasia Bobyleva talked":
            byline = line
            break
        if paragraphs and line[0].islower():
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
    return DemoArticle(
        id="tass-rudenko-interview",
        source="tass",
        language="en",
        title=title,
        url="",
        published=datetime.fromisoformat("2023-03-07T05:33:00+03:00"),
        lead=lead,
        paragraphs=paragraphs,
        authors=["Anastasia Bobyleva"],
        byline=byline,
        image_credit=credit,
        image_alt=caption,
    )
