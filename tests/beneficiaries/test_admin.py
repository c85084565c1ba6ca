import pytest

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
