import io

import pytest
from django.core.management import call_command

from beneficiaries.models import (
    Beneficiary,
    Consent,
    FollowUp,
    MediationCase,
    MediationNote,
    Referral,
    SupportSession,
)
from tests.beneficiaries.factories import (
    FollowUpFactory,
    MediationCaseFactory,
    SupportSessionFactory,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MODELS = [Referral, Beneficiary, Consent, SupportSession, FollowUp, MediationCase, MediationNote]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_pages_for_programme_admins_only(client, programme_admin, counsellor_a, model):
    SupportSessionFactory()
    FollowUpFactory()
    case = MediationCaseFactory()
    MediationNote.objects.create(case=case, author=case.opened_by, text="Appel")
    url = f"/admin/beneficiaries/{model._meta.model_name}/"
    obj = model.objects.first()
    client_for(client, programme_admin)
    assert client.get(url).status_code == 200
    assert client.get(f"{url}{obj.pk}/change/").status_code == 200
    client_for(client, counsellor_a)
    assert client.get(url).status_code == 302  # to the admin login


def test_seed_demo_is_idempotent_and_spread_over_the_seven_sites():
    call_command("seed_demo", stdout=io.StringIO())
    counts = {m: m.objects.count() for m in MODELS}
    call_command("seed_demo", stdout=io.StringIO())
    assert {m: m.objects.count() for m in MODELS} == counts
    assert Beneficiary.objects.values("enrolled_site").distinct().count() == 7
    assert counts[Beneficiary] >= 35
    assert counts[SupportSession] > 0
    assert FollowUp.objects.filter(done_on__isnull=False).exists()
    assert counts[MediationCase] > 0
    assert Referral.objects.filter(status="pending").exists()
