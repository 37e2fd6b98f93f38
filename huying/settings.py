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
from lib.rates import parse_networks, parse_rate

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

# Personal data at rest (docs/personal-data.md): requesters' names, phones and ID numbers are
# encrypted with the first of HUYING_PERSONAL_DATA_KEYS (comma-separated; all of them decrypt)
# and found by an HMAC under HUYING_LOOKUP_KEY. Unset, each is generated once into DATA_DIR.
from lib.fieldcrypt import load_keys  # noqa: E402 - needs DATA_DIR, imported where it is used

FIELD_ENCRYPTION_KEYS = load_keys("HUYING_PERSONAL_DATA_KEYS", DATA_DIR / "personal_data_keys")
FIELD_LOOKUP_KEY = load_keys("HUYING_LOOKUP_KEY", DATA_DIR / "lookup_key", single=True)[0]

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
    "live",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Overload protection, request ids and metrics (huying/overload.py, logs.py, metrics.py).
    "huying.overload.ClientAddressMiddleware",
    "huying.logs.RequestLogMiddleware",
    "huying.metrics.MetricsMiddleware",
    "huying.overload.DatabaseDownMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "huying.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in citizen is counted as an account, not an address.
    "huying.overload.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "huying.security.ContentSecurityPolicyMiddleware",
    "accounts.backends.LockoutStatusMiddleware",
]

ROOT_URLCONF = "huying.urls"
WSGI_APPLICATION = "huying.wsgi.application"
ASGI_APPLICATION = "huying.asgi.application"

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
# SQLite's synchronous: with WAL, NORMAL keeps every acknowledged commit through a crash or
# SIGKILL of the process (the commit is in the OS's cache), but a power loss or kernel crash
# may lose the last commits; FULL syncs the WAL at every commit and loses nothing acknowledged
# (docs/operations.md). A production site on SQLite should set FULL.
HUYING_SQLITE_SYNCHRONOUS = env_str("HUYING_SQLITE_SYNCHRONOUS", "NORMAL").upper()
if HUYING_SQLITE_SYNCHRONOUS not in ("NORMAL", "FULL"):
    raise ImproperlyConfigured(
        f"HUYING_SQLITE_SYNCHRONOUS={HUYING_SQLITE_SYNCHRONOUS!r}; use NORMAL or FULL."
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            f"PRAGMA journal_mode=WAL; PRAGMA synchronous={HUYING_SQLITE_SYNCHRONOUS};"
        ),
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
# Password sign-in behind the lock-out of accounts.lockout (docs/security.md).
# ModelBackend stays listed for sessions started by the citizen and enterprise portals' phone
# sign-in (public.portal); the throttled backend answers every password first and for good.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ThrottledModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
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
# Access control (docs/security.md). A night shift is twelve hours: a console session lasts
# one shift and no longer. It survives closing the browser because duty posts share machines
# that are restarted mid-shift; signing out (and the 12 hours) is what ends it.
SESSION_COOKIE_AGE = env_int("HUYING_SESSION_HOURS", 12, minimum=1) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
# No page script reads the CSRF cookie: htmx and the API calls take the token from the page.
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HSTS only where HTTPS is on, or a plain-HTTP embedded install would lock its own browsers out.
SECURE_HSTS_SECONDS = (
    env_int("HUYING_HSTS_SECONDS", 31536000, minimum=0) if SECURE_SSL_REDIRECT else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False
#: Wrong passwords for one username, or from one client address, before the door shuts.
HUYING_LOGIN_MAX_FAILURES = env_int("HUYING_LOGIN_MAX_FAILURES", 5, minimum=1)
#: How long failures count and how long a lock-out lasts.
HUYING_LOGIN_LOCKOUT_MINUTES = env_int("HUYING_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
#: Failures from one client address (many usernames) before it is refused too.
HUYING_LOGIN_MAX_FAILURES_PER_IP = env_int("HUYING_LOGIN_MAX_FAILURES_PER_IP", 20, minimum=1)
#: Roles that must use a second factor (TOTP) to sign in to the console, e.g. "admin,dispatcher".
HUYING_REQUIRE_TOTP_ROLES = env_list("HUYING_REQUIRE_TOTP_ROLES", [])

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
HUYING_FEDERATION_FIRST_RETRY_SECONDS = env_int(
    "HUYING_FEDERATION_FIRST_RETRY_SECONDS", 30, minimum=1
)
# The largest supporting file a green-channel filing takes; it travels to the other side in
# parts of 512 KiB, so the other side must accept at least as much.
HUYING_GREEN_CHANNEL_MAX_FILE_BYTES = env_int(
    "HUYING_GREEN_CHANNEL_MAX_FILE_BYTES", 5 * 1024 * 1024, minimum=1024
)

# --- Overload, health, metrics and logs (docs/deployment.md) --------------------------------
# Per-client rates for the public pages and the API ("N/second|minute|hour"; 0 or off: none).
HUYING_RATE_LIMIT_PUBLIC = parse_rate(
    "HUYING_RATE_LIMIT_PUBLIC", env_str("HUYING_RATE_LIMIT_PUBLIC", "60/minute")
)
HUYING_RATE_LIMIT_API = parse_rate(
    "HUYING_RATE_LIMIT_API", env_str("HUYING_RATE_LIMIT_API", "600/minute")
)
# The reverse proxies whose X-Forwarded-For is believed (addresses or CIDR blocks).
HUYING_TRUSTED_PROXIES = parse_networks(
    "HUYING_TRUSTED_PROXIES", env_list("HUYING_TRUSTED_PROXIES", [])
)
# How long a request may wait for one of its process's threads before it is refused with 503
# (huying/admission.py). Below the machine's capacity a request never waits this long; past
# it, refusing at once beats making every client time out. Staff pages wait ten times longer.
HUYING_WAIT_BUDGET_MS = env_int("HUYING_WAIT_BUDGET_MS", 5000, minimum=1)
# /readyz: the task worker counts as alive if a task finished within this many seconds.
HUYING_READY_WORKER_SECONDS = env_int("HUYING_READY_WORKER_SECONDS", 120, minimum=10)
# /metrics: who may read it, by address, or by this bearer token.
HUYING_METRICS_ALLOW = parse_networks(
    "HUYING_METRICS_ALLOW", env_list("HUYING_METRICS_ALLOW", ["127.0.0.1", "::1"])
)
HUYING_METRICS_TOKEN = env_str("HUYING_METRICS_TOKEN", "")
if HUYING_METRICS_TOKEN and len(HUYING_METRICS_TOKEN) < 16:
    raise ImproperlyConfigured("HUYING_METRICS_TOKEN must be at least 16 characters.")
HUYING_LOG_FORMAT = env_str("HUYING_LOG_FORMAT", "plain")
if HUYING_LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"HUYING_LOG_FORMAT={HUYING_LOG_FORMAT!r}; use plain or json.")
# One log line per request (logger huying.request); on by default with JSON logs.
HUYING_ACCESS_LOG = env_bool("HUYING_ACCESS_LOG", HUYING_LOG_FORMAT == "json")
# The rate limits count in the cache: Redis when configured, shared by every process and
# machine; otherwise each process's memory, so each process allows the full rate.
if HUYING_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": HUYING_REDIS_URL,
            "KEY_PREFIX": "huying",
            # A Redis that hangs must not hang every request with it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each process keeps the reference data every create reads (API keys, categories, divisions,
# clock policies, dispatch rules: core/reference_cache.py). A change reaches the other
# processes within a second through Redis when it is set; without it, each process reads its
# copy afresh once it is this many seconds old.
HUYING_REFERENCE_CACHE_SECONDS = env_int("HUYING_REFERENCE_CACHE_SECONDS", 10, minimum=0)
# The task worker deletes the tasks that finished longer ago than this, every hour (every
# create queues one; core/tasks.py: purge_finished_tasks). Keep it above an hour: /readyz
# looks for a task finished in the last HUYING_READY_WORKER_SECONDS.
HUYING_TASK_RETENTION_HOURS = env_int("HUYING_TASK_RETENTION_HOURS", 72, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "huying.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": HUYING_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("HUYING_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
