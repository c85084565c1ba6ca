"""Nothing shown to a logged-in user may be kept by a shared browser or a proxy."""

from django.urls import reverse

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.conftest import client_for


def assert_not_stored(response):
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives, response["Cache-Control"]


def test_pages_pdfs_and_csvs_of_a_logged_in_user_are_not_stored(
    client, counsellor_a, programme_admin
):
    person = BeneficiaryFactory()
    client_for(client, counsellor_a)
    assert_not_stored(client.get(reverse("beneficiaries:detail", args=[person.pk])))
    card = client.get(reverse("beneficiaries:card", args=[person.pk]))
    assert card["Content-Type"] == "application/pdf"
    assert_not_stored(card)
    client_for(client, programme_admin)
    export = client.get(reverse("impact:csv", args=["chiffres-cles"]))
    assert export["Content-Type"].startswith("text/csv")
    assert_not_stored(export)
