"""Assay settings. Everything that differs between machines comes from the environment (see README)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_networks, env_pair, env_str

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

# HTTPS (set these behind TLS; `manage.py check --deploy` is clean with ASSAY_PRODUCTION=1 and all of them on).
# Off by default: a secure cookie is never sent over plain HTTP, so turning them on without TLS breaks sign-in, and
# HSTS is remembered by browsers for SECURE_HSTS_SECONDS, so it is only ever turned on on purpose.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Health probes (kubelet, load balancers) speak plain HTTP to the process: a redirect would fail them.
SECURE_REDIRECT_EXEMPT = [r"^-/liveness$", r"^-/readiness$", r"^-/metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind a TLS-terminating proxy: the header (as in request.META) and value that mean "the client used HTTPS",
# e.g. `HTTP_X_FORWARDED_PROTO,https`. Only if the proxy always sets or strips that header.
SECURE_PROXY_SSL_HEADER = env_pair("SECURE_PROXY_SSL_HEADER")

# Monitoring endpoints (/-/liveness, /-/readiness, /-/metrics): only these client networks reach them
# (GitLab's monitoring_whitelist); others get 404. Readiness gives the broker and storage this long to answer.
MONITORING_ALLOWLIST = env_networks("ASSAY_MONITORING_ALLOWLIST", ["127.0.0.0/8", "::1/128"])
MONITORING_CHECK_TIMEOUT = env_int("ASSAY_MONITORING_CHECK_TIMEOUT", 2)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "csp",  # its system checks catch settings in the pre-4.0 format
    "drf_spectacular",
    "projects",
    "experiments",
    "candidates",
    "packages_registry",
    "mlflow_api",
    "ci_integration",
    "model_registry",
    "traces",
    # django-axes: sign-in throttling (see the sign-in section below).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.errors.UrlLengthMiddleware",
    "config.errors.NulRefusalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.csp.PageCSPMiddleware",  # django-csp; the APIs skip it (config/csp.py)
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy on every response (django-csp 4.x: one dict of directives). A stored value that slips
# past escaping still cannot run: no inline script, no eval, scripts and Plotly only from our own origin.
# Responses that set their own policy keep it (file downloads: `sandbox`; HTML artifacts:
# `sandbox allow-scripts; frame-ancestors 'self'`, see packages_registry/responses.py).
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Plotly draws by injecting <style> elements and `style` attributes (no nonce support), so inline styles
        # stay allowed; CSS cannot run script, and every stored value is escaped before it reaches a page.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # Plotly's own icons and cursors
        "connect-src": [SELF],
        "font-src": [SELF],
        "frame-src": [SELF],  # the sandboxed HTML artifact on its file page
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
    }
}

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

# Database: DATABASE_URL (postgres://user@host:5432/name), or else the embedded PostgreSQL under DATA_DIR, which
# the first connection starts (config/embedded_postgres.py; `manage.py embedded_postgres status|start|stop|uri`).
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "config.embedded_db",
            "NAME": "assay",
            # Where the socket lives; the backend reads the live host/port back from postmaster.pid.
            "HOST": str(DATA_DIR.resolve() / "postgres"),
            "PORT": "5432",
            "USER": "assay",
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
        }
    }
# PostgreSQL's JIT compiles any query whose estimated cost passes a threshold: for a 50 ms search over 5k
# runs it spent 20 ms compiling. Our queries are short OLTP reads, so it is off unless overridden.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = env_str("DATABASE_PG_OPTIONS", "-c jit=off")
if env_str("TEST_DATABASE_NAME", ""):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str("TEST_DATABASE_NAME", "")
# The API's hottest fixed-shape statements are prepared once per connection on PostgreSQL (projects/db.py);
# 0 turns that off, e.g. behind PgBouncer < 1.21 in transaction mode.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/users/sign_in"

# Sign-in throttling (django-axes: a maintained, audited lockout instead of our own counter). After
# ASSAY_SIGN_IN_FAILURE_LIMIT wrong passwords for one account from one address, that account+address pair is locked
# for ASSAY_SIGN_IN_COOLOFF seconds (failures older than that no longer count) and the sign-in page says so (429).
# Only password sign-in goes through authenticate(): API tokens (the MLflow client) are not throttled by it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, so a locked-out pair never reaches the password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("ASSAY_SIGN_IN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("ASSAY_SIGN_IN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("ASSAY_SIGN_IN_COOLOFF", 900))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "projects.views.sign_in_locked"
# The peer address only: X-Forwarded-For is set by clients too, and would let an attacker pick a fresh "address"
# for every guess. (Behind a proxy every client has the proxy's address, so the lock is then per account.)
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/users/sign_in"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# Plotly is served from our origin (never a CDN): /static/vendor/plotly/plotly.min.js is plotly.js's *strict*
# bundle (npm plotly.js-strict-dist-min, see static/vendor/plotly/README.md): unlike the bundle in the Python
# package, its WebGL traces (scattergl, parcoords) need no eval, so the policy below needs no 'unsafe-eval'.
STATICFILES_DIRS = [BASE_DIR / "static"]
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
# mlflow server (uvicorn) takes a request head up to about 128 KB, then drops the connection.
MAX_URL_LENGTH = env_int("ASSAY_MAX_URL_LENGTH", 128 * 1024)

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
# MLflow proxied multipart uploads (S3 storage only): seconds the signed part URLs handed out by `mpu/create` stay
# valid (the same default as an S3 presigned URL).
ASSAY_MULTIPART_URL_TTL = env_int("ASSAY_MULTIPART_URL_TTL", 3600)
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
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The OpenAPI document of Assay's own APIs (/api/v4/openapi.json), generated from the DRF views and their
# serializers. The MLflow API follows MLflow's own specification and is not described there.
SPECTACULAR_SETTINGS = {
    "TITLE": "Assay API",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "DESCRIPTION": (
        "GitLab-compatible generic packages and project access tokens APIs. Authenticate with "
        '`Authorization: Bearer <token>` or `PRIVATE-TOKEN: <token>`. Errors are `{"message": "..."}`. The MLflow '
        "REST API (under /api/v4/projects/{id}/ml/mlflow/) follows MLflow's own specification and is not "
        "described here."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v4",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Project access tokens created through the API (GitLab's rules): the expiry when none is given, and the
# longest a token may live.
ASSAY_ACCESS_TOKEN_DEFAULT_DAYS = env_int("ASSAY_ACCESS_TOKEN_DEFAULT_DAYS", 30)
ASSAY_ACCESS_TOKEN_MAX_DAYS = env_int("ASSAY_ACCESS_TOKEN_MAX_DAYS", 365)
if not 1 <= ASSAY_ACCESS_TOKEN_DEFAULT_DAYS <= ASSAY_ACCESS_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured(
        "ASSAY_ACCESS_TOKEN_DEFAULT_DAYS must be between 1 and ASSAY_ACCESS_TOKEN_MAX_DAYS"
    )

# The public base URL printed in the UI's empty states (MLFLOW_TRACKING_URI); derived from the request if empty.
PUBLIC_URL = env_str("ASSAY_PUBLIC_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
