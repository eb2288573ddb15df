"""Settings for Gestor de Citas Profesionales.

One settings module: production differs only by environment variables (see .env.example).
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# The default key is only good for development; `check --deploy` flags it.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "csp",
    "django_htmx",
    "template_partials",
    "huey.contrib.djhuey",
    "citas.core",
    "citas.accounts",
    "citas.practices",
    "citas.catalog",
    "citas.scheduling",
    "citas.booking",
    "citas.notifications",
    "citas.calendars",
    "citas.privacy",
    "citas.reports",
    # Not "rest_framework": its Spanish catalogue would override Django's own wording across
    # the site ("Este campo es requerido."); the API renders JSON only and needs no templates.
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "citas.api",
]

MIDDLEWARE = [
    "citas.core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "citas.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "citas.core.middleware.NulCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "citas.core.middleware.ThrottledUserSessionsMiddleware",
    "citas.accounts.middleware.SessionTimeoutMiddleware",
    "citas.accounts.middleware.TwoFactorRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
FORM_RENDERER = "citas.core.forms.BootstrapFormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "citas" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "citas.practices.context_processors.current_practice",
                "citas.notifications.context_processors.failed_notifications",
            ],
        },
    },
]

# Database: SQLite by default so that `make run` needs nothing; PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # BEGIN IMMEDIATE serialises writers: check-then-insert cannot interleave.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A connection that stops answering (a network that drops packets, a database that
    # froze) must not hold a process or a lock for ever. On our side: connecting gives up
    # after DB_CONNECT_TIMEOUT seconds, and the kernel drops a connection whose data or
    # keepalive probes go unacknowledged for DB_TCP_USER_TIMEOUT ms. On the server's side: a
    # session left idle inside a transaction (its client gone silent mid-booking, holding the
    # professional's row lock or a notification's claim) is ended after
    # DB_IDLE_IN_TRANSACTION_TIMEOUT, so its locks are freed and others can book and send;
    # DB_STATEMENT_TIMEOUT (off unless set) bounds a single statement.
    database_options = DATABASES["default"].setdefault("OPTIONS", {})
    database_options.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=10))
    for option, value in {
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "tcp_user_timeout": env.int("DB_TCP_USER_TIMEOUT", default=30_000),
    }.items():
        database_options.setdefault(option, value)
    server_settings = {
        "idle_in_transaction_session_timeout": env("DB_IDLE_IN_TRANSACTION_TIMEOUT", default="60s"),
        "statement_timeout": env("DB_STATEMENT_TIMEOUT", default="0"),
    }
    if env.bool("DB_SESSION_SETTINGS", default=True):  # off for poolers that refuse them
        database_options["options"] = " ".join(
            [database_options.get("options", "")]
            + [f"-c {name}={value}" for name, value in server_settings.items()]
        ).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# Redis is an optimisation: short timeouts, and the cache falls back to process memory while
# Redis is down (citas.core.cache); enqueueing never fails a request (notifications.tasks).
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 2}
# Worker threads: they mostly wait on the network (mail, webhooks, calendars), not the CPU.
HUEY_CONSUMER = {"workers": env.int("HUEY_WORKERS", default=4), "worker_type": "thread"}
if REDIS_URL:
    import redis

    CACHES = {
        "default": {
            "BACKEND": "citas.core.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_TIMEOUTS,
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "citas",
        # The consumer blocks on the queue for 1 s at a time: the read timeout must be longer.
        "connection_pool": redis.ConnectionPool.from_url(REDIS_URL, **REDIS_TIMEOUTS),
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
        "consumer": HUEY_CONSUMER,
    }
else:
    CACHES = {"default": {"BACKEND": "citas.core.cache.LocalMemoryCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "citas",
        "filename": env("HUEY_SQLITE_PATH", default=str(BASE_DIR / "huey.sqlite3")),
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
        "consumer": HUEY_CONSUMER,
    }

# The staff agenda's weeks (citas.booking.agenda_cache): entries of up to a megabyte, so local
# memory keeps few of them (without Redis, and while Redis is down); with Redis, the same
# server as the rest.
AGENDA_CACHE_LOCAL_ENTRIES = 64
CACHES["agenda"] = (
    {
        **CACHES["default"],
        "FALLBACK_NAME": "citas-redis-fallback-agenda",
        "FALLBACK_MAX_ENTRIES": AGENDA_CACHE_LOCAL_ENTRIES,
    }
    if REDIS_URL
    else {
        "BACKEND": "citas.core.cache.LocalMemoryCache",
        "LOCATION": "agenda",
        "OPTIONS": {"MAX_ENTRIES": AGENDA_CACHE_LOCAL_ENTRIES},
    }
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:start"

# django-allauth: login by email, mandatory verification, no enumeration, rate limits.
ACCOUNT_ADAPTER = "citas.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "citas.accounts.forms.SignupForm"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "10/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Reverse proxies in front of the app (Caddy in deploy/compose.yml: 1): rate limits then key on
# the client address from X-Forwarded-For instead of the proxy's.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# WebAuthn needs a secure context: allow http://localhost only while developing.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Gestor de Citas"
USERSESSIONS_TRACK_ACTIVITY = True
# Seconds between two updates of a session's "last seen" (citas.core.middleware).
USERSESSIONS_ACTIVITY_INTERVAL = env.int("USERSESSIONS_ACTIVITY_INTERVAL", default=300)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# EMAIL_BACKEND overrides the one EMAIL_URL implies, e.g. anymail's Amazon SES in production.
if env("EMAIL_BACKEND", default=""):
    EMAIL_BACKEND = env("EMAIL_BACKEND")
ANYMAIL = {"AMAZON_SES_CLIENT_PARAMS": {"region_name": env("AWS_SES_REGION", default="eu-west-1")}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Gestor de Citas <citas@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MESSAGE_ID_DOMAIN = DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "localhost"

# Notifications (citas.notifications.delivery, whose docstring has the protocol): each send has
# a hard overall deadline, and a worker's lease on a row lasts that deadline plus a margin, so a
# dead worker's rows are taken over within seconds and a live worker's never. Failures retry
# after 1, 5, 25, 125… minutes, then fail.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds, per SMTP socket operation
NOTIFICATIONS_SEND_DEADLINE = env.int("NOTIFICATIONS_SEND_DEADLINE", default=20)
WEBHOOKS_DEADLINE = env.int("WEBHOOKS_DEADLINE", default=10)  # connect + headers + body
NOTIFICATIONS_LEASE_MARGIN = env.int("NOTIFICATIONS_LEASE_MARGIN", default=5)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BASE_MINUTES = env.float("NOTIFICATIONS_RETRY_BASE_MINUTES", default=1)
# Webhook endpoints must be public HTTPS URLs; allow http://localhost only for development.
WEBHOOKS_ALLOW_INSECURE_URLS = env.bool("WEBHOOKS_ALLOW_INSECURE_URLS", default=DEBUG)

# External calendars (citas/calendars): one deadline for the whole fetch, a size limit, and
# how often each calendar is read again.
EXTERNAL_CALENDAR_TIMEOUT = env.float("EXTERNAL_CALENDAR_TIMEOUT", default=10.0)
EXTERNAL_CALENDAR_MAX_BYTES = env.int("EXTERNAL_CALENDAR_MAX_BYTES", default=10 * 1024 * 1024)
EXTERNAL_CALENDAR_SYNC_MINUTES = env.int("EXTERNAL_CALENDAR_SYNC_MINUTES", default=10)
# Calendar syncs at once in one worker process: keep this below HUEY_WORKERS, so that hanging
# calendar servers never hold every worker thread.
EXTERNAL_CALENDAR_SYNCS_AT_ONCE = env.int("EXTERNAL_CALENDAR_SYNCS_AT_ONCE", default=2)
# Fernet key(s) for the CalDAV app passwords; empty: derived from SECRET_KEY.
CALENDAR_CREDENTIALS_KEY = env("CALENDAR_CREDENTIALS_KEY", default="")
SMS_BACKEND = env("SMS_BACKEND", default="citas.notifications.channels.ConsoleSmsBackend")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")

LANGUAGE_CODE = "es"
LANGUAGES = [
    ("es", _("Spanish")),
    ("en", _("English")),
    ("ca", _("Catalan")),
    ("eu", _("Basque")),
    ("gl", _("Galician")),
]
# Ours first (it wins), then the Galician catalogue that django-allauth does not ship.
LOCALE_PATHS = [BASE_DIR / "citas" / "locale", BASE_DIR / "citas" / "accounts" / "allauth_gl"]
TIME_ZONE = "Europe/Madrid"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "citas" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "citas.core.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: HTTPS settings apply when DEBUG is off (production).
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): our own files and nonce-tagged tags only; no inline
# script, style attribute or eval anywhere. Violations are logged by citas.core.security.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": "/csp-report/",
    },
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
# Powerful browser features nobody here needs; passkeys (WebAuthn) and copying links stay on.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), browsing-topics=(), clipboard-write=(self), "
    "publickey-credentials-create=(self), publickey-credentials-get=(self)"
)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# citas.accounts.middleware: practice members and admin-site staff are signed out after this idle
# time and lifetime (seconds); clients keep "remember me" up to their own lifetime.
SESSION_IDLE_TIMEOUT_STAFF = env.int("SESSION_IDLE_TIMEOUT_STAFF", default=30 * 60)
SESSION_LIFETIME_STAFF = env.int("SESSION_LIFETIME_STAFF", default=12 * 60 * 60)
SESSION_LIFETIME_CLIENT = env.int("SESSION_LIFETIME_CLIENT", default=SESSION_COOKIE_AGE)

# Booking abuse (citas.booking.abuse): upcoming online bookings a client (one email address) may
# hold per practice and the practice's online bookings per hour before online booking pauses
# (both the starting values of a new practice's booking rules, which its managers change);
# booking attempts per email address and per practice and hour (on top of the per-address
# limit); availability reads per IP address and hour (page and API; 0 turns that limit off, as
# `make loadtest` does for its own server).
BOOKING_MAX_UPCOMING_PER_CLIENT = env.int("BOOKING_MAX_UPCOMING_PER_CLIENT", default=3)
BOOKING_MAX_ONLINE_PER_PRACTICE_HOUR = env.int("BOOKING_MAX_ONLINE_PER_PRACTICE_HOUR", default=100)
BOOKING_ATTEMPTS_PER_EMAIL_HOUR = env.int("BOOKING_ATTEMPTS_PER_EMAIL_HOUR", default=5)
BOOKING_ATTEMPTS_PER_PRACTICE_HOUR = env.int("BOOKING_ATTEMPTS_PER_PRACTICE_HOUR", default=200)
AVAILABILITY_READS_PER_HOUR = env.int("AVAILABILITY_READS_PER_HOUR", default=600)
# Proof-of-work challenge (citas.booking.challenge): wanted once an address has made this many
# booking attempts in the hour, or an email address has (0: always), and whenever a practice
# has taken its booking rules' number of new online bookings in the hour (PRACTICE_AFTER_BOOKINGS
# is where a new practice starts); the work (numbers to try) and the lifetime (seconds).
BOOKING_CHALLENGE_AFTER_ATTEMPTS = env.int("BOOKING_CHALLENGE_AFTER_ATTEMPTS", default=3)
BOOKING_CHALLENGE_PRACTICE_AFTER_BOOKINGS = env.int(
    "BOOKING_CHALLENGE_PRACTICE_AFTER_BOOKINGS", default=30
)
BOOKING_CHALLENGE_MAX_NUMBER = env.int("BOOKING_CHALLENGE_MAX_NUMBER", default=100_000)
BOOKING_CHALLENGE_LIFETIME = env.int("BOOKING_CHALLENGE_LIFETIME", default=10 * 60)
BOOKING_CHALLENGE_HMAC_KEY = env("BOOKING_CHALLENGE_HMAC_KEY", default="")  # empty: from SECRET_KEY

# REST API (citas.api): token or session auth, one error shape, throttled public booking.
REST_FRAMEWORK = {
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "citas.api.authentication.BearerTokenAuthentication",
        "citas.api.authentication.TwoFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["citas.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "citas.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "public_booking": env("API_PUBLIC_BOOKING_RATE", default="20/hour"),
        "public_availability": (
            f"{AVAILABILITY_READS_PER_HOUR}/hour" if AVAILABILITY_READS_PER_HOUR else None
        ),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Personal API tokens expire after this many days unless renewed.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=90)
SPECTACULAR_SETTINGS = {
    "TITLE": "Gestor de Citas API",
    "DESCRIPTION": _(
        "Availability, bookings, appointments and clients of a practice. "
        "Authenticate with a personal token: `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"AppointmentStatusEnum": "citas.booking.models.AppointmentStatus"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The Huey consumer installs its own handler; do not print each line twice.
        "huey": {"handlers": [], "propagate": False},
    },
}
