"""Connexions settings: production posture by default, driven by the environment (and `.env`)."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from connexions.db import database_url

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Local development settings (written by `make run`); ENV_FILE points elsewhere if needed.
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (environment variable or .env file)."
        )
    SECRET_KEY = "insecure-development-only-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "connexions",
    "beneficiaries",
    "catalogue",
    "sales",
    "workshops",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "connexions.middleware.NoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before the host check (CommonMiddleware): the load balancer probes with an IP as Host.
    "connexions.middleware.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "connexions.middleware.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "connexions.middleware.HtmxLoginRedirectMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "connexions.middleware.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "connexions.middleware.SecondFactorMiddleware",
    "connexions.middleware.CurrentSiteMiddleware",
    "connexions.middleware.LockTimeoutMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "axes.middleware.AxesMiddleware",
]
# `make bench` only: each response says its query count and server time (connexions/benchmark.py).
if env.bool("CONNEXIONS_BENCH_HEADERS", default=False):
    MIDDLEWARE.insert(0, "connexions.benchmark.QueryCountMiddleware")

ROOT_URLCONF = "connexions.urls"
WSGI_APPLICATION = "connexions.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "connexions.context_processors.navigation",
            ],
            # A package of the core, not an app: its tag library is named here.
            "libraries": {"impact": "connexions.impact.templatetags"},
        },
    }
]

if not DEBUG and not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when DEBUG is off: the embedded PostgreSQL is for development "
        "and tests only (the Makefile's targets pass its address themselves)."
    )
DATABASES = {
    "default": {
        **environ.Env.db_url_config(database_url()),
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # A lock wait longer than this becomes a clear "please retry", never a hung request.
            "options": "-c lock_timeout=5000 -c statement_timeout=30000",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "connexions.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Second factor (connexions/twofactor.py): always for programme admins; site managers too when on.
TWO_FACTOR_SITE_MANAGERS = env.bool("TWO_FACTOR_SITE_MANAGERS", default=False)
OTP_TOTP_ISSUER = "Connexions"
# The device pages of the admin never show a key; a lost phone is reset from the user list.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: an idle timeout (the cookie age, renewed by requests at most once every
# SESSION_RENEW_SECONDS, see connexions.middleware.SessionLifetimeMiddleware) and an absolute
# lifetime. One UPDATE per save (connexions/sessions.py).
SESSION_ENGINE = "connexions.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_RENEW_SECONDS = 60
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=10 * 60 * 60)

# Login throttling: locked per username + IP, so one reception office behind one IP is not
# locked out together.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# Off: a correct password must not wipe the failed second-factor codes typed after it.
AXES_RESET_ON_SUCCESS = False
# Masked in axes logs and stored attempts (the defaults, plus second-factor codes).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "connexions.proxy.client_ip"
# How many reverse proxies in front append to X-Forwarded-For (connexions/proxy.py). 0: the header
# is ignored, since anyone can send it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
MEDIA_ROOT = BASE_DIR / "var" / "media"

# E-mail from EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587 (django-environ's
# email_url, turned into Django's MAILERS). Without it, the console: `check --deploy` then fails
# (Django's mail.E001), since reset links would land in the server's output.
EMAIL_URL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
MAILERS = {
    "default": {
        "BACKEND": EMAIL_URL_CONFIG["EMAIL_BACKEND"],
        "OPTIONS": {
            option: EMAIL_URL_CONFIG[key]
            for key, option in [
                ("EMAIL_HOST", "host"),
                ("EMAIL_PORT", "port"),
                ("EMAIL_HOST_USER", "username"),
                ("EMAIL_HOST_PASSWORD", "password"),
                ("EMAIL_USE_TLS", "use_tls"),
                ("EMAIL_USE_SSL", "use_ssl"),
                ("EMAIL_FILE_PATH", "file_path"),
            ]
            if EMAIL_URL_CONFIG.get(key)
        },
    }
}
# Password reset e-mails, at most this many per hour per address and per client IP (a reception
# point's staff share one IP).
PASSWORD_RESET_PER_EMAIL = env.int("PASSWORD_RESET_PER_EMAIL", default=3)
PASSWORD_RESET_PER_IP = env.int("PASSWORD_RESET_PER_IP", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Connexions <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the accessibility statement (/accessibilite/) tells people to report a problem.
ACCESSIBILITY_CONTACT_EMAIL = env.str(
    "ACCESSIBILITY_CONTACT_EMAIL", default="accessibilite@connexions.example"
)

# Text messages (connexions/sms.py): console by default, Brevo's HTTP API in production.
SMS_BACKEND = env.str("SMS_BACKEND", default="connexions.sms.ConsoleBackend")
SMS_SENDER = env.str("SMS_SENDER", default="Connexions")  # at most 11 letters or digits
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)  # seconds
BREVO_API_KEY = env.str("BREVO_API_KEY", default="")
BREVO_SMS_URL = env.str("BREVO_SMS_URL", default="https://api.brevo.com/v3/transactionalSMS/send")

# Security: production posture unless DEBUG.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer probes over plain HTTP
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
PHONENUMBER_DEFAULT_REGION = "FR"
PHONENUMBER_DEFAULT_FORMAT = "NATIONAL"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

PGHISTORY_APPEND_ONLY = True

# Programme rules that are settings rather than code.
SMALL_GROUP_THRESHOLD = env.int("SMALL_GROUP_THRESHOLD", default=5)
# Absolute address of the site, for links in e-mails sent outside a request (cron, tasks).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Beneficiaries: referrals left pending this many days are closed as expired (expire_referrals).
REFERRAL_EXPIRY_DAYS = env.int("REFERRAL_EXPIRY_DAYS", default=30)
# ... and this many days before, the referrer and the site's managers are warned (once).
REFERRAL_EXPIRY_WARNING_DAYS = env.int("REFERRAL_EXPIRY_WARNING_DAYS", default=7)
# Eligibility lasts this many months after enrolment or after a new accepted referral.
ELIGIBILITY_MONTHS = env.int("ELIGIBILITY_MONTHS", default=12)
# The till: a difference between counted and expected cash above this amount (EUR) needs a
# comment and a site manager's confirmation at the close.
TILL_CLOSE_DIFFERENCE_LIMIT = Decimal(env.str("TILL_CLOSE_DIFFERENCE_LIMIT", default="5.00"))
# A till session still open refuses sales from this hour of the day after its opening.
TILL_STALE_HOUR = env.int("TILL_STALE_HOUR", default=6)
# Follow-ups planned at enrolment, in months after it.
FOLLOW_UP_MONTHS = env.list("FOLLOW_UP_MONTHS", cast=int, default=[3, 6])
# Version of the consent texts read to the person at enrolment (recorded with each consent).
CONSENT_TEXT_VERSION = env.str("CONSENT_TEXT_VERSION", default="2026-01")
# Duplicate check: trigram similarity (0-1) of full names above which, with the same birth date,
# two people are probably the same.
DUPLICATE_NAME_SIMILARITY = env.float("DUPLICATE_NAME_SIMILARITY", default=0.5)
# Impact: a follow-up counts towards the spending figures and the outcomes only from this many
# days after enrolment (a follow-up on the day of enrolment measures nothing).
FOLLOW_UP_MIN_DAYS = env.int("FOLLOW_UP_MIN_DAYS", default=60)
# Impact: the national average monthly telecom spending, the dashboard's reference line. It is the
# comparison the programme publishes in its press kit ("moyenne nationale 24 €/mois", 2026 edition),
# cited as such with that edition's date, never as an outside survey: change all three together
# when the programme publishes a newer figure.
NATIONAL_TELECOM_SPENDING = env.str("NATIONAL_TELECOM_SPENDING", default="24.00")
NATIONAL_TELECOM_SPENDING_AS_OF = env.str("NATIONAL_TELECOM_SPENDING_AS_OF", default="2026-01-01")
NATIONAL_TELECOM_SPENDING_SOURCE = env.str(
    "NATIONAL_TELECOM_SPENDING_SOURCE",
    default="Dossier de presse du programme, « moyenne nationale 24 €/mois »",
)
# Workshops: reminders go out this many hours before a session (send_workshop_reminders).
WORKSHOP_REMINDER_HOURS = env.int("WORKSHOP_REMINDER_HOURS", default=48)
# Appointments: a reminder this many hours before (send_appointment_reminders), and another on
# the morning of the day if APPOINTMENT_MORNING_REMINDER is on.
APPOINTMENT_REMINDER_HOURS = env.int("APPOINTMENT_REMINDER_HOURS", default=48)
APPOINTMENT_MORNING_REMINDER = env.bool("APPOINTMENT_MORNING_REMINDER", default=False)

# Personal data's lifetime (apply_retention, README "Data protection").
# A beneficiary is anonymised this many months after their last contact.
RETENTION_BENEFICIARY_MONTHS = env.int("RETENTION_BENEFICIARY_MONTHS", default=24)
# A referral closed without an enrolment (declined, expired, withdrawn): months after it closed.
RETENTION_CLOSED_REFERRAL_MONTHS = env.int("RETENTION_CLOSED_REFERRAL_MONTHS", default=6)
# Audit rows that record a read of a personal file are deleted after this many months (the
# database function that deletes them refuses less than 6).
RETENTION_READ_AUDIT_MONTHS = env.int("RETENTION_READ_AUDIT_MONTHS", default=12)
# Finished background-task rows (their arguments name people by id) are deleted after this many
# days; expired sessions go at every run.
RETENTION_TASK_RESULT_DAYS = env.int("RETENTION_TASK_RESULT_DAYS", default=7)
# Key of the digests kept after anonymisation (name + birth date, phone) so that a returning
# person is still recognised. Set it once and keep it: a new key forgets every anonymised person.
# Defaults to a key derived from SECRET_KEY.
PRIVACY_DIGEST_KEY = env.str("PRIVACY_DIGEST_KEY", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query_string": {"()": "connexions.logs.QueryStringFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        # runserver's request lines, without their query strings (searches by name or phone).
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "filters": ["no_query_string"],
            "propagate": False,
        },
    },
}

# ProConnect (connexions/proconnect.py): the provider's base URL (its discovery document is at
# <url>/.well-known/openid-configuration), e.g. https://auth.agentconnect.gouv.fr/api/v2, and
# this service's client id and secret. Without them the button is hidden.
PROCONNECT_URL = env.str("PROCONNECT_URL", default="")
PROCONNECT_CLIENT_ID = env.str("PROCONNECT_CLIENT_ID", default="")
PROCONNECT_CLIENT_SECRET = env.str("PROCONNECT_CLIENT_SECRET", default="")
PROCONNECT_TIMEOUT = env.int("PROCONNECT_TIMEOUT", default=10)  # seconds
if PROCONNECT_URL:
    # The login and logout redirects to the provider follow form posts.
    _provider = urlsplit(PROCONNECT_URL)
    SECURE_CSP["form-action"].append(f"{_provider.scheme}://{_provider.netloc}")

# Onboarding (connexions/onboarding.py): the e-mail link lasts this many hours; requests left
# pending this many days are reminded to their approvers once, and expire this many days after.
ONBOARDING_LINK_HOURS = env.int("ONBOARDING_LINK_HOURS", default=48)
ONBOARDING_REMINDER_DAYS = env.int("ONBOARDING_REMINDER_DAYS", default=14)
ONBOARDING_EXPIRY_DAYS = env.int("ONBOARDING_EXPIRY_DAYS", default=7)
# Decided requests are deleted this many days after the decision (expire_account_requests).
ONBOARDING_RETENTION_DAYS = env.int("ONBOARDING_RETENTION_DAYS", default=180)
# Account requests accepted per hour per address and per client IP.
ONBOARDING_PER_EMAIL = env.int("ONBOARDING_PER_EMAIL", default=3)
ONBOARDING_PER_IP = env.int("ONBOARDING_PER_IP", default=10)
