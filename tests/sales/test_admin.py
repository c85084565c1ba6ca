import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_admin_is_read_only_and_for_programme_admins(client, programme_admin, counsellor_a):
    client_for(client, programme_admin)
    assert client.get("/admin/sales/sale/").status_code == 200
    assert client.get("/admin/sales/tillsession/").status_code == 200
    assert client.get("/admin/sales/sale/add/").status_code == 403
    client_for(client, counsellor_a)
    assert client.get("/admin/sales/sale/").status_code == 302
