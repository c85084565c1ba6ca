import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from connexions.codes import normalise_scanned_code
from connexions.exports import csv_response
from connexions.middleware import LockTimeoutMiddleware


def _settings_subprocess(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides, PYTHONPATH=os.getcwd(), DATABASE_URL="postgres://x@/y")
    env["ENV_FILE"] = "/nonexistent/.env"
    return subprocess.run(
        [sys.executable, "-c", "import connexions.settings"],
        env=env,
        capture_output=True,
        text=True,
        cwd="/tmp",  # no .env file there
    )


def test_production_settings_refuse_to_start_without_secret_key():
    result = _settings_subprocess({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_start_with_a_secret_key():
    result = _settings_subprocess({"SECRET_KEY": "s" * 50})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (" 3545 6789 0123 456\n", "354567890123456"),
        ("&é\"'(-è_çà", "1234567890"),
        ("\"('(-è_çà&é\"'(-", "354567890123456"),
        ("cs-000123", "CS-000123"),
        ("CS)àààé\"'", "CS-000234"),
        ("", ""),
        ("3545\x006789\x1b0123\x7f", "354567890123"),
        ("\x00", ""),
    ],
)
def test_scanned_codes_are_normalised(typed, expected):
    assert normalise_scanned_code(typed) == expected


def test_csv_export_format():
    response = csv_response(
        "export.csv", ["Nom", "Montant"], [["=HYPERLINK(1)", Decimal("2.50")], ["@x", None]]
    )
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffNom;Montant\r\n")
    assert "'=HYPERLINK(1);2,50\r\n" in body
    assert "'@x;\r\n" in body
    assert response["Content-Disposition"] == 'attachment; filename="export.csv"'


@pytest.mark.django_db
def test_lock_timeout_becomes_a_french_retry_page(counsellor_a):
    class LockNotAvailable(Exception):
        sqlstate = "55P03"

    error = OperationalError("canceling statement due to lock timeout")
    error.__cause__ = LockNotAvailable()
    request = RequestFactory().post("/")
    request.user = counsellor_a
    request.current_site = None
    request._messages = []
    response = LockTimeoutMiddleware(lambda r: None).process_exception(request, error)
    assert response.status_code == 409
    assert "Veuillez réessayer" in response.content.decode()
    other = LockTimeoutMiddleware(lambda r: None).process_exception(
        request, OperationalError("other")
    )
    assert other is None


def test_undefined_variables_fail_in_the_projects_own_templates():
    from django.template.loader import get_template

    card = get_template("workshops/_stat_card.html")
    assert "7" in card.render({"value": 7, "label": "séances"})
    with pytest.raises(AssertionError, match="Undefined template variable"):
        card.render({"value": 7})  # no label
