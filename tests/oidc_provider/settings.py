"""A local OpenID Connect provider for the tests, configured like ProConnect: django-oauth-toolkit
with PKCE, RS256 ID tokens, ProConnect's claims (given_name, usual_name, siret, uid) and userinfo
returned as a signed JWT. It runs in its own process and database (tests/oidc_provider/server.py);
nothing of the project imports it."""

import os

import environ

SECRET_KEY = "test-only-oidc-provider-key-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.oidc_provider.urls"
DATABASES = {"default": environ.Env.db_url_config(os.environ["OIDC_PROVIDER_DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
# The browser holds the project's cookies for the same host: the provider's have other names.
SESSION_COOKIE_NAME = "provider_sessionid"
CSRF_COOKIE_NAME = "provider_csrftoken"
LOGIN_URL = "/login/"
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ["OIDC_PROVIDER_PRIVATE_KEY"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "PKCE_REQUIRED": True,
    "SCOPES": {
        "openid": "OpenID Connect",
        "email": "E-mail",
        "given_name": "Given name",
        "usual_name": "Usual name",
        "siret": "SIRET",
        "uid": "Agent id",
    },
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.views.ProConnectLikeValidator",
    "ID_TOKEN_EXPIRE_SECONDS": 60,
}
