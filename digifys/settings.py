"""Settings for digifys, read from the environment (12-factor).

Every variable is documented in `.env.example`. Typed helpers fail loudly on malformed values.
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DIGIFYS_VAR_DIR", BASE_DIR / "var"))


def _env_str(name: str, default: str | None = None) -> str | None:
    """Read a string from NAME, or from the file named by NAME_FILE (for secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from exc


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEMO = _env_bool("DIGIFYS_DEMO", False)
DEBUG = _env_bool("DEBUG", False)


# Build-time commands that never sign or encrypt anything: they run without the secret (CI,
# image builds, hooks) and get a throw-away key that is never stored.
OFFLINE_COMMANDS = frozenset({"makemigrations", "makemessages", "compilemessages", "collectstatic"})


def _running_offline_command() -> bool:
    return (
        len(sys.argv) > 1
        and Path(sys.argv[0]).name == "manage.py"
        and sys.argv[1] in OFFLINE_COMMANDS
    )


def _secret_key() -> str:
    key = _env_str("SECRET_KEY")
    if key:
        return key
    if _running_offline_command():
        return secrets.token_urlsafe(50)
    if not (DEMO or DEBUG or os.environ.get("PYTEST_VERSION")):
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set outside demo and debug mode."
        )
    # Demo, debug and tests: generate once and keep it, so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()


def _mfa_encryption_key() -> str:
    """The Fernet key(s) for second-factor secrets at rest (see accounts/crypto.py).

    Required outside demo, debug and tests, like SECRET_KEY; there it is generated once and kept
    in var/. Losing it means every staff member must set up their authenticator app again.
    """
    key = _env_str("MFA_ENCRYPTION_KEY")
    if key:
        return key
    from cryptography.fernet import Fernet

    if _running_offline_command():
        return Fernet.generate_key().decode("ascii")
    if not (DEMO or DEBUG or os.environ.get("PYTEST_VERSION")):
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEY (or MFA_ENCRYPTION_KEY_FILE) must be set outside demo and debug "
            "mode: generate one with python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'."
        )
    key_file = VAR_DIR / "mfa_encryption_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode("ascii")
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


MFA_ENCRYPTION_KEY = _mfa_encryption_key()
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "csp",
    "template_partials",
    "django_tasks",
    # django-tasks-db under a translated name (its own AppConfig says "Tasks Database Backend").
    "digifys.administration.apps.TasksDatabaseConfig",
    "digifys.core",
    "digifys.accounts",
    "digifys.directory",
    "digifys.residents",
    "digifys.careteams",
    "digifys.audit",
    "digifys.synth",
    "digifys.scheduling",
    "digifys.vitals",
    "digifys.consults",
    "digifys.orders",
    "digifys.notifications",
    "digifys.worklist",
    "digifys.medicationreviews",
    "digifys.rounds",
    "digifys.visits",
    "digifys.insights",
    "digifys.administration",
    "digifys.relatives",
    "digifys.trust",
    "digifys.messaging",
    "digifys.accessibility",
    "oauth2_provider",
    "digifys.fhir",
    "digifys.clinicians",
    "digifys.workforce",
    "digifys.testbed",
    # Login, two-factor authentication and single sign-on. After digifys.accounts, so that its
    # templates override allauth's.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "digifys.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "digifys.core.middleware.RequestMemoMiddleware",
    "digifys.accounts.middleware.SessionActivityMiddleware",
    "digifys.accounts.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "digifys.accounts.middleware.RequireSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "digifys.core.middleware.RefuseNullCharactersMiddleware",
    # Records the /fhir/ requests of companies' sandbox clients (their request log).
    "digifys.testbed.middleware.RequestLogMiddleware",
]

ROOT_URLCONF = "digifys.urls"
WSGI_APPLICATION = "digifys.wsgi.application"
ASGI_APPLICATION = "digifys.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "digifys" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "digifys.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        _env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'digifys.sqlite3'}",
        conn_max_age=_env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# A streaming replica of the primary (PostgreSQL): reports and exports read from it inside
# `digifys.core.routers.replica_reads()`; everything else uses the primary. Unset: no replica.
if _env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        _env_str("DATABASE_REPLICA_URL"),
        conn_max_age=_env_int("DATABASE_CONN_MAX_AGE", 0),
    )
    # Under test the replica is the primary's test database (no second copy to create).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["digifys.core.routers.PrimaryReplicaRouter"]
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql" and _env_int("DATABASE_POOL_SIZE", 0):
        # psycopg's connection pool per server process: under ASGI, sync code runs in several
        # threads and persistent per-thread connections would exhaust PostgreSQL's
        # max_connections.
        _database["CONN_MAX_AGE"] = 0
        _database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": _env_int("DATABASE_POOL_SIZE", 0),
            "timeout": 10,
        }
    if _database["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the demo's web server and task worker use the file at the same time.
        _database.setdefault("OPTIONS", {})
        _database["OPTIONS"].update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login, two-factor authentication, single sign-on (django-allauth) ---------------------
# Staff log in with username + password and a TOTP code (HSLF-FS 2016:40 3 kap. 15 §: two-factor
# authentication for access over open networks), or through the region's SSO. Relatives log in
# with a code sent by e-mail. RequireSecondFactorMiddleware holds staff at the two-factor setup
# until it is done.
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, loading the user with the staff profile (accounts/backends.py).
    "digifys.accounts.backends.ModelBackend",
    "digifys.accounts.backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "digifys.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]  # signup is closed (see the adapter)
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are entered by administrators
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # never mail addresses that have no account
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[digifys] "
ACCOUNT_LOGIN_BY_CODE_ENABLED = True  # relatives only: a one-time code by e-mail
ACCOUNT_FORMS = {"request_login_code": "digifys.accounts.forms.RequestLoginCodeForm"}
ACCOUNT_SESSION_REMEMBER = False  # the session ends with the browser or after inactivity
ACCOUNT_LOGOUT_REDIRECT_URL = "accounts:login"
# Lockout (accounts/lockout.py): LOGIN_LOCKOUT_ATTEMPTS wrong passwords for one username from one
# client address within LOGIN_LOCKOUT_MINUTES lock that pair for LOGIN_LOCKOUT_MINUTES, each
# further lock of the pair within a day twice as long, and notify the user's coordinators; wrong
# two-factor or enrolment codes count per account (allauth's "key" limit below); 20 failures a
# minute from one address are refused too. Counted in the cache: set REDIS_URL with several workers.
LOGIN_LOCKOUT_ATTEMPTS = _env_int("LOGIN_LOCKOUT_ATTEMPTS", 5)
LOGIN_LOCKOUT_MINUTES = _env_int("LOGIN_LOCKOUT_MINUTES", 15)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"20/m/ip,{LOGIN_LOCKOUT_ATTEMPTS}/{LOGIN_LOCKOUT_MINUTES}m/key"
}
# Reports of accessibility problems (digifys/accessibility) one client address may send an hour.
ACCESSIBILITY_REPORTS_PER_HOUR = 10
# Client addresses (for the access log and the per-address limits) are read from X-Forwarded-For
# as appended by this many trusted reverse proxies: the entry that many places from the right.
# 0 (no proxy) uses the peer address and ignores the header.
TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# A staff member's first authenticator app needs a one-time enrolment code from a coordinator or
# an administrator (or a login through the region's identity provider); it expires after this.
TOTP_ENROLMENT_CODE_HOURS = _env_int("TOTP_ENROLMENT_CODE_HOURS", 72)
MFA_ADAPTER = "digifys.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "digifys"
MFA_TOTP_TOLERANCE = 1  # accept the previous and next 30-second code (phone clock drift)
# Staff e-mail addresses are set by administrators, not verified by mail; there is no signup.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_FORMS = {
    "authenticate": "digifys.accounts.forms.AuthenticateForm",
    "reauthenticate": "digifys.accounts.forms.ReauthenticateForm",
    "activate_totp": "digifys.accounts.forms.ActivateTOTPForm",
}
SOCIALACCOUNT_ADAPTER = "digifys.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # the adapter links by e-mail under its own rule
SOCIALACCOUNT_STORE_TOKENS = False
# Single sign-on through the region's OpenID Connect identity provider, which authenticates with
# SITHS card or BankID (strong authentication, so no TOTP afterwards). No OIDC_SERVER_URL, no SSO.
OIDC_PROVIDER_ID = "region"  # in the callback URL: /accounts/oidc/region/login/callback/
# Claims in which the provider sends the Swedish identity number (personnummer or
# samordningsnummer), read from the ID token and the userinfo answer. A resident who logs in
# themselves (BankID) is matched on it, normalised to 12 digits, never on name. Defaults: the
# Swedish OpenID Connect profile's claims; brokers name theirs differently (for example
# `personal_number` or `ssn`). Empty: identity numbers are not read, only verified e-mails.
OIDC_IDENTITY_NUMBER_CLAIMS = _env_list(
    "OIDC_IDENTITY_NUMBER_CLAIMS",
    [
        "https://id.oidc.se/claim/personalIdentityNumber",
        "https://id.oidc.se/claim/coordinationNumber",
    ],
)
# Scopes asked of the provider; the Swedish profile releases the identity number under
# https://id.oidc.se/scope/naturalPersonNumber.
OIDC_SCOPES = _env_list(
    "OIDC_SCOPES", ["openid", "profile", "email", "https://id.oidc.se/scope/naturalPersonNumber"]
)
_OIDC_SERVER_URL = _env_str("OIDC_SERVER_URL")
_OIDC_APPS = []
if _OIDC_SERVER_URL:
    _OIDC_CLIENT_ID = _env_str("OIDC_CLIENT_ID")
    _OIDC_CLIENT_SECRET = _env_str("OIDC_CLIENT_SECRET")
    if not (_OIDC_CLIENT_ID and _OIDC_CLIENT_SECRET):
        raise ImproperlyConfigured(
            "OIDC_SERVER_URL is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (or "
            "OIDC_CLIENT_SECRET_FILE) must be set too."
        )
    _OIDC_APPS.append(
        {
            "provider_id": OIDC_PROVIDER_ID,
            "name": _env_str("OIDC_PROVIDER_NAME", "Region IdP"),
            "client_id": _OIDC_CLIENT_ID,
            "secret": _OIDC_CLIENT_SECRET,
            "settings": {
                "server_url": _OIDC_SERVER_URL,
                "oauth_pkce_enabled": True,
                "scope": OIDC_SCOPES,
            },
        }
    )
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": _OIDC_APPS}}

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "digifys" / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
# Named date formats per locale (lower-case month abbreviations in sv and es): digifys/formats/.
FORMAT_MODULE_PATH = ["digifys.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Production serves hashed, compressed files collected by `collectstatic`; demo, debug and tests
# serve straight from the apps' static folders.
_SERVE_FROM_FINDERS = DEBUG or DEMO or bool(os.environ.get("PYTEST_VERSION"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if _SERVE_FROM_FINDERS
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = _SERVE_FROM_FINDERS
if _SERVE_FROM_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
# Request bodies other than files are capped here; files are capped and type-checked by the
# validators in digifys/core/validators.py.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

REDIS_URL = _env_str("REDIS_URL")


def redis_channel_layer(url: str, **config) -> dict:
    """The Channels layer on Redis at URL.

    channels_redis waits for a socket's messages with BZPOPMIN for 5 s at a time; redis-py 8
    gives every connection a 5 s socket timeout by default (`redis._defaults`), so an idle
    socket's read timed out after ~5 s ("Timeout reading from …") and the socket was closed.
    The read timeout must be well above the 5 s blocking pop; a `socket_timeout` in REDIS_URL's
    query string would override this, so do not set one there (docs/operations.md).
    The backend is channels_redis' layer with a receive that honours a cancellation lost in
    the blocking pop, so a disconnected socket's consumer finishes (digifys/core/layers.py).
    """
    host = {"address": url, "socket_timeout": 30, "socket_connect_timeout": 5}
    return {
        "BACKEND": "digifys.core.layers.RedisChannelLayer",
        "CONFIG": {"hosts": [host], **config},
    }


CHANNEL_LAYERS = {
    "default": (
        redis_channel_layer(REDIS_URL)
        if REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# When a page's live-update WebSocket is down (Redis or the ASGI node gone), the page fetches
# its live parts this often instead, and says so.
LIVE_POLL_SECONDS = _env_int("LIVE_POLL_SECONDS", 20)

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if _env_str("TASKS_BACKEND", "database") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# Consult deadlines per urgency, in minutes (issue #4: configurable).
CONSULT_DEADLINE_MINUTES = {
    "emergency": _env_int("CONSULT_DEADLINE_EMERGENCY_MINUTES", 10),
    "urgent": _env_int("CONSULT_DEADLINE_URGENT_MINUTES", 30),
    "same_day": _env_int("CONSULT_DEADLINE_SAME_DAY_MINUTES", 8 * 60),
    "next_round": _env_int("CONSULT_DEADLINE_NEXT_ROUND_MINUTES", 7 * 24 * 60),
}
# A nurse task is reported overdue this long after its due time.
TASK_OVERDUE_GRACE_MINUTES = _env_int("TASK_OVERDUE_GRACE_MINUTES", 30)

# The professional-licence register's JSON gateway (HOSP in production; see
# digifys/clinicians/registry.py for the assumed interface). Empty: no nightly look-ups.
LICENCE_REGISTER_URL = _env_str("LICENCE_REGISTER_URL", "") or ""
LICENCE_REGISTER_TIMEOUT = _env_int("LICENCE_REGISTER_TIMEOUT_SECONDS", 5)
# Days within which a medication review brought forward by drug-related problems is due: a simple
# review after the flag, an in-depth review when problems remain after a simple review
# (HSLF-FS 2017:37 sets no number; the region decides).
MEDICATION_REVIEW_FOLLOWUP_DAYS = _env_int("MEDICATION_REVIEW_FOLLOWUP_DAYS", 30)

# A booking or a consult is a care relationship only for a bounded time (issue #20): a booking
# from BOOKING_ACCESS_BEFORE_HOURS before its start until BOOKING_ACCESS_AFTER_HOURS after its
# end; a consult while it is open and CONSULT_FOLLOW_UP_DAYS after it is closed. Bookings more
# than BOOKING_MAX_DAYS_AHEAD days ahead are refused.
BOOKING_ACCESS_BEFORE_HOURS = _env_int("BOOKING_ACCESS_BEFORE_HOURS", 12)
BOOKING_ACCESS_AFTER_HOURS = _env_int("BOOKING_ACCESS_AFTER_HOURS", 24)
BOOKING_MAX_DAYS_AHEAD = _env_int("BOOKING_MAX_DAYS_AHEAD", 365)
CONSULT_FOLLOW_UP_DAYS = _env_int("CONSULT_FOLLOW_UP_DAYS", 3)

# A relative's message to a unit is to be answered within this many working days in the unit's
# calendar (weekends and the unit's public and local holidays are not counted); when it slips, the
# unit's coordinator is told once (issue #13 §2).
RELATIVE_MESSAGE_ANSWER_WORKING_DAYS = _env_int("RELATIVE_MESSAGE_ANSWER_WORKING_DAYS", 2)

# Video visits (issue #6). With no STUN/TURN servers the browsers use host candidates, which is
# enough for the demo on one machine; production sets a TURN server (docs/operations.md).
VIDEO_STUN_URLS = _env_list("VIDEO_STUN_URLS", [])
VIDEO_TURN_URLS = _env_list("VIDEO_TURN_URLS", [])
# Shared secret of the TURN server's REST API (coturn `static-auth-secret`); credentials are
# derived per participant and expire after VIDEO_TURN_TTL seconds.
VIDEO_TURN_SECRET = _env_str("VIDEO_TURN_SECRET", "")
VIDEO_TURN_TTL = _env_int("VIDEO_TURN_TTL", 6 * 60 * 60)
VIDEO_OPEN_BEFORE_MINUTES = _env_int("VIDEO_OPEN_BEFORE_MINUTES", 10)
VIDEO_CLOSE_AFTER_MINUTES = _env_int("VIDEO_CLOSE_AFTER_MINUTES", 30)
VIDEO_CONSULT_ROOM_MINUTES = _env_int("VIDEO_CONSULT_ROOM_MINUTES", 60)
VIDEO_AUTO_ADMIT_STAFF = _env_bool("VIDEO_AUTO_ADMIT_STAFF", False)
VIDEO_GUEST_LINK_MINUTES = _env_int("VIDEO_GUEST_LINK_MINUTES", 24 * 60)
# The SFU for rooms of more than four (family meetings): Janus's VideoRoom plugin. JANUS_URL is
# its HTTP API for this server only (e.g. http://127.0.0.1:8088/janus), JANUS_PUBLIC_URL its
# WebSocket for browsers (e.g. wss://video.example.se/janus). Empty: no SFU, every room holds
# at most four. JANUS_TOKEN_SECRET is Janus's `token_auth_secret`, JANUS_ADMIN_KEY the
# VideoRoom plugin's `admin_key` (docs/operations.md "Janus").
JANUS_URL = _env_str("JANUS_URL", "")
JANUS_PUBLIC_URL = _env_str("JANUS_PUBLIC_URL", "")
JANUS_TOKEN_SECRET = _env_str("JANUS_TOKEN_SECRET", "")
JANUS_ADMIN_KEY = _env_str("JANUS_ADMIN_KEY", "")
JANUS_TOKEN_TTL = _env_int("JANUS_TOKEN_TTL", 6 * 60 * 60)
JANUS_BITRATE = _env_int("JANUS_BITRATE", 512_000)
# Where guests' codes and notifications are sent: Django's e-mail backend (EMAIL_BACKEND) and
# an SMS backend (docs/operations.md, "Notification delivery").
NOTIFICATION_SMS_BACKEND = _env_str(
    "NOTIFICATION_SMS_BACKEND", "digifys.notifications.channels.ConsoleSmsBackend"
)
# The HTTP SMS provider (NOTIFICATION_SMS_BACKEND=digifys.notifications.channels.HttpSmsBackend).
NOTIFICATION_SMS_URL = _env_str("NOTIFICATION_SMS_URL", "")
NOTIFICATION_SMS_TOKEN = _env_str("NOTIFICATION_SMS_TOKEN", "")
NOTIFICATION_SMS_SENDER = _env_str("NOTIFICATION_SMS_SENDER", "Digifys")
NOTIFICATION_SMS_TIMEOUT = _env_int("NOTIFICATION_SMS_TIMEOUT", 10)
# Retries of a failed e-mail or SMS: wait NOTIFICATION_RETRY_SECONDS, doubled after each failed
# attempt (at most NOTIFICATION_RETRY_MAX_SECONDS), and give up after NOTIFICATION_MAX_ATTEMPTS.
NOTIFICATION_MAX_ATTEMPTS = _env_int("NOTIFICATION_MAX_ATTEMPTS", 6)
NOTIFICATION_RETRY_SECONDS = _env_int("NOTIFICATION_RETRY_SECONDS", 60)
NOTIFICATION_RETRY_MAX_SECONDS = _env_int("NOTIFICATION_RETRY_MAX_SECONDS", 3600)
# A worker's claim on a delivery it is sending; after this long another worker may try again.
NOTIFICATION_SEND_LEASE_SECONDS = _env_int("NOTIFICATION_SEND_LEASE_SECONDS", 300)
# FHIR Subscriptions (rest-hook): a failed POST is retried after FHIR_SUBSCRIPTION_RETRY_SECONDS,
# doubled per attempt (at most FHIR_SUBSCRIPTION_RETRY_MAX_SECONDS), up to
# FHIR_SUBSCRIPTION_MAX_ATTEMPTS attempts; after FHIR_SUBSCRIPTION_ERROR_AFTER failed attempts in
# a row the subscription's status becomes "error". FHIR_SUBSCRIPTION_TIMEOUT: seconds per POST.
FHIR_SUBSCRIPTION_RETRY_SECONDS = _env_int("FHIR_SUBSCRIPTION_RETRY_SECONDS", 30)
FHIR_SUBSCRIPTION_RETRY_MAX_SECONDS = _env_int("FHIR_SUBSCRIPTION_RETRY_MAX_SECONDS", 3600)
FHIR_SUBSCRIPTION_MAX_ATTEMPTS = _env_int("FHIR_SUBSCRIPTION_MAX_ATTEMPTS", 6)
FHIR_SUBSCRIPTION_ERROR_AFTER = _env_int("FHIR_SUBSCRIPTION_ERROR_AFTER", 5)
FHIR_SUBSCRIPTION_TIMEOUT = _env_int("FHIR_SUBSCRIPTION_TIMEOUT", 10)
# A backend client's keys published at its jwks_uri (fhir/jwks.py): fetched within
# FHIR_JWKS_TIMEOUT seconds, at most FHIR_JWKS_MAX_BYTES, cached FHIR_JWKS_CACHE_SECONDS; an
# unknown kid fetches them again at most once per FHIR_JWKS_REFRESH_SECONDS.
FHIR_JWKS_TIMEOUT = _env_int("FHIR_JWKS_TIMEOUT", 5)
FHIR_JWKS_MAX_BYTES = _env_int("FHIR_JWKS_MAX_BYTES", 65536)
FHIR_JWKS_CACHE_SECONDS = _env_int("FHIR_JWKS_CACHE_SECONDS", 3600)
FHIR_JWKS_REFRESH_SECONDS = _env_int("FHIR_JWKS_REFRESH_SECONDS", 60)
# How often the sweep (fhir.tasks.sweep_subscription_notifications) sends what is due.
FHIR_SUBSCRIPTION_SWEEP_SECONDS = _env_int("FHIR_SUBSCRIPTION_SWEEP_SECONDS", 60)
# Allow endpoints in the server's own network (loopback, private addresses): development only.
FHIR_SUBSCRIPTION_ALLOW_PRIVATE_ENDPOINTS = _env_bool(
    "FHIR_SUBSCRIPTION_ALLOW_PRIVATE_ENDPOINTS", False
)
# Who notifications say they are from when no home or unit is known.
NOTIFICATION_SENDER_NAME = _env_str("NOTIFICATION_SENDER_NAME", "digifys")
# The address people reach digifys at: links in e-mails and SMS start with it.
SITE_URL = _env_str("SITE_URL", "")

SESSION_COOKIE_AGE = _env_int("SESSION_COOKIE_AGE", 30 * 60)
# Inactivity timeout rather than absolute: accounts.middleware.SessionActivityMiddleware renews
# the session on every request the user makes (not on background refreshes).
SESSION_SAVE_EVERY_REQUEST = False
# ... at most once a minute (a write per page view cost more than the page's reads).
SESSION_RENEW_AFTER_SECONDS = 60
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", not (DEBUG or DEMO))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 0 if (DEBUG or DEMO) else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from us, inline ones only with the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
if _env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = _env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = _env_str("DEFAULT_FROM_EMAIL", "digifys <noreply@digifys.invalid>")
# Django's SMTP backend (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = _env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = _env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _env_int("EMAIL_TIMEOUT", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Domain settings.
DIGIFYS_PAGE_SIZE = _env_int("DIGIFYS_PAGE_SIZE", 25)

# Signed checkpoints of the access log's chain head (issue #20 item 9; docs/security.md). The key
# must never be stored in the database; the directory must be one the database role (and whoever
# administers the database) cannot write. Demo, debug and tests generate a key under var/.
AUDIT_CHECKPOINT_KEY = _env_str("AUDIT_CHECKPOINT_KEY", "")
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("AUDIT_CHECKPOINT_DIR") or VAR_DIR / "audit-checkpoints")

# Where the data lives (issue #17 §6; domain-spec §3.6). Patient data, backups, uploaded files and
# TURN/SFU relays stay in Sweden or the EU: DATA_RESIDENCY_ALLOWED lists the allowed ISO 3166
# country codes, DATA_LOCATION_* where each part of this installation is (a country code). The
# deploy check (`manage.py check --deploy`, digifys/administration/checks.py) warns when a
# configured part is outside the list or its location is not declared.
EU_COUNTRIES = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
]
DATA_RESIDENCY_ALLOWED = [
    code.upper() for code in _env_list("DATA_RESIDENCY_ALLOWED", EU_COUNTRIES)
]
DATA_LOCATIONS = {
    part: (value or "").strip().upper()
    for part, value in (
        ("database", _env_str("DATA_LOCATION_DATABASE", "")),
        ("files", _env_str("DATA_LOCATION_FILES", "")),
        ("backups", _env_str("DATA_LOCATION_BACKUPS", "")),
        ("redis", _env_str("DATA_LOCATION_REDIS", "")),
        ("turn", _env_str("DATA_LOCATION_TURN", "")),
        ("sfu", _env_str("DATA_LOCATION_SFU", "")),
        ("sms", _env_str("DATA_LOCATION_SMS", "")),
        ("email", _env_str("DATA_LOCATION_EMAIL", "")),
    )
}
# Staff working abroad (place_of: a staff profile's work country, or an approved period of work
# elsewhere, other than HOME_COUNTRY) state a purpose before each download of an extract or a
# PDF; the roles listed in DOWNLOADS_ABROAD_REFUSED_ROLES may not download at all from abroad.
HOME_COUNTRY = (_env_str("HOME_COUNTRY", "SE") or "SE").upper()
DOWNLOADS_ABROAD_REFUSED_ROLES = _env_list("DOWNLOADS_ABROAD_REFUSED_ROLES", [])

# OAuth 2.0 / SMART on FHIR authorization server for the FHIR API (django-oauth-toolkit; our
# validator in digifys/fhir/smart.py adds SMART Backend Services' signed JWT client assertions and
# the SMART scope grammar). FHIR_ACCESS_TOKEN_SECONDS is the lifetime of an access token.
# The swappable setting of DOT's application model (our migrations refer to it).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Named so that digifys.fhir's launch contexts can refer to DOT's codes and tokens (swappable).
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model name
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
FHIR_ACCESS_TOKEN_SECONDS = _env_int("FHIR_ACCESS_TOKEN_SECONDS", 900)
# OpenID Connect for SMART App Launch (`openid fhirUser`: an id_token naming the user's
# Practitioner): on only when FHIR_OIDC_RSA_PRIVATE_KEY (or FHIR_OIDC_RSA_PRIVATE_KEY_FILE) holds
# the PEM of the RSA key that signs id_tokens (RS256; its public part at /oauth/.well-known/
# jwks.json). Unset, digifys issues no id_token and does not advertise `sso-openid-connect`.
FHIR_OIDC_RSA_PRIVATE_KEY = _env_str("FHIR_OIDC_RSA_PRIVATE_KEY", "") or ""
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": bool(FHIR_OIDC_RSA_PRIVATE_KEY),
    "OIDC_RSA_PRIVATE_KEY": FHIR_OIDC_RSA_PRIVATE_KEY,
    "OAUTH2_VALIDATOR_CLASS": "digifys.fhir.smart.SmartValidator",
    "SCOPES_BACKEND_CLASS": "digifys.fhir.smart.SmartScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": FHIR_ACCESS_TOKEN_SECONDS,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "REFRESH_TOKEN_EXPIRE_SECONDS": None,
    "PKCE_REQUIRED": True,
    # S256 only: the "plain" PKCE method is refused (RFC 9700 §2.1.1).
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    # RFC 9700 (OAuth 2.0 Security BCP): tokens only in the Authorization header, the `iss`
    # parameter in authorization responses (RFC 9207), replayed refresh tokens revoke their
    # family (digifys issues none today), and https redirect URIs only — plain http only for the
    # demo and development on this machine (DEBUG or DIGIFYS_DEMO), where apps run on loopback.
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"] if (DEBUG or DEMO) else ["https"],
}
