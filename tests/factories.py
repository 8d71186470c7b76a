"""factory_boy factories for sources, articles, stories, entities, mentions and translations."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory
from factory.django import DjangoModelFactory

from newsdesk.news.models import Article, Entity, Mention, Story, Translation
from newsdesk.sources.models import Source

# An interview in the shape of the seed page: lead, then question and answer turns.
INTERVIEW_PARAGRAPHS = [
    {
        "role": "question",
        "text": "You are in charge of the Asian direction at the Foreign Ministry. "
        "How would you describe the situation in the region?",
    },
    {
        "role": "answer",
        "text": "Against the background of increasing international turbulence, most of Asia "
        "is betting on stability and on keeping its growth going.",
    },
    {
        "role": "answer",
        "text": "The main challenge for the region today is to choose the path it will take.",
    },
    {
        "role": "question",
        "text": "How do you assess the level of cooperation with China today?",
    },
    {
        "role": "answer",
        "text": "Our cooperation is going through the best period in its history; trade grew "
        "by about a third between January and November.",
    },
    {"role": "heading", "text": "The Korean peninsula"},
    {
        "role": "quote",
        "text": "It is no longer possible to return to the diplomacy of summits of 2018-2019.",
    },
    {
        "role": "paragraph",
        "text": "The interview was recorded in Moscow at the end of the year.",
    },
]


class SourceFactory(DjangoModelFactory[Source]):
    class Meta:
        model = Source

    name = Sequence(lambda n: f"Foreign Affairs Wire {n}")
    slug = Sequence(lambda n: f"foreign-affairs-wire-{n}")
    kind = Source.Kind.FEED
    url = Sequence(lambda n: f"https://wire{n}.example.org/feed.xml")
    homepage = Sequence(lambda n: f"https://wire{n}.example.org/")
    language = "en"
    rights_holder = LazyAttribute(lambda o: o.name)
    rights_statement = "The material is placed by the copyright holder in the public domain."
    license_name = "CC BY 4.0"
    license_url = "https://creativecommons.org/licenses/by/4.0/"


class StoryFactory(DjangoModelFactory[Story]):
    class Meta:
        model = Story

    title = Sequence(lambda n: f"Talks on strategic stability, round {n}")


class ArticleFactory(DjangoModelFactory[Article]):
    class Meta:
        model = Article

    source = SubFactory(SourceFactory)
    canonical_url = Sequence(lambda n: f"https://wire.example.org/news/{n}")
    link = LazyAttribute(lambda o: o.canonical_url)
    language = "en"
    title = Sequence(
        lambda n: f"Deputy Foreign Minister: Russia will answer military threats ({n})"
    )
    lead = (
        "The Deputy Foreign Minister spoke in an interview about the trends in the dialogue "
        "with Asian countries and the situation on the Korean peninsula."
    )
    paragraphs = LazyFunction(lambda: [dict(p) for p in INTERVIEW_PARAGRAPHS])
    authors = LazyFunction(lambda: ["Anastasia Bobyleva"])
    byline = "Anastasia Bobyleva talked"
    published_at = Sequence(
        lambda n: timezone.now().replace(microsecond=0) - timedelta(hours=n + 1)
    )
    fetched_at = LazyFunction(timezone.now)
    image_url = "https://wire.example.org/images/rudenko.jpg"
    image_alt = "The Deputy Foreign Minister at a press conference"
    image_credit = "Press service of the Foreign Ministry / TASS"
    rights_holder = LazyAttribute(lambda o: o.source.rights_holder)
    rights_statement = LazyAttribute(lambda o: o.source.rights_statement)
    license_name = LazyAttribute(lambda o: o.source.license_name)
    license_url = LazyAttribute(lambda o: o.source.license_url)
    content_hash = Sequence(lambda n: f"{n:064x}")


class EntityFactory(DjangoModelFactory[Entity]):
    class Meta:
        model = Entity

    kind = Entity.Kind.COUNTRY
    name_en = Sequence(lambda n: f"Country {n}")
    name_ru = Sequence(lambda n: f"Страна {n}")
    slug = Sequence(lambda n: f"country-{n}")


class MentionFactory(DjangoModelFactory[Mention]):
    class Meta:
        model = Mention

    article = SubFactory(ArticleFactory)
    entity = SubFactory(EntityFactory)
    surface = LazyAttribute(lambda o: o.entity.name_en)
    start = Sequence(lambda n: n * 10)
    end = LazyAttribute(lambda o: o.start + len(o.surface))
    language = LazyAttribute(lambda o: o.article.language)


class TranslationFactory(DjangoModelFactory[Translation]):
    """A finished machine translation of an article (Russian to English by default)."""

    class Meta:
        model = Translation

    article = SubFactory(ArticleFactory, language="ru")
    language = "en"
    source_language = LazyAttribute(lambda o: o.article.language)
    title = Sequence(lambda n: f"Machine-translated headline {n}")
    lead = "The machine-translated lead."
    paragraphs = LazyFunction(lambda: [dict(p) for p in INTERVIEW_PARAGRAPHS])
    provider = "libretranslate"
    model = "libretranslate/1.6.2"
    status = Translation.Status.DONE
    translated_at = LazyFunction(timezone.now)
