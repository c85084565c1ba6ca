"""Every SMS about an appointment fits one GSM-7 segment, for the programme's longest site name,
a long address, a site phone and a first name with accents GSM-7 lacks; and names nobody else."""

from datetime import datetime

import pytest
from django.utils import timezone

from connexions.demo import SITES
from connexions.sms import fits_one_segment, gsm7_length, needs_unicode, to_gsm7
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.connexions.factories import ReceptionSiteFactory, UserFactory
from workshops.appointment_messages import sms_text
from workshops.enums import AppointmentKind, AppointmentMessageKind
from workshops.models import Appointment

LONGEST_SITE = max(SITES, key=lambda site: len(site[0]) + len(site[1]))


def test_transliteration_keeps_gsm7_letters_and_drops_other_accents():
    assert to_gsm7("Aïcha-Éloïse") == "Aicha-Éloise"
    assert to_gsm7("« Noël » — l’œuvre") == '" Noel " - l\'oeuvre'
    assert not needs_unicode(to_gsm7("Çà et là, ŷ ñ ê û ô î"))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", AppointmentMessageKind.values)
@pytest.mark.parametrize("appointment_kind", AppointmentKind.values)
@pytest.mark.parametrize(
    "site_name", [LONGEST_SITE[0], "Centre social et culturel " * 5], ids=["longest", "absurd"]
)
def test_every_sms_fits_one_segment(kind, appointment_kind, site_name):
    site = ReceptionSiteFactory(
        name=site_name[:150],
        address=LONGEST_SITE[1],
        postal_code="75014",
        city="Paris",
        phone="+33145430000",
    )
    person = BeneficiaryFactory(first_name="Aïcha-Éloïse", last_name="Traoré-Ndiaye")
    start = datetime(2026, 12, 30, 14, 45, tzinfo=timezone.get_current_timezone())
    appointment = Appointment(
        site=site,
        counsellor=UserFactory(),
        beneficiary=person,
        kind=appointment_kind,
        starts_at=start,
        ends_at=start,
    )
    text = sms_text(kind, appointment)
    assert not needs_unicode(text), text
    assert fits_one_segment(text) and gsm7_length(text) <= 160, (len(text), text)
    assert text.startswith("Connexions : Aicha-Éloise, ")
    assert "Traor" not in text and "Ndiaye" not in text
    assert "14h45" in text and "01 45 43 00 00" in text
    if site_name == LONGEST_SITE[0]:
        assert to_gsm7(site_name) in text  # a real site's name is never cut
