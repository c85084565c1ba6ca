"""The pieces of the accessibility work that need no browser: the errors summary's lines, the
overdue wording, the statement page and the idle-logout keep-alive."""

import re
from datetime import date, timedelta

import pytest
from django import forms
from django.utils import timezone

from connexions.forms import DateField
from connexions.periods import whole_months_between
from connexions.templatetags.error_summary import error_summary
from tests.beneficiaries.factories import BeneficiaryFactory, FollowUpFactory, ReferralFactory
from tests.conftest import client_for


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 7, 30), date(2026, 11, 30), 4),
        (date(2026, 7, 31), date(2026, 11, 29), 3),
        (date(2026, 1, 31), date(2026, 2, 28), 1),
        (date(2026, 11, 10), date(2026, 11, 30), 0),
        (date(2026, 12, 1), date(2026, 11, 30), 0),
    ],
)
def test_whole_months_between(start, end, months):
    assert whole_months_between(start, end) == months


@pytest.mark.django_db
def test_overdue_follow_up_says_by_how_long():
    today = timezone.localdate()
    four_months = FollowUpFactory(due_on=today - timedelta(days=125))
    assert four_months.overdue_text(today) == "en retard de 4 mois"
    twelve_days = FollowUpFactory(due_on=today - timedelta(days=12))
    assert twelve_days.overdue_text(today) == "en retard de 12 jours"
    assert FollowUpFactory(due_on=today).overdue_text(today) == ""


class _Form(forms.Form):
    name = forms.CharField(label="Nom")
    when = DateField(label="Date")
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("Formulaire refusé.")


def test_error_summary_lists_form_errors_first_then_each_field_in_order():
    form = _Form(data={"when": "pas une date"})
    lines = error_summary(form)
    assert [(line.anchor, line.label) for line in lines] == [
        ("", ""),
        ("id_name", "Nom"),
        ("id_when", "Date"),
        ("", "Token"),
    ]
    assert lines[0].message == "Formulaire refusé."
    assert error_summary(_Form()) == []  # unbound: nothing to say


def test_date_inputs_carry_iso_values():
    html = str(_Form(initial={"when": date(2026, 11, 30)})["when"])
    assert 'type="date"' in html
    assert 'value="2026-11-30"' in html


@pytest.mark.django_db
def test_accessibility_statement_is_public_and_in_the_footer(client, counsellor_a):
    page = client.get("/accessibilite/").content.decode()
    assert "Déclaration d'accessibilité" in page
    assert "partiellement conforme" in page
    home = client_for(client, counsellor_a).get("/").content.decode()
    assert 'href="/accessibilite/"' in home


@pytest.mark.django_db
def test_keep_alive_renews_only_a_live_session(client, counsellor_a):
    assert client.get("/session/maintenir/").status_code == 302  # to the login page
    assert client_for(client, counsellor_a).get("/session/maintenir/").status_code == 204


def _accessible_names(html: str) -> list[str]:
    """The text of each link and button (hidden text included, tags dropped), as a screen
    reader names them."""
    names = re.findall(r"<(?:a|button)\b[^>]*>(.*?)</(?:a|button)>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", name).split()) for name in names]


def test_list_actions_carry_the_persons_name(client, counsellor_a, site_a):
    referral = ReferralFactory(site=site_a, first_name="Aïcha", last_name="Traoré")
    late = FollowUpFactory(
        beneficiary=BeneficiaryFactory(enrolled_site=site_a, first_name="Inès", last_name="Roy"),
        due_on=timezone.localdate() - timedelta(days=40),
    )
    client_for(client, counsellor_a)
    names = _accessible_names(client.get("/orientations/a-traiter/").content.decode())
    assert f"Accepter l'orientation de {referral.full_name}" in names
    assert f"Refuser l'orientation de {referral.full_name}" in names
    person = late.beneficiary.full_name
    names = _accessible_names(client.get("/beneficiaires/suivis-a-faire/").content.decode())
    assert f"Enregistrer le suivi de {person}" in names
    assert f"Prendre rendez-vous pour {person}" in names
    html = client.get(
        "/caisse/client/recherche/", {"q": "Roy"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f"Choisir {person}" in _accessible_names(html)
