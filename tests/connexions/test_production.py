"""Production posture: database and mail settings, password reset, client IP, health probe."""

import logging
import os
import re
import subprocess
import sys

import pytest
from django.core import mail
from django.test import override_settings

from connexions.models import PasswordResetRequest
from connexions.proxy import client_ip

PROJECT_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DJANGO_SETTINGS_MODULE": "connexions.settings",
    "ENV_FILE": os.devnull,  # not the developer's .env
    "DEBUG": "False",
    "SECRET_KEY": "subprocess-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
}


def settings_in_a_subprocess(code, **env):
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**PROJECT_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_start_without_database_url_when_debug_is_off():
    result = settings_in_a_subprocess("")
    assert result.returncode != 0
    assert "DATABASE_URL must be set when DEBUG is off" in result.stderr


def test_mail_comes_from_email_url():
    result = settings_in_a_subprocess(
        "from django.conf import settings as s; m = s.MAILERS['default']; "
        "print(m['BACKEND'], *sorted(m['OPTIONS'].items()))",
        DATABASE_URL="postgres://app@db.example.org/connexions",
        EMAIL_URL="smtp+tls://relay:secret@smtp.example.org:587",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 1) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "('host', 'smtp.example.org') ('password', 'secret') ('port', 587) "
        "('use_tls', True) ('username', 'relay')\n",
    ]


@pytest.mark.parametrize(
    ("email_url", "errors"),
    [
        (None, ["mail.E001"]),
        ("consolemail://", ["mail.E001"]),
        ("filemail:///var/tmp/mails", ["mail.E001"]),
        ("smtp://localhost:25", []),
    ],
)
def test_check_deploy_fails_without_a_real_mail_server(email_url, errors):
    check = (
        "from django.core.checks import run_checks; "
        "print(*[e.id for e in run_checks(tags=['mail'], include_deployment_checks=True)])"
    )
    mail_env = {"EMAIL_URL": email_url} if email_url else {}
    result = settings_in_a_subprocess(
        check, DATABASE_URL="postgres://app@db.example.org/connexions", **mail_env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == errors


# --- password reset ------------------------------------------------------------------------------


def ask_reset(client, email, ip="127.0.0.1"):
    return client.post("/mot-de-passe/oubli/", {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    client, counsellor_a, settings, caplog
):
    settings.SITE_URL = "https://connexions.example.org"
    caplog.set_level(logging.DEBUG)
    known = ask_reset(client, counsellor_a.email)
    unknown = ask_reset(client, "personne@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [counsellor_a.email]
    link = re.search(
        r"https://connexions\.example\.org/mot-de-passe/nouveau/\S+/", mail.outbox[0].body
    )
    assert link is not None  # links name SITE_URL, never the request's Host
    assert link.group(0) not in caplog.text
    assert not PasswordResetRequest.objects.filter(email_digest__contains="@").exists()


@override_settings(PASSWORD_RESET_PER_EMAIL=2)
def test_password_reset_is_throttled_per_address(client, counsellor_a):
    answers = {
        ask_reset(client, counsellor_a.email, ip=f"192.0.2.{n}")["Location"] for n in range(4)
    }
    assert len(answers) == 1
    assert len(mail.outbox) == 2


@override_settings(PASSWORD_RESET_PER_IP=2)
def test_password_reset_is_throttled_per_ip(client, counsellor_a, manager_a, social_worker_a):
    for email in ["inconnu@example.org", manager_a.email, counsellor_a.email]:
        ask_reset(client, email, ip="198.51.100.7")
    assert [message.to for message in mail.outbox] == [[manager_a.email]]
    ask_reset(client, social_worker_a.email, ip="198.51.100.8")
    assert len(mail.outbox) == 2


# --- client IP behind proxies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.2"),  # never trusted by default
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (2, "203.0.113.5", "10.0.0.2"),  # fewer entries than proxies: not through them all
        (1, "pas-une-adresse", "10.0.0.2"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(rf, settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_strangers_failures_from_another_ip_do_not_lock_the_counsellor_out(
    client, counsellor_a, password
):
    for _ in range(3):
        client.post(
            "/connexion/",
            {"username": counsellor_a.email, "password": "devine"},
            REMOTE_ADDR="203.0.113.66",
            HTTP_X_FORWARDED_FOR="127.0.0.1",  # spoofed: no proxy is trusted
        )
    stranger = client.post(
        "/connexion/",
        {"username": counsellor_a.email, "password": password},
        REMOTE_ADDR="203.0.113.66",
    )
    assert stranger.status_code == 429
    counsellor = client.post("/connexion/", {"username": counsellor_a.email, "password": password})
    assert counsellor.status_code == 302


# --- health probe --------------------------------------------------------------------------------


def test_health_answers_plain_http_with_any_host(client, db, settings):
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["connexions.example.org"]
    probe = client.get("/health/", HTTP_HOST="10.1.2.3:8000")
    assert probe.status_code == 200
    assert probe.json() == {"status": "ok", "database": "ok"}
    # Every other page still redirects to HTTPS and checks the host.
    page = client.get("/connexion/", HTTP_HOST="connexions.example.org")
    assert page.status_code == 301
    assert page["Location"] == "https://connexions.example.org/connexion/"
    assert client.get("/connexion/", HTTP_HOST="10.1.2.3:8000").status_code == 400
