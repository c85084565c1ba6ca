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


@pytest.mark.django_db
def test_csv_written_by_postgresql_is_the_csv_python_writes():
    """The ledger's export formats its columns in SQL and lets COPY write the lines: every
    cell is what `csv_cell` writes (formulas, separators, quotes, accents, blanks, dates in
    local time, labels), with the same header and line ends."""
    from connexions.enums import UserKind
    from connexions.exports import CsvText, csv_copy_stream, csv_datetime, csv_label, csv_stream
    from connexions.models import User
    from tests.connexions.factories import UserFactory

    names = ["=SUM(A1)", "a;b", 'dit "oui"', "", "-3", "\tx", "+33 6", "@x", "Éloïse", "x\ny"]
    for n, name in enumerate(names):
        UserFactory(first_name=name, last_name=str(n), kind=UserKind.SITE_STAFF)
    UserFactory(first_name="Zoé", kind="unknown")
    users = User.objects.order_by("date_joined", "id")
    header = ["Prénom", "=Nom", "Type", "Créé le", "Numéro"]
    fields = ["first_name", "last_name", "kind", "date_joined", "id"]
    labels = dict(UserKind.choices)
    expected = csv_stream(
        "x.csv",
        header,
        [
            (first, last, labels.get(kind, kind), joined, pk)
            for first, last, kind, joined, pk in users.values_list(*fields)
        ],
    )
    written = csv_copy_stream(
        "x.csv",
        header,
        users.values_list(
            CsvText("first_name"),
            CsvText("last_name"),
            csv_label("kind", UserKind.choices),
            csv_datetime("date_joined"),
            "id",
        ),
    )
    text = b"".join(written.streaming_content).decode()
    # A line end inside a quoted cell is the one difference (COPY's lines end in "\n").
    assert text.replace('x\r\ny"', 'x\ny"') == b"".join(expected.streaming_content).decode()
    assert written["Content-Disposition"] == 'attachment; filename="x.csv"'
