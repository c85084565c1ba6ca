"""Inputs that once gave a server error: each now gives a French message or a 404, and changes
nothing. Dates in forms and query strings take years 1900 to 2199 only (`connexions.forms`)."""

import html
from datetime import date

import pytest
from django import forms
from django.utils import timezone

from connexions.forms import DateField, date_param
from connexions.middleware import CURRENT_SITE_KEY
from connexions.models import AuditEvent
from tests.conftest import client_for
from tests.connexions.factories import SiteMembershipFactory
from tests.workshops.factories import WorkshopTopicFactory
from workshops.models import WorkshopSession
from workshops.selectors import monday_of

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Saisissez une date comprise entre 1900 et 2199."


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("value", ["1900-01-01", "2199-12-31", "2026-03-15"])
def test_a_date_in_range_is_accepted(value):
    assert DateField().clean(value) == date.fromisoformat(value)


@pytest.mark.parametrize("value", ["1899-12-31", "2200-01-01", "9999-12-31", "0001-01-01"])
def test_a_date_out_of_range_is_refused(value):
    with pytest.raises(forms.ValidationError) as refusal:
        DateField().clean(value)
    assert [error.code for error in refusal.value.error_list] == ["date_range"]
    assert date_param({"day": value}, "day") is None


@pytest.mark.parametrize("value", [None, "", "abc", "2026-02-30", "2026-01-01\x00", "9" * 5000])
def test_a_query_date_that_cannot_be_read_is_none(value):
    assert date_param({"day": value}, "day") is None


@pytest.mark.parametrize("site", ["abc", "\x00", "1\x00", "99999999999999999999999"])
def test_switching_to_a_site_that_is_no_number_is_a_404(client, counsellor_a, site_a, site):
    other = SiteMembershipFactory(user=counsellor_a).site
    client_for(client, counsellor_a)
    client.post("/site-courant/", {"site": other.pk})
    response = client.post("/site-courant/", {"site": site})
    assert response.status_code == 404
    assert client.session[CURRENT_SITE_KEY] == other.pk


def test_a_till_report_ending_in_year_9999_is_refused(client, manager_a):
    client_for(client, manager_a)
    response = client.get("/caisse/rapports/", {"start": "2026-01-01", "end": "9999-12-31"})
    assert response.status_code == 200
    assert OUT_OF_RANGE in _text(response)


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_a_week_out_of_range_shows_this_week(client, counsellor_a, week):
    client_for(client, counsellor_a)
    response = client.get("/ateliers/", {"semaine": week})
    assert response.status_code == 200
    assert response.context["monday"] == monday_of(timezone.localdate())


def test_a_session_list_ending_in_year_9999_is_refused(client, counsellor_a):
    client_for(client, counsellor_a)
    response = client.get("/ateliers/seances/", {"end": "9999-12-31"})
    assert response.status_code == 200
    assert OUT_OF_RANGE in _text(response)


def test_workshop_figures_ending_in_year_9999_are_refused(client, manager_a):
    client_for(client, manager_a)
    response = client.get("/ateliers/chiffres/", {"start": "2026-01-01", "end": "9999-12-31"})
    assert response.status_code == 200
    assert OUT_OF_RANGE in _text(response)


def test_impact_period_ending_in_year_9999_is_refused(client, programme_admin):
    client_for(client, programme_admin)
    response = client.get("/impact/", {"start": "2026-01-01", "end": "9999-12-31"})
    assert response.status_code == 200
    assert OUT_OF_RANGE in _text(response)


def _series(site, first_day, weeks):
    return {
        "topic": WorkshopTopicFactory().pk,
        "site": site.pk,
        "first_day": first_day,
        "start": "14:00",
        "end": "16:00",
        "capacity": "8",
        "weeks": weeks,
    }


def test_a_weekly_series_starting_in_year_9999_is_refused(client, counsellor_a, site_a):
    client_for(client, counsellor_a)
    events = AuditEvent.objects.count()
    response = client.post("/ateliers/seances/nouvelle/", _series(site_a, "9999-12-20", "4"))
    assert response.status_code == 200
    assert OUT_OF_RANGE in _text(response)
    assert not WorkshopSession.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_weekly_series_ending_after_2199_is_refused(client, counsellor_a, site_a):
    client_for(client, counsellor_a)
    response = client.post("/ateliers/seances/nouvelle/", _series(site_a, "2199-12-20", "3"))
    assert "La dernière séance de la série tomberait après 2199." in _text(response)
    assert not WorkshopSession.objects.exists()
    response = client.post("/ateliers/seances/nouvelle/", _series(site_a, "2199-12-17", "3"))
    assert response.status_code == 302
    assert WorkshopSession.objects.count() == 3
