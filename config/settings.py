"""Assay settings. Everything that differs between machines comes from the environment (see README)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("ASSAY_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
_INSECURE_KEY = "assay-insecure-development-key-do-not-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if env_bool("ASSAY_PRODUCTION", False):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when ASSAY_PRODUCTION=1")
    SECRET_KEY = _INSECURE_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "projects",
    "experiments",
    "candidates",
    "packages_registry",
    "mlflow_api",
    "ci_integration",
    "model_registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
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
WSGI_APPLICATION = "config.wsgi.application"

# Database: DATABASE_URL (postgres://user@host:5432/name) or the embedded SQLite file.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "assay.sqlite3",
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles any query whose estimated cost passes a threshold: for a 50 ms search over 5k
    # runs it spent 20 ms compiling. Our queries are short OLTP reads, so it is off unless overridden.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = env_str("DATABASE_PG_OPTIONS", "-c jit=off")
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str("TEST_DATABASE_NAME", "") or None
    if not DATABASES["default"]["TEST"]["NAME"]:
        del DATABASES["default"]["TEST"]["NAME"]
# The API's hottest fixed-shape statements are prepared once per connection on PostgreSQL (projects/db.py);
# 0 turns that off, e.g. behind PgBouncer < 1.21 in transaction mode.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL optimisation; SQLite simply ignores the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/users/sign_in"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/users/sign_in"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# Plotly's bundle is served from the installed plotly package (never a CDN): /static/vendor/plotly/plotly.min.js
from importlib.util import find_spec  # noqa: E402

_PLOTLY_DATA = Path(find_spec("plotly").origin).parent / "package_data"
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/plotly", str(_PLOTLY_DATA))]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "staticfiles")))
try:  # WhiteNoise warns on every start when the folder is missing; collectstatic fills it in production.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
# In tests and development WhiteNoise serves straight from the finders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Storage: local disk by default, S3-compatible when ASSAY_S3_BUCKET is set.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"
S3_BUCKET = env_str("ASSAY_S3_BUCKET", "")
if S3_BUCKET:
    _artifacts_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("ASSAY_S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY", "") or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
            "location": env_str("ASSAY_S3_PREFIX", ""),
            "file_overwrite": True,
            "default_acl": None,
            "querystring_auth": False,
        },
    }
else:
    _artifacts_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "packages")},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "artifacts": _artifacts_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Limits.
PACKAGE_MAX_FILE_SIZE = env_int("ASSAY_PACKAGE_MAX_FILE_SIZE", 5 * 1024**3)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("ASSAY_MAX_REQUEST_BODY", 64 * 1024 * 1024)

# Celery: a real broker when CELERY_BROKER_URL is set, otherwise tasks run in-process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing happens inside upload requests, so it must fail fast when the broker is down (refused: one attempt,
# no reconnect loop, which cost 6 s per upload) or hung (accepts TCP and never answers: every upload hung until
# gunicorn killed the worker). A failed publish leaves the file pending for the sweep.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECT_TIMEOUT", 1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": env_int("CELERY_BROKER_CONNECT_TIMEOUT", 1),
    # Also bounds the worker's BRPOP reads, so it must stay above kombu's brpop_timeout (1 s).
    "socket_timeout": env_int("CELERY_BROKER_SOCKET_TIMEOUT", 3),
    "max_retries": 0,  # connection attempts per publish after the first; the sweep is the retry
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # Redis: a worker looks for messages of dead workers (older than visibility_timeout) every interval*throttle s.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
# After a failed publish, this process stops trying the broker for uploads for this many seconds.
ASSAY_BROKER_RETRY_AFTER = env_int("ASSAY_BROKER_RETRY_AFTER", 30)
# Artifact ingestion: a worker consuming `artifacts` sweeps pending files when it starts (a worker killed whole
# leaves its messages unacknowledged in Redis until the visibility timeout); beat sweeps every interval.
ASSAY_INGEST_SWEEP_ON_START = env_bool("ASSAY_INGEST_SWEEP_ON_START", True)
ASSAY_INGEST_SWEEP_INTERVAL = env_int("ASSAY_INGEST_SWEEP_INTERVAL", 300)
# Fault drills and tests only: seconds each ingestion sleeps first, so a worker can be killed mid-ingestion.
ASSAY_INGEST_TEST_DELAY = env_int("ASSAY_INGEST_TEST_DELAY", 0)
# Objects in artifact storage with no row (uploads killed mid-way, rows deleted by a cascade) are removed by
# `collect_orphans` once older than this; abandoned S3 multipart uploads too.
ASSAY_ORPHAN_MIN_AGE_HOURS = env_int("ASSAY_ORPHAN_MIN_AGE_HOURS", 24)
ASSAY_ORPHAN_COLLECT_INTERVAL = env_int("ASSAY_ORPHAN_COLLECT_INTERVAL", 6 * 3600)
# CI enrichment (ci_integration): retries with exponential backoff up to a maximum, and a periodic sweep that
# enqueues records the broker never got.
ASSAY_CI_MAX_RETRIES = env_int("ASSAY_CI_MAX_RETRIES", 8)
ASSAY_CI_RETRY_BACKOFF_MS = env_int("ASSAY_CI_RETRY_BACKOFF_MS", 10_000)
ASSAY_CI_RETRY_BACKOFF_MAX_MS = env_int("ASSAY_CI_RETRY_BACKOFF_MAX_MS", 600_000)
ASSAY_CI_SWEEP_INTERVAL = env_int("ASSAY_CI_SWEEP_INTERVAL", 60)
ASSAY_CI_SWEEP_STALE_AFTER = env_int("ASSAY_CI_SWEEP_STALE_AFTER", 900)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}

# The public base URL printed in the UI's empty states (MLFLOW_TRACKING_URI); derived from the request if empty.
PUBLIC_URL = env_str("ASSAY_PUBLIC_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
