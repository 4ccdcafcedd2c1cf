"""Settings for Lab Records, read from environment variables.

Local use needs no configuration: DEBUG is on, the database is ``db.sqlite3`` and a fixed
development key is used. Production mode (``DEBUG=false``) refuses to start without
``SECRET_KEY`` and ``ALLOWED_HOSTS`` and turns on Django's HTTPS protections, so
``manage.py check --deploy`` is clean.
See README.md, "Configuration".
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from lab.core.limits import DEFAULT_LIMITS

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    normalised = value.strip().lower()
    if normalised in {"1", "true", "yes", "on"}:
        return True
    if normalised in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_positive_int(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number above 0, not {value!r}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    if value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# A fixed key is fine for a laptop; production must bring its own.
DEVELOPMENT_SECRET_KEY = "development-only-not-secret-lab-records-3c1f8a2e"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production mode (DEBUG=false) needs a long random SECRET_KEY."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Production mode (DEBUG=false) needs the site's host names, "
        "comma-separated."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_countries",
    "django_filters",
    "import_export",
    "simple_history",
    # Log-in throttling: failed log-ins counted per username and per client (docs/security.md).
    "axes",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below); as an app for its checks.
    "csp",
    "lab",
    "people",
    "publications",
    # Commands for development: seed builder, synthetic lab, benchmarks (no models, no URLs).
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so every response carries the Content-Security-Policy, static files
    # too; django-csp's, except that Django's debug pages keep theirs (lab/middleware.py).
    "lab.middleware.LabCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database that cannot be reached: a plain 503 page, never a traceback (lab/middleware.py).
    "lab.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request's user goes into every version it writes (lab.core.history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it turns a refused (locked-out) log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lab.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Copies of third-party templates, changed for the Content-Security-Policy (no inline
        # handlers or style attributes): found before the libraries' own (docs/security.md).
        "DIRS": [BASE_DIR / "lab" / "library_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lab.context_processors.lab",
            ],
        },
    },
]

WSGI_APPLICATION = "lab.wsgi.application"

# SQLite by default; PostgreSQL (psycopg 3) with DATABASE_URL=postgres://user:pass@host:port/name.
# In production a connection is kept for a minute (Django's deployment checklist): opening one
# per request cost every logged-in page ~2 ms on SQLite (the file opened, its schema read) and
# a PostgreSQL connection's start-up. Not under DEBUG: runserver makes a thread per request,
# which could never reuse one. conn_health_checks tests a kept connection before reusing it,
# so the site recovers by itself from a database that went away (tests/test_faults.py).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
# A PostgreSQL server that does not answer fails a request after 5 s (a 503, lab/middleware.py)
# rather than holding it for as long as the connection attempt hangs (without a limit,
# forever); ?connect_timeout=N in DATABASE_URL sets another limit.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A URL typed without a scheme ("kqxu.com") becomes https://, Django 6's default.
FORMS_URLFIELD_ASSUME_HTTPS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes' backend first: it refuses a locked-out log-in before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "lab.auth.LabBackend"]
# Sessions are read from the cache and written through to the database: no session query on
# most requests, and nobody is logged out when the cache is cleared.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Log-in throttling (django-axes, docs/security.md "Log-in throttling"): after 5 failures for a
# username, or from a client address, the site's and the admin's log-in refuse that username or
# that client, even with the right password, for 15 minutes after the last failure (a refused
# try starts the wait again), with the page lab/templates/registration/locked_out.html (429).
# A successful log-in forgets the failures of that username from that client only
# (lab.lockouts). Lab admins see and delete the attempts in the admin
# (lab/migrations/0003_lockout_permissions.py).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HANDLER = "lab.lockouts.LabAxesHandler"
# The same client address as the download limit: REMOTE_ADDR, or CLIENT_IP_HEADER behind a proxy.
AXES_CLIENT_IP_CALLABLE = "lab.core.ratelimit.client_ip"

# E-mail (the set-password links of new member logins, people.admin_accounts): SMTP in
# production when EMAIL_HOST is set; otherwise every message is written to the console (the
# server's log), and the lab admin still sees the link on screen.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "")
if DEBUG or not EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_positive_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    if not DEFAULT_FROM_EMAIL:
        # Django's fallback, webmaster@localhost, is refused by most mail servers.
        raise ImproperlyConfigured(
            "DEFAULT_FROM_EMAIL is not set. With EMAIL_HOST set, production mode needs the "
            "address mail is sent from, e.g. lab-records@lab.example.org."
        )
DEFAULT_FROM_EMAIL = DEFAULT_FROM_EMAIL or "webmaster@localhost"  # Django's own default

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Locally, WhiteNoise serves static files straight from the apps; production serves the
# collected, compressed, hashed copies in STATIC_ROOT (manage.py collectstatic).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Files served at the site's root: /favicon.ico, which browsers ask every page for (the admin's
# and error pages link no icon; a data: icon would need img-src data: in the policy).
WHITENOISE_ROOT = BASE_DIR / "lab" / "root"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded photos are served by Django (lab/media.py), in production too: WhiteNoise serves
# static files only. SERVE_MEDIA=false when a proxy serves MEDIA_ROOT at MEDIA_URL itself.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The lab this instance is for: shown in page titles and on the home page.
LAB_NAME = os.environ.get("LAB_NAME", "Lab Records")
LAB_DESCRIPTION = os.environ.get(
    "LAB_DESCRIPTION", "People, papers, venues and institutions of our research lab."
)

# The lab whose current members and alumni the home and people pages show: the slug of an
# Institution (its units, e.g. a lab's groups, count too).
LAB_INSTITUTION = os.environ.get("LAB_INSTITUTION", "ising-lab")

# Where a paper's PDF given as a relative file name (al-folio's `pdf = {paper.pdf}`) lives,
# e.g. https://lab.example.org/assets/pdf/: its link is this URL plus the name. Empty: such a
# PDF is shown as its file name, not linked (publications.validators.pdf_href).
PAPER_PDF_BASE_URL = os.environ.get("PAPER_PDF_BASE_URL", "").strip()
if PAPER_PDF_BASE_URL and not PAPER_PDF_BASE_URL.startswith(("https://", "http://", "/")):
    raise ImproperlyConfigured(
        "PAPER_PDF_BASE_URL must be an http(s) URL or a path starting with /, e.g. "
        f"https://lab.example.org/assets/pdf/ (it is {PAPER_PDF_BASE_URL!r})."
    )

# Redis when REDIS_URL is set (shared by every app server, so a write invalidates the page
# cache everywhere); otherwise memory local to the process, fine for one process.
# A Redis that is down or stuck costs a request half a second at most and breaks no page: the
# backend answers as an empty cache, logs a warning and leaves Redis alone for 5 s
# (lab/core/redis_cache.py, docs/security.md "Faults and backups").
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "lab.core.redis_cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lab"}
    )
}
# Seconds an anonymous page stays cached; any write to the records invalidates it sooner.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)

# Whole-list downloads by visitors (lab.core.ratelimit, docs/security.md "Download limit"): at
# most DOWNLOAD_RATE_LIMIT per client address in each window of DOWNLOAD_RATE_WINDOW seconds,
# counted in the cache above (so shared by every app server with Redis); logged-in users are
# never limited.
DOWNLOAD_RATE_LIMIT = env_positive_int("DOWNLOAD_RATE_LIMIT", 30)
DOWNLOAD_RATE_WINDOW = env_positive_int("DOWNLOAD_RATE_WINDOW", 600)
# The client's address, for the download limit and the log-in throttling: REMOTE_ADDR, unless
# the site is behind a proxy that sets this header (e.g. X-Forwarded-For or X-Real-IP; of a
# list, the last address, the one the proxy added, is used). Set it only behind such a proxy:
# otherwise any client can name its own address.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "").strip()

# Production hardening: HTTPS only, secure cookies, HSTS. Behind a TLS-terminating proxy, set
# SECURE_PROXY_SSL_HEADER=true so Django trusts X-Forwarded-Proto.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp, docs/security.md "Content-Security-Policy"): scripts,
# styles, images, fonts and fetches from this site only; no inline script, style attribute or
# event handler, unless a <script>/<style> tag carries the request's nonce
# ({{ request.csp_nonce }}; never on a page the page cache keeps for visitors, whose nonce
# would be stale); no plugins, no <base>, no framing by anyone, forms post here only. The
# same in production and with DEBUG on: only Django's own debug 404 and 500 pages (DEBUG on)
# get inline styles and scripts (lab.middleware.LabCSPMiddleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Photos are served from /media/ on this site; nothing needs data: or other hosts.
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every log-in at INFO; failures and lockouts are its warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# django-import-export: the lab admins' spreadsheet import and export (docs/spreadsheets.md).
# Imports are all or nothing (lab.core.importing.import_dataset) and logged in the admin log in the
# user's name; import needs add *and* change permission (lab.core.admin.SafeImportExportMixin),
# export needs view. Cells are escaped by lab.core.spreadsheets, which does more than the library's
# IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT (one leading "=", and numbers turned into text).
# Caps on uploaded spreadsheets (docs/imports.md): IMPORT_MAX_UPLOAD_BYTES, IMPORT_MAX_ROWS,
# IMPORT_MAX_COLUMNS, IMPORT_MAX_SHEETS, IMPORT_MAX_ZIP_ENTRIES, IMPORT_MAX_UNCOMPRESSED_BYTES,
# IMPORT_MAX_COMPRESSION_RATIO, each from the environment with the default of lab.core.limits.
for _name, _default in DEFAULT_LIMITS.items():
    globals()[_name] = env_positive_int(_name, _default)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# The confirm step re-reads the upload saved by the preview: with several app servers it must
# be stored where every one of them can read it (Redis when configured).
if REDIS_URL:
    IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
