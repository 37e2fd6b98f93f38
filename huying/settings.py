"""Settings for huying, read from environment variables.

The embedded default needs no configuration at all: SQLite under ``var/``, a secret key
generated on first start and kept there. Every variable is listed in the README; a bad value
stops the process with a message naming the variable.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("HUYING_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("HUYING_DEBUG", False)


def _secret_key() -> str:
    """Use HUYING_SECRET_KEY, or a key generated once and kept in the data directory."""
    from os import environ

    if "HUYING_SECRET_KEY" in environ:
        key = env_str("HUYING_SECRET_KEY", "")
        if len(key) < 32:
            raise ImproperlyConfigured("HUYING_SECRET_KEY must be at least 32 characters.")
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("HUYING_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("HUYING_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # its templates and static files: the API docs work without a CDN
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "core",
    "api",
    "console",
    "public",
    "knowledge",
    "duty",
    "reports",
    "federation",
    "greenchannel",
    "open311",
    "media",
    "citizen",
    "enterprise",
    "board",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "huying.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "huying.urls"
WSGI_APPLICATION = "huying.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default. WAL lets readers run beside the one writer, and IMMEDIATE
# transactions take the write lock at BEGIN, so two writers queue on busy_timeout instead of
# one failing half-way with "database is locked" when it tries to upgrade a read lock.
DATABASE_URL = env_str("HUYING_DATABASE_URL", f"sqlite:///{DATA_DIR / 'huying.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
except Exception as exc:  # the library raises several types for a bad URL
    raise ImproperlyConfigured(f"HUYING_DATABASE_URL is not a database URL: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_MAX_AGE"] = env_int("HUYING_DB_CONN_MAX_AGE", 60, minimum=0)
    _db["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured(
        f"HUYING_DATABASE_URL uses {_db['ENGINE']}; huying supports SQLite and PostgreSQL."
    )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:request_list"
LOGOUT_REDIRECT_URL = "console:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("HUYING_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
# Collected under the data directory with everything else the running system makes.
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Front-end packages installed by npm from package-lock.json (``make venv``), never copied here.
STATICFILES_DIRS = [("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist")]
# Serve from the app directories too, so tests and a fresh checkout work before collectstatic.
WHITENOISE_USE_FINDERS = True

# --- Uploaded files -------------------------------------------------------------------------
# Photos and documents sent with requests. There is deliberately no MEDIA_URL: they hold
# personal and health data, so they are served only by views that check who is asking.
MEDIA_ROOT = DATA_DIR / "media"
HUYING_MAX_PHOTO_BYTES = env_int("HUYING_MAX_PHOTO_BYTES", 8 * 1024 * 1024, minimum=1024)
HUYING_MAX_DOCUMENT_BYTES = env_int("HUYING_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024, minimum=1024)
# Django keeps an upload in memory up to this size, then spills it to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Tasks ----------------------------------------------------------------------------------
# The database is the queue: one less service to run on the embedded default, and a task is
# only visible to the worker once the transaction that queued it has committed.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = env_bool("HUYING_SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT

# --- huying ---------------------------------------------------------------------------------
HUYING_DEMO_PASSWORD = env_str("HUYING_DEMO_PASSWORD", "huying-demo-2022")
# The text-message gateway, as a dotted path to a class with ``name`` and ``send(phone, text)``
# (see ``lib.sms``); the default only logs, and every message is kept as an OutboundMessage.
HUYING_SMS_BACKEND = env_str("HUYING_SMS_BACKEND", "lib.sms.LogBackend")
# Redis for the live board's messages between processes; empty: they poll the database.
HUYING_REDIS_URL = env_str("HUYING_REDIS_URL", "")
# The group whose A post on duty is the headquarters duty chief (指挥部值班长), top of escalation.
HUYING_DUTY_CHIEF_GROUP = env_str("HUYING_DUTY_CHIEF_GROUP", "hq")

# The daily report: the day closes at the cut-off (24:00 or a time like 17:00), the task worker
# issues the report of the day just closed at HUYING_REPORT_AT, under the issuing body's name.
# Both times are checked at start-up (``manage.py check``).
HUYING_REPORT_CUTOFF = env_str("HUYING_REPORT_CUTOFF", "24:00")
HUYING_REPORT_AT = env_str("HUYING_REPORT_AT", "00:30")
HUYING_REPORT_ISSUER = env_str("HUYING_REPORT_ISSUER", "市疫情防控指挥部")

# Federation with other command centres (the green channel): this instance's id and name as
# peers know it, its Ed25519 key (generated into the data directory on first use), and how
# far a message's time may be ahead of ours (clock skew) or behind (how long we accept it).
HUYING_INSTANCE_ID = env_str("HUYING_INSTANCE_ID", "jiaozuo")
HUYING_INSTANCE_NAME = env_str("HUYING_INSTANCE_NAME", "焦作市疫情防控指挥部")
HUYING_FEDERATION_KEY_FILE = env_str(
    "HUYING_FEDERATION_KEY_FILE", str(DATA_DIR / "federation-ed25519.pem")
)
HUYING_FEDERATION_MAX_SKEW_SECONDS = env_int("HUYING_FEDERATION_MAX_SKEW_SECONDS", 300, minimum=0)
HUYING_FEDERATION_MAX_AGE_HOURS = env_int("HUYING_FEDERATION_MAX_AGE_HOURS", 72, minimum=1)
# The outbox's first wait after a failed delivery; it doubles with each failure, up to an hour.
HUYING_FEDERATION_FIRST_RETRY_SECONDS = env_int("HUYING_FEDERATION_FIRST_RETRY_SECONDS", 30, minimum=1)
# The largest supporting file a green-channel filing takes; it travels to the other side in
# parts of 512 KiB, so the other side must accept at least as much.
HUYING_GREEN_CHANNEL_MAX_FILE_BYTES = env_int(
    "HUYING_GREEN_CHANNEL_MAX_FILE_BYTES", 5 * 1024 * 1024, minimum=1024
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("HUYING_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
