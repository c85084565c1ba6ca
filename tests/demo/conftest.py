"""The demo is seeded once for the tests of this package, inside a transaction rolled back when
they are done, so no demo row leaks into other tests. Each test runs in a savepoint of it."""

import io

import pytest
from django.core.management import call_command
from django.test import TestCase


@pytest.fixture(scope="package", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # TestCase's own outer atomic, so that the durable services the seeding calls run in it.
        atomics = TestCase._enter_atomics()
        try:
            call_command("seed_demo", stdout=io.StringIO())
            yield
        finally:
            TestCase._rollback_atomics(atomics)
