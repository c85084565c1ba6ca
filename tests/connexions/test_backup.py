"""`manage.py backup` and `restore`: a dump restored into a new database verifies."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from sales.services import CartItem
from tests.sales.factories import buyer, checkout, open_till, stocked_site


def manage(database_url, *arguments):
    """A command run as an operator would, on another database than the tests' one."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "connexions.settings_test",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def empty_database(transactional_db):
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SET statement_timeout = 0"
        )  # dropping a database can be slow on a busy machine
        cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        cursor.execute("RESET statement_timeout")


def test_a_backup_restores_into_an_empty_database_where_journal_and_ledger_verify(
    tmp_path, empty_database, site_a, manager_a
):
    open_till(site_a, manager_a)
    topup, phone, devices = stocked_site(site_a, manager_a, vouchers=3, phones=1)
    checkout(
        site_a, buyer(), [CartItem(topup), CartItem(phone, device_code=devices[0].imei)], manager_a
    )
    dump = tmp_path / "connexions.dump"
    call_command("backup", output=dump, stdout=StringIO())

    restored = manage(empty_database, "restore", str(dump))
    assert restored.returncode == 0, restored.stderr
    journal = manage(empty_database, "verify_journal")
    assert journal.returncode == 0, journal.stderr
    assert f"{site_a.name}: OK" in journal.stdout
    ledger = manage(empty_database, "catalogue_check_ledger")
    assert ledger.returncode == 0, ledger.stderr

    again = manage(empty_database, "restore", str(dump))
    assert again.returncode != 0
    assert "only into an empty database" in again.stderr
