"""The ingestion-health selector and its admin page: problems first, in bounded queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from newsdesk.accounts.models import User
from newsdesk.sources.models import IngestFailure, Source
from newsdesk.sources.selectors import HealthStatus, source_health
from tests.factories import ArticleFactory, SourceFactory

pytestmark = pytest.mark.django_db

HEALTH = "/admin/sources/source/health/"
CHANGELIST = "/admin/sources/source/"


def make_sources(now=None) -> dict[str, Source]:
    """One source in every state."""
    now = now or timezone.now()
    ok = SourceFactory(name="Calm Wire", last_success_at=now - timedelta(minutes=10))
    failing = SourceFactory(
        name="Shaky Wire",
        consecutive_failures=3,
        last_success_at=now - timedelta(days=1),
        last_error="HTTP 503 Service Unavailable",
        last_error_at=now - timedelta(minutes=5),
    )
    flaky = SourceFactory(name="Flaky Wire", consecutive_failures=1, last_error="timeout")
    paused = SourceFactory(
        name="Broken Wire",
        consecutive_failures=8,
        paused_at=now - timedelta(hours=2),
        pause_reason="Paused after 8 consecutive failures. Last error: HTTP 410 Gone",
    )
    never = SourceFactory(name="New Wire")
    disabled = SourceFactory(name="Old Wire", enabled=False, consecutive_failures=5)
    return {
        "ok": ok,
        "failing": failing,
        "flaky": flaky,
        "paused": paused,
        "never": never,
        "disabled": disabled,
    }


def staff_user(*, codenames: tuple[str, ...], username: str = "editor") -> User:
    """A staff user holding the given sources permissions."""
    user = User.objects.create_user(username=username, password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="sources", codename__in=codenames)
    )
    return user


def logged_in(user: User, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


# The selector


def test_health_rows_put_paused_then_failing_then_never_fetched_then_ok_then_disabled() -> None:
    sources = make_sources()

    rows = source_health(now=timezone.now())

    assert [r.name for r in rows] == [
        "Broken Wire",
        "Shaky Wire",
        "Flaky Wire",
        "New Wire",
        "Calm Wire",
        "Old Wire",
    ]
    by_name = {r.name: r for r in rows}
    assert by_name["Broken Wire"].status == HealthStatus.PAUSED
    assert by_name["Broken Wire"].pause_reason == sources["paused"].pause_reason
    assert by_name["Shaky Wire"].status == HealthStatus.FAILING
    assert by_name["New Wire"].status == HealthStatus.NEVER_FETCHED
    assert by_name["Calm Wire"].status == HealthStatus.OK
    assert by_name["Old Wire"].status == HealthStatus.DISABLED
    assert by_name["Calm Wire"].poll_interval == sources["ok"].fetch_interval


def test_health_counts_articles_and_recent_failures_without_multiplying_them() -> None:
    now = timezone.now()
    source = SourceFactory()
    other = SourceFactory()
    ArticleFactory.create_batch(14, source=source, fetched_at=now - timedelta(days=2))
    ArticleFactory.create_batch(3, source=source, fetched_at=now - timedelta(days=20))
    ArticleFactory.create_batch(2, source=other)
    for hours in (1, 5, 23):
        IngestFailure.objects.create(
            source=source, stage="fetch", message="x", created_at=now - timedelta(hours=hours)
        )
    IngestFailure.objects.create(
        source=source, stage="fetch", message="old", created_at=now - timedelta(days=3)
    )

    rows = {r.pk: r for r in source_health(now=now)}

    assert rows[source.pk].articles_total == 17
    assert rows[source.pk].articles_per_day == pytest.approx(2.0)
    assert rows[source.pk].failures_recent == 3
    assert rows[other.pk].articles_total == 2
    assert rows[other.pk].failures_recent == 0


def test_health_of_a_source_without_articles_or_failures_is_zeros() -> None:
    source = SourceFactory()

    [row] = source_health(now=timezone.now())

    assert (row.pk, row.articles_total, row.articles_per_day, row.failures_recent) == (
        source.pk,
        0,
        0.0,
        0,
    )


def test_health_takes_one_query_however_many_sources() -> None:
    for _ in range(3):
        source = SourceFactory()
        ArticleFactory.create_batch(2, source=source)
        IngestFailure.objects.create(source=source, stage="fetch", message="x")
    with CaptureQueriesContext(connection) as few:
        source_health(now=timezone.now())
    for _ in range(12):
        source = SourceFactory()
        ArticleFactory(source=source)
        IngestFailure.objects.create(source=source, stage="parse", message="y")
    with CaptureQueriesContext(connection) as many:
        rows = source_health(now=timezone.now())

    assert len(rows) == 15
    assert len(few) == len(many) == 1


# The admin page


def test_health_page_shows_the_pause_reason_and_problems_first(admin_client: Client) -> None:
    make_sources()

    response = admin_client.get(HEALTH)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Paused after 8 consecutive failures. Last error: HTTP 410 Gone" in page
    assert "HTTP 503 Service Unavailable" in page
    positions = [page.index(name) for name in ("Broken Wire", "Shaky Wire", "Calm Wire")]
    assert positions == sorted(positions)


def test_health_page_links_each_source_and_its_failures(admin_client: Client) -> None:
    source = SourceFactory(name="Linked Wire")

    page = admin_client.get(HEALTH).content.decode()

    assert reverse("admin:sources_source_change", args=[source.pk]) in page
    failures = reverse("admin:sources_ingestfailure_changelist") + (
        f"?source__id__exact={source.pk}"
    )
    assert failures in page


def test_failures_link_lists_only_that_sources_failures(admin_client: Client) -> None:
    source = SourceFactory()
    other = SourceFactory()
    IngestFailure.objects.create(source=source, stage="fetch", message="mine-timeout")
    IngestFailure.objects.create(source=other, stage="fetch", message="theirs-refused")

    response = admin_client.get(
        reverse("admin:sources_ingestfailure_changelist"), {"source__id__exact": source.pk}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "mine-timeout" in page
    assert "theirs-refused" not in page


def test_health_page_costs_the_same_queries_for_three_or_thirty_sources(
    admin_client: Client,
) -> None:
    for _ in range(3):
        SourceFactory(paused_at=timezone.now(), pause_reason="r")
    admin_client.get(HEALTH)  # session and user caches warm
    with CaptureQueriesContext(connection) as few:
        admin_client.get(HEALTH)
    for _ in range(27):
        source = SourceFactory(consecutive_failures=2)
        ArticleFactory(source=source)
        IngestFailure.objects.create(source=source, stage="fetch", message="x")
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(HEALTH)

    assert response.status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 6


def test_health_page_sends_anonymous_visitors_to_the_login(client: Client) -> None:
    response = client.get(HEALTH)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_health_page_sends_non_staff_users_to_the_login() -> None:
    user = User.objects.create_user(username="reader", password="x")
    user.user_permissions.set(Permission.objects.filter(codename="view_source"))

    response = logged_in(user).get(HEALTH)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_health_page_is_forbidden_to_staff_without_the_sources_view_permission() -> None:
    SourceFactory(name="Secret Wire")
    user = staff_user(codenames=("view_ingestfailure",))

    response = logged_in(user).get(HEALTH)

    assert response.status_code == 403
    assert b"Secret Wire" not in response.content


def test_view_only_staff_see_the_page_without_pause_or_resume_buttons() -> None:
    SourceFactory(paused_at=timezone.now(), pause_reason="Paused by admin.")
    SourceFactory()
    user = staff_user(codenames=("view_source",))

    response = logged_in(user).get(HEALTH)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Paused by admin." in page
    assert 'value="resume_sources"' not in page
    assert 'value="pause_sources"' not in page


def test_changelist_and_admin_index_link_to_the_health_page(admin_client: Client) -> None:
    assert HEALTH in admin_client.get(CHANGELIST).content.decode()
    assert HEALTH in admin_client.get("/admin/").content.decode()


def test_admin_index_hides_the_health_link_from_staff_who_cannot_see_sources() -> None:
    user = staff_user(codenames=())

    response = logged_in(user).get("/admin/")

    assert response.status_code == 200
    assert HEALTH not in response.content.decode()


def test_health_page_escapes_hostile_names_and_reasons(admin_client: Client) -> None:
    SourceFactory(
        name="<script>alert(1)</script>",
        paused_at=timezone.now(),
        pause_reason='<img src=x onerror="alert(2)">',
        last_error="<b>bold</b>" * 1000,
    )

    page = admin_client.get(HEALTH).content.decode()

    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_health_page_renders_in_russian(admin_client: Client) -> None:
    make_sources()

    response = admin_client.get(HEALTH, headers={"accept-language": "ru"})

    assert response.status_code == 200
    assert response["Content-Language"] == "ru"


def test_health_page_with_no_sources_says_so(admin_client: Client) -> None:
    response = admin_client.get(HEALTH)

    assert response.status_code == 200
    assert "No sources yet." in response.content.decode()


def test_list_filter_shows_only_paused_sources(admin_client: Client) -> None:
    SourceFactory(name="Stopped Wire", paused_at=timezone.now(), pause_reason="r")
    SourceFactory(name="Running Wire")

    page = admin_client.get(CHANGELIST, {"paused": "yes"}).content.decode()

    assert "Stopped Wire" in page
    assert "Running Wire" not in page


# Pause and resume actions


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def test_resume_from_the_health_page_makes_the_source_due_and_returns_there() -> None:
    source = SourceFactory(
        paused_at=timezone.now(),
        pause_reason="Paused after 8 consecutive failures.",
        consecutive_failures=8,
        next_fetch_at=timezone.now() + timedelta(days=1),
    )
    client = logged_in(
        staff_user(codenames=("view_source", "change_source")), enforce_csrf_checks=True
    )
    token = csrf_token(client.get(HEALTH).content.decode())

    response = client.post(
        CHANGELIST,
        {
            "csrfmiddlewaretoken": token,
            "action": "resume_sources",
            "_selected_action": str(source.pk),
            "_back_to_health": "1",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == HEALTH
    source.refresh_from_db()
    assert source.paused_at is None
    assert source.pause_reason == ""
    assert source.consecutive_failures == 0
    assert source.next_fetch_at is not None and source.next_fetch_at <= timezone.now()
    assert "1 source resumed." in client.get(HEALTH).content.decode()


def test_resume_without_the_csrf_token_is_refused() -> None:
    source = SourceFactory(paused_at=timezone.now(), pause_reason="r")
    client = logged_in(
        staff_user(codenames=("view_source", "change_source")), enforce_csrf_checks=True
    )

    response = client.post(
        CHANGELIST, {"action": "resume_sources", "_selected_action": str(source.pk)}
    )

    assert response.status_code == 403
    source.refresh_from_db()
    assert source.paused_at is not None


def test_resume_by_get_changes_nothing(admin_client: Client) -> None:
    source = SourceFactory(paused_at=timezone.now(), pause_reason="r")

    admin_client.get(CHANGELIST, {"action": "resume_sources", "_selected_action": source.pk})

    source.refresh_from_db()
    assert source.paused_at is not None


def test_view_only_staff_cannot_resume_a_source() -> None:
    source = SourceFactory(paused_at=timezone.now(), pause_reason="r")
    client = logged_in(staff_user(codenames=("view_source",)))

    client.post(CHANGELIST, {"action": "resume_sources", "_selected_action": str(source.pk)})

    source.refresh_from_db()
    assert source.paused_at is not None


def test_pause_action_from_the_changelist_records_who_paused() -> None:
    running = SourceFactory()
    already = SourceFactory(paused_at=timezone.now() - timedelta(days=1), pause_reason="first")
    client = logged_in(staff_user(codenames=("view_source", "change_source")))

    response = client.post(
        CHANGELIST,
        {
            "action": "pause_sources",
            "_selected_action": [str(running.pk), str(already.pk)],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    running.refresh_from_db()
    already.refresh_from_db()
    assert running.paused_at is not None
    assert running.pause_reason == "Paused by editor."
    assert already.pause_reason == "first", "an earlier pause keeps its reason"


def test_resume_action_on_a_source_that_is_gone_changes_nothing(admin_client: Client) -> None:
    source = SourceFactory(paused_at=timezone.now(), pause_reason="r")

    response = admin_client.post(
        CHANGELIST, {"action": "resume_sources", "_selected_action": ["999999"]}
    )

    assert response.status_code == 302
    assert "0 sources resumed." in admin_client.get(CHANGELIST).content.decode()
    source.refresh_from_db()
    assert source.paused_at is not None


def test_health_page_counts_failures_in_a_row_and_articles_in_total(admin_client: Client) -> None:
    source = SourceFactory(name="Flaky Wire", consecutive_failures=3, last_error="timeout")
    ArticleFactory.create_batch(2, source=source)
    page = admin_client.get(HEALTH).content.decode()
    assert "3 failures in a row" in page
    assert "2 in total" in page
