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


def test_a_follow_up_changed_or_deleted_in_the_admin_keeps_its_person_and_chain(
    client, programme_admin
):
    first = FollowUpFactory(done=True)
    person = first.beneficiary
    second = FollowUpFactory(beneficiary=person, done=True, done_on=first.done_on)
    client_for(client, programme_admin)
    url = f"/admin/beneficiaries/followup/{first.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="beneficiary"' not in page  # shown, not editable
    data = {
        "due_on": first.due_on.isoformat(),
        "done_on": "",
        "monthly_spending": "12.00",
        "recorded_by": first.recorded_by_id,
        "plan_type": "",
        "employment_status": "",
        "notes": "",
        "has_computer": "unknown",
        "has_internet": "unknown",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    first.refresh_from_db()
    assert (first.beneficiary, first.done_on, first.next_done_on) == (person, None, None)
    response = client.post(f"/admin/beneficiaries/followup/{second.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(person.follow_ups.all()) == [first]
