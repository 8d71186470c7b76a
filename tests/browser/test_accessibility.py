"""Every kind of reader page, checked in Chromium as the readers who need it most would use it:
axe-core's rules in light and dark colours and in both languages, the keyboard (a skip link
first, a visible focus indicator on every control), the page's structure (one h1, landmarks,
alt text), and the layout from a 360 px phone to a wide screen with a readable measure.

The articles come through the pipeline (the reader_site fixture): an English interview with
its photo, a Russian text beside its English machine translation, and a story of two sources.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Literal

import pytest
from django.urls import reverse, translate_url
from pytest_django.live_server_helper import LiveServer

from newsdesk.news.models import Article
from tests.browser.conftest import SEED, TALKS, TALKS_COPY

# Without Playwright the chromium fixture skips these tests (fails them in CI).
with contextlib.suppress(ImportError):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Page

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ("en", "ru")
SCHEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
# axe-core's default rules (WCAG 2.0-2.2 A and AA, and its best practices), every impact. Text
# contrast is held to 4.5:1 at every size (WCAG asks 3:1 of large text), and short texts such
# as a chart's axis labels are measured too (axe-core leaves texts under 4 characters out).
AXE_OPTIONS: dict[str, Any] = {
    "resultTypes": ["violations"],
    "checks": {
        "color-contrast": {
            "options": {"contrastRatio": {"large": {"expected": 4.5}}, "ignoreLength": True}
        }
    },
}
# A focus indicator must stand out from what is around it (WCAG 2.2, 1.4.11 and 2.4.13).
FOCUS_CONTRAST = 3.0
# Widths a reader's window may have: the narrowest phone we design for, a common phone, a
# tablet, a wide desktop.
WIDTHS = (360, 390, 768, 1920)
# Characters in a line of an article's text on a desktop (about 65-75 in English; Cyrillic
# letters are wider, and Russian words longer: 55-65), and line height to font size.
MEASURE = range(50, 81)
LEADING = (1.4, 1.7)


def reader_pages(site: dict[str, Article]) -> dict[str, str]:
    """Every kind of reader page, by name: its English address."""
    seed, talks = site[SEED], site[TALKS]
    return {
        "home": reverse("news:home"),
        "home filtered": f"{reverse('news:home')}?lang=en&source={seed.source.slug}",
        "article": seed.get_absolute_url(),
        # Read in English, the Russian original stands beside its machine translation.
        "article with translation": talks.get_absolute_url(),
        "entity": reverse("news:entity", kwargs={"slug": "china"}),
        # Its home page's address is long enough to push a phone's page sideways.
        "source": reverse("news:source", kwargs={"slug": site[TALKS_COPY].source.slug}),
        "story": reverse("news:story", kwargs={"pk": talks.story_id}),
        "search": f"{reverse('search:results')}?q=threat",
        "not found": "/en/no-such-page/",
    }


def in_language(path: str, code: str) -> str:
    """The English PATH in the interface language CODE (also an address with no page)."""
    translated = translate_url(path, code)
    return translated if translated != path else path.replace("/en/", f"/{code}/", 1)


def test_every_reader_page_passes_axe_core_in_light_and_dark_colours_and_both_languages(
    reader_site: dict[str, Article], live_server: LiveServer, page: Page
) -> None:
    axe = Axe()
    found: dict[str, list[str]] = {}
    for name, path in reader_pages(reader_site).items():
        for code in LANGUAGES:
            page.goto(live_server.url + in_language(path, code))
            for scheme in SCHEMES:
                page.emulate_media(color_scheme=scheme)
                violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
                if violations:
                    found[f"{name} ({code}, {scheme})"] = [
                        f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary']}"
                        for v in violations
                        for node in v["nodes"]
                    ]
    assert found == {}


def test_the_first_tab_shows_a_skip_link_that_takes_the_keyboard_to_the_main_content(
    reader_site: dict[str, Article], live_server: LiveServer, page: Page
) -> None:
    for name, path in reader_pages(reader_site).items():
        page.goto(live_server.url + path)
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.className")
        assert focused == "skip-link", name
        box = page.locator(".skip-link").bounding_box()
        assert box is not None and box["y"] >= 0 and box["width"] > 50, (name, box)
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "content", name
        # The next Tab goes on from the start of the content, past the header's links.
        page.keyboard.press("Tab")
        assert page.evaluate("() => !!document.activeElement.closest('main')"), name


def test_every_control_reached_by_tab_shows_a_focus_indicator_that_stands_out(
    reader_site: dict[str, Article], live_server: LiveServer, page: Page
) -> None:
    missing: list[str] = []
    reached: set[str] = set()
    for name, path in reader_pages(reader_site).items():
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            page.goto(live_server.url + path)
            for focus in tab_through(page):
                reached.add(focus["tag"])
                where = f"{name} ({scheme}): <{focus['tag']}> {focus['label']!r}"
                if not focus["visible"]:
                    missing.append(f"{where} is focused but not on the screen")
                elif not focus["focusVisible"]:
                    missing.append(f"{where} does not match :focus-visible")
                elif focus["outlineStyle"] == "none" or focus["outlineWidth"] < 2:
                    if focus["boxShadow"] == "none":  # a ring drawn with a shadow would do
                        missing.append(f"{where} has no outline of 2 px or more, no ring")
                elif (ratio := contrast(focus["outlineColor"], focus["background"])) < 3:
                    missing.append(f"{where}: its outline's contrast is {ratio:.2f}:1")
    assert missing == []
    # The walk met every kind of control the pages have.
    assert {"a", "select", "button", "input", "summary"} <= reached


def test_every_reader_page_has_one_h1_its_landmarks_alt_texts_and_a_language(
    reader_site: dict[str, Article], live_server: LiveServer, page: Page
) -> None:
    for name, path in reader_pages(reader_site).items():
        for code in LANGUAGES:
            where = f"{name} ({code})"
            page.goto(live_server.url + in_language(path, code))
            assert page.locator("h1").count() == 1, where
            assert page.get_by_role("banner").count() == 1, where
            assert page.get_by_role("main").count() == 1, where
            assert page.get_by_role("contentinfo").count() == 1, where
            navigations = page.get_by_role("navigation")
            assert navigations.count() >= 2, where  # the site's and the language switch
            labels = [nav.get_attribute("aria-label") for nav in navigations.all()]
            assert all(labels) and len(set(labels)) == len(labels), (where, labels)
            assert page.locator("html").get_attribute("lang") == code, where
            assert page.title().endswith("· newsdesk"), where
            for image in page.locator("img").all():
                assert image.get_attribute("alt"), (where, image.get_attribute("src"))
            # Every text in another language says so, for screen readers and hyphenation.
            langs = set(page.eval_on_selector_all("[lang]", "all => all.map(e => e.lang)"))
            assert langs <= set(LANGUAGES), (where, langs)
    page.goto(live_server.url + reader_site[SEED].get_absolute_url())
    assert page.locator(".article__figure img").get_attribute("alt") == (
        "Andrey Rudenko - how Russia's relations with Asian countries are developing"
    )


def test_no_page_scrolls_sideways_from_a_360_px_phone_to_a_wide_screen(
    reader_site: dict[str, Article], live_server: LiveServer, page: Page
) -> None:
    wide: list[str] = []
    for name, path in reader_pages(reader_site).items():
        for code in LANGUAGES:
            page.goto(live_server.url + in_language(path, code))
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                scroll = page.evaluate("() => document.documentElement.scrollWidth")
                if scroll > width:
                    wide.append(f"{name} ({code}) at {width} px: {scroll} px wide")
    assert wide == []


def test_long_english_and_russian_texts_keep_a_readable_measure_and_line_height(
    reader_site: dict[str, Article], live_server: LiveServer, page: Page
) -> None:
    # The copy of the talks has no translation: its Russian text has the page to itself.
    texts = {
        "en": reader_site[SEED].get_absolute_url(),
        "ru": translate_url(reader_site[TALKS_COPY].get_absolute_url(), "ru"),
    }
    for code, path in texts.items():
        page.goto(live_server.url + path)
        for width in (1280, 1920):
            page.set_viewport_size({"width": width, "height": 900})
            paragraphs = page.eval_on_selector_all(".article__body p.para", MEASURE_SCRIPT)
            longest = max(
                (p for p in paragraphs if p["lang"] == code and p["lines"]),
                key=lambda p: p["chars"],
            )
            per_line = longest["chars"] / longest["lines"]
            assert round(per_line) in MEASURE, (code, width, per_line)
            assert LEADING[0] <= longest["leading"] <= LEADING[1], (code, longest)
            assert longest["hyphens"] == "auto", (code, longest)


# One paragraph's language, characters, lines (its height over its line height), leading.
MEASURE_SCRIPT = """all => all.filter(p => p.innerText.length > 400).map(p => {
  const style = getComputedStyle(p);
  const line = parseFloat(style.lineHeight);
  return {
    lang: p.closest('[lang]').lang,
    chars: p.innerText.length,
    lines: Math.round(p.getBoundingClientRect().height / line),
    leading: line / parseFloat(style.fontSize),
    hyphens: style.hyphens,
  };
})"""

# The focused element: its name, whether it is on the screen, its outline, and the colour
# behind it (the first ancestor with an opaque background, else the page's).
FOCUS_SCRIPT = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  let background = 'rgb(255, 255, 255)';
  for (let node = el.parentElement; node; node = node.parentElement) {
    const color = getComputedStyle(node).backgroundColor;
    if (color !== 'rgba(0, 0, 0, 0)' && color !== 'transparent') { background = color; break; }
  }
  return {
    key: el.tagName + '|' + (el.id || '') + '|' + (el.getAttribute('href') || el.name || '') +
      '|' + Math.round(box.top + window.scrollY) + '|' + Math.round(box.left),
    tag: el.tagName.toLowerCase(),
    label: (el.innerText || el.value || el.getAttribute('aria-label') || '').slice(0, 40),
    visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden',
    focusVisible: el.matches(':focus-visible'),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    outlineColor: style.outlineColor,
    boxShadow: style.boxShadow,
    background,
  };
}"""


def tab_through(page: Page, limit: int = 400) -> list[dict[str, Any]]:
    """The elements Tab reaches from the top of the page, in order, until focus leaves it."""
    seen: list[dict[str, Any]] = []
    keys: set[str] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_SCRIPT)
        if focus is None or focus["key"] in keys:
            return seen
        keys.add(focus["key"])
        seen.append(focus)
    raise AssertionError(f"Tab went on past {limit} elements: a keyboard trap?")


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two CSS colours given as rgb()/rgba() (alpha ignored)."""
    return (max(luminance(first), luminance(second)) + 0.05) / (
        min(luminance(first), luminance(second)) + 0.05
    )


def luminance(color: str) -> float:
    """WCAG relative luminance of an rgb()/rgba() colour."""
    red, green, blue = (float(v) / 255 for v in re.findall(r"[\d.]+", color)[:3])

    def linear(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
