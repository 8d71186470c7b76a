"""Dates as readers of each language expect them, in the site's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

MOMENT = datetime(2023, 3, 7, 2, 33, tzinfo=UTC)


def render(language: str, zone: str) -> str:
    template = Template('{{ moment|date:"DATETIME_FORMAT" }}|{{ moment|date:"DATE_FORMAT" }}')
    with translation.override(language), timezone.override(zone):
        return template.render(Context({"moment": MOMENT}))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "7 марта 2023, 05:33|7 марта 2023"),
        ("en", "March 7, 2023, 05:33|March 7, 2023"),
    ],
)
def test_dates_are_written_as_news_in_each_language_in_the_site_time_zone(
    language: str, expected: str
) -> None:
    assert render(language, "Europe/Moscow") == expected


def test_the_time_zone_moves_the_day_too() -> None:
    assert render("ru", "America/New_York") == "6 марта 2023, 21:33|6 марта 2023"
