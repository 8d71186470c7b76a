"""Set up the demo site: build its origin pages, register its sources, ensure an admin."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from newsdesk.demo.corpus import DEMO_SOURCES
from newsdesk.demo.site import build_demo_site
from newsdesk.sources.models import Source

ADMIN_USERNAME = "admin"


def demo_site_dir() -> Path:
    """Where the demo origin site is written (inside the data folder, a permitted file root)."""
    return Path(settings.DATA_DIR) / "demo-site"


@transaction.atomic
def demo_sources_register() -> list[Source]:
    """Build the demo origin and register (or refresh) one Source per demo feed."""
    feeds = build_demo_site(demo_site_dir())
    sources = []
    for key, spec in DEMO_SOURCES.items():
        source, _created = Source.objects.update_or_create(
            slug=f"demo-{key}",
            defaults={
                "name": spec.name,
                "kind": Source.Kind.FEED,
                "url": feeds[key],
                "homepage": spec.homepage,
                "language": spec.language,
                "rights_holder": spec.rights_holder,
                "rights_statement": spec.rights_statement,
                "license_name": spec.license_name,
                "license_url": spec.license_url,
                "enabled": True,
            },
        )
        sources.append(source)
    return sources


def demo_admin_ensure() -> tuple[str, str]:
    """Create the demo's admin account once; return its user name and password.

    The password is random, kept in the data folder (mode 0600) so it can be shown again.
    """
    password_file = Path(settings.DATA_DIR) / "demo-admin-password"
    user_model = get_user_model()
    if password_file.exists() and user_model.objects.filter(username=ADMIN_USERNAME).exists():
        return ADMIN_USERNAME, password_file.read_text().strip()
    password = secrets.token_urlsafe(12)
    user, _created = user_model.objects.get_or_create(
        username=ADMIN_USERNAME, defaults={"email": "admin@localhost"}
    )
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return ADMIN_USERNAME, password
