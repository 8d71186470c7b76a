"""The site's users: a custom model from day one, so later fields need no swap."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A reader, editor or administrator of the site."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=8, blank=True, default=""
    )
