"""Django settings, read from the environment with safe defaults.

Nothing set: SQLite in NEWSDESK_DATA_DIR (WAL mode), background work in-process,
DEBUG off. DATABASE_URL switches to PostgreSQL; CELERY_BROKER_URL to Celery workers.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

from newsdesk.config.caching import caches_from_url

# Lets admin classes be written ModelAdmin[Model] for mypy at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, *, default: bool = False) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, *, default: str = "") -> list[str]:
    """Read a comma-separated environment variable as a list of stripped items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("NEWSDESK_DATA_DIR") or "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Take the key from the environment, else from DATA_DIR, generating it on first run."""
    if key := os.environ.get("NEWSDESK_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(50)
    # O_EXCL: when two processes start at once, one writes and both read the same key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("NEWSDESK_DEBUG")
ALLOWED_HOSTS = env_list("NEWSDESK_ALLOWED_HOSTS", default="localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("NEWSDESK_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "newsdesk.accounts",
    "newsdesk.sources",
    "newsdesk.news",
    "newsdesk.search",
    "newsdesk.demo",
]

MIDDLEWARE = [
    # First: stores the finished response of an anonymous reader page (see config/caching.py).
    "newsdesk.config.caching.PageCacheUpdateMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag on every page; 304 when the reader's copy (or the cached page's ETag) matches.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: answers from the page cache once the request's language is known.
    "newsdesk.config.caching.PageCacheFetchMiddleware",
]

# The page cache: the process's memory unless NEWSDESK_CACHE_URL names a Redis server
# (which every worker process shares). Reader pages are kept NEWSDESK_PAGE_CACHE_SECONDS
# (0: rendered on every request, still with an ETag).
CACHES = caches_from_url(
    os.environ.get("NEWSDESK_CACHE_URL", ""),
    key_prefix=os.environ.get("NEWSDESK_CACHE_KEY_PREFIX", "newsdesk"),
)
NEWSDESK_PAGE_CACHE_SECONDS = max(0, int(os.environ.get("NEWSDESK_PAGE_CACHE_SECONDS", "60")))
CACHE_MIDDLEWARE_SECONDS = NEWSDESK_PAGE_CACHE_SECONDS
# How long the number of articles in a list (home, entity, source pages) is kept: counting
# 100,000 articles costs more than the rest of the page (0: counted on every render).
NEWSDESK_COUNT_CACHE_SECONDS = max(0, int(os.environ.get("NEWSDESK_COUNT_CACHE_SECONDS", "300")))
CACHE_MIDDLEWARE_KEY_PREFIX = "page"
CACHE_MIDDLEWARE_ALIAS = "pages"

ROOT_URLCONF = "newsdesk.config.urls"
WSGI_APPLICATION = "newsdesk.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite: WAL lets the web process read while an ingest process writes; IMMEDIATE
# transactions plus a busy timeout make concurrent writers wait instead of failing.
SQLITE_OPTIONS: dict[str, Any] = {
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

if database_url := os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "newsdesk.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The test database is a file, not memory, so a Celery worker in another process sees it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-newsdesk.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("NEWSDESK_TIME_ZONE", "UTC")
USE_I18N = True
# "7 марта 2023, 05:33" / "March 7, 2023, 05:33": newsdesk/formats/<language>/formats.py.
FORMAT_MODULE_PATH = ["newsdesk.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
NEWSDESK_SERVE_MEDIA = env_bool("NEWSDESK_SERVE_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("NEWSDESK_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Background work: in-process unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# Outgoing fetches. Private, loopback, link-local and multicast addresses are refused
# unless listed here (host names, IP addresses or networks such as 127.0.0.0/8).
NEWSDESK_FETCH_ALLOW = env_list("NEWSDESK_FETCH_ALLOW")
# file:// sources may only read below these folders.
NEWSDESK_FILE_ROOTS = [Path(p).resolve() for p in env_list("NEWSDESK_FILE_ROOTS")] or [DATA_DIR]
NEWSDESK_FETCH_MAX_BYTES = int(os.environ.get("NEWSDESK_FETCH_MAX_BYTES", str(10 * 1024 * 1024)))
NEWSDESK_FETCH_TIMEOUT = float(os.environ.get("NEWSDESK_FETCH_TIMEOUT", "20"))
NEWSDESK_USER_AGENT = os.environ.get(
    "NEWSDESK_USER_AGENT", "newsdesk/0.1 (self-hosted news reader)"
)
# Politeness: seconds between two requests to one host (robots.txt Crawl-delay may raise it),
# and whether robots.txt is obeyed (an operator may turn it off for their own sites only).
NEWSDESK_HOST_DELAY = float(os.environ.get("NEWSDESK_HOST_DELAY", "1"))
NEWSDESK_OBEY_ROBOTS = env_bool("NEWSDESK_OBEY_ROBOTS", default=True)
# Further attempts after a timeout, 429 or 5xx, waiting with exponential backoff and jitter
# (or as long as Retry-After says, up to NEWSDESK_FETCH_MAX_RETRY_AFTER seconds).
NEWSDESK_FETCH_RETRIES = int(os.environ.get("NEWSDESK_FETCH_RETRIES", "2"))
NEWSDESK_FETCH_MAX_RETRY_AFTER = float(os.environ.get("NEWSDESK_FETCH_MAX_RETRY_AFTER", "60"))
# Scheduling: a source failing this many times in a row is paused (0: never), and the
# scheduler looks for due sources this often (seconds).
NEWSDESK_PAUSE_AFTER_FAILURES = int(os.environ.get("NEWSDESK_PAUSE_AFTER_FAILURES", "8"))
NEWSDESK_ENQUEUE_EVERY = float(os.environ.get("NEWSDESK_ENQUEUE_EVERY", "60"))
# Machine translation: the provider ("none", "libretranslate" or "argos"), the languages
# every article is translated into (comma-separated; an article is never translated into its
# own language), and the LibreTranslate server (a self-hosted one; its key is a secret).
NEWSDESK_TRANSLATION_PROVIDER = os.environ.get("NEWSDESK_TRANSLATION_PROVIDER", "none")
NEWSDESK_TRANSLATE_TO = tuple(
    code.strip().lower()
    for code in os.environ.get("NEWSDESK_TRANSLATE_TO", "").split(",")
    if code.strip()
)
NEWSDESK_LIBRETRANSLATE_URL = os.environ.get("NEWSDESK_LIBRETRANSLATE_URL", "")
NEWSDESK_LIBRETRANSLATE_API_KEY = os.environ.get("NEWSDESK_LIBRETRANSLATE_API_KEY", "")
NEWSDESK_TRANSLATION_TIMEOUT = float(os.environ.get("NEWSDESK_TRANSLATION_TIMEOUT", "60"))
NEWSDESK_TRANSLATION_RETRIES = int(os.environ.get("NEWSDESK_TRANSLATION_RETRIES", "2"))
# One BLAS thread per process: the recognizers' small matrix products gain nothing from more,
# and natasha doubles its CPU time with a thread per core. Set before numpy is first imported
# (the pipeline imports it after the settings); an operator's own value stands.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# The languages the site's articles are written in (ISO 639-1, comma-separated): language
# detection weighs only these, which makes it faster and surer.
NEWSDESK_LANGUAGES = tuple(
    code.strip().lower()
    for code in os.environ.get("NEWSDESK_LANGUAGES", "ru,en").split(",")
    if code.strip()
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("NEWSDESK_LOG_LEVEL", "WARNING")},
    # trafilatura logs every page it discards; our own failures are recorded per item.
    "loggers": {"trafilatura": {"level": "CRITICAL"}},
}
