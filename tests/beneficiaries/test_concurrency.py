"""Two counsellors accept the same referral at the same moment: exactly one enrols the person."""

import threading

import pytest
from django.db import IntegrityError

from beneficiaries import services
from beneficiaries.enums import ReferralStatus
from beneficiaries.models import Beneficiary, Referral
from connexions.errors import DomainError
from connexions.locking import Rank, locks_switched_off
from tests.beneficiaries.factories import ALL_CONSENTS, ReferralFactory, baseline, person
from tests.race import meeting_point, race

EXPECTED = (DomainError, IntegrityError)


def _enrol(referral, actor, site, *, confirmed_new):
    return lambda: services.beneficiary_enrol(
        referral=referral,
        person=person(),
        baseline=baseline(),
        consents=ALL_CONSENTS,
        confirmed_new=confirmed_new,
        actor=actor,
        site=site,
    )


def _race(referral, actors, site, monkeypatch):
    """Both counsellors enrol at once; returns (how many threads saw the referral pending,
    errors)."""
    meet = meeting_point(len(actors))
    original_check = services._check_transition
    passed = set()

    def check_then_meet(referral, status):
        original_check(referral, status)
        if threading.get_ident() in passed:
            return  # the service checks again when it applies the transition
        passed.add(threading.get_ident())
        # Without the row lock both threads arrive here before either writes; with it, the
        # second waits on the lock and the first goes on alone.
        meet()

    monkeypatch.setattr(services, "_check_transition", check_then_meet)
    outcome = race(
        [_enrol(referral, actor, site, confirmed_new=True) for actor in actors], expected=EXPECTED
    )
    assert outcome.crashes == []
    return len(passed), outcome.errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptance_enrols_once(counsellor_a, manager_a, site_a, monkeypatch):
    referral = ReferralFactory(site=site_a)
    passed, errors = _race(referral, [counsellor_a, manager_a], site_a, monkeypatch)
    assert passed == 1
    assert len(errors) == 1
    assert isinstance(errors[0], services.ReferralError)
    assert Beneficiary.objects.count() == 1
    assert Referral.objects.get().status == ReferralStatus.ACCEPTED


@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_both_see_the_referral_pending(
    counsellor_a, manager_a, site_a, monkeypatch
):
    """Proves the test above can fail: with the lock taken away, both threads pass the status
    check and the second one only stops on the database's unique constraint."""
    referral = ReferralFactory(site=site_a)
    with locks_switched_off(Rank.RECORD):
        passed, errors = _race(referral, [counsellor_a, manager_a], site_a, monkeypatch)
    assert passed == 2
    assert len(errors) == 1
    assert not isinstance(errors[0], services.ReferralError)
    assert Beneficiary.objects.count() == 1


# --- the same person enrolled twice at once, from two referrals --------------------------------


def _enrol_twice(referrals, actors, site, monkeypatch):
    """Two counsellors enrol the same person from two referrals at once, neither confirming a
    new person; returns (how many threads met before checking for duplicates, errors)."""
    meet = meeting_point(len(actors))
    original = services.possible_duplicates
    met = []

    def meet_then_check(**identity):
        # Without the lock both threads arrive here before either has enrolled; with it, the
        # second waits for the first to commit and then finds its enrolment.
        met.append(meet())
        return original(**identity)

    monkeypatch.setattr(services, "possible_duplicates", meet_then_check)
    calls = [
        _enrol(referral, actor, site, confirmed_new=False)
        for referral, actor in zip(referrals, actors, strict=True)
    ]
    outcome = race(calls, expected=EXPECTED)
    assert outcome.crashes == []
    return met.count(True), outcome.errors


@pytest.mark.django_db(transaction=True)
def test_the_same_person_enrolled_twice_at_once_is_enrolled_once(
    counsellor_a, manager_a, site_a, monkeypatch
):
    referrals = [ReferralFactory(site=site_a, **_identity()) for _ in range(2)]
    met, errors = _enrol_twice(referrals, [counsellor_a, manager_a], site_a, monkeypatch)
    assert met == 0
    assert len(errors) == 1
    assert isinstance(errors[0], services.BeneficiaryError)
    assert Beneficiary.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_control_without_the_identity_lock_the_person_is_enrolled_twice(
    counsellor_a, manager_a, site_a, monkeypatch
):
    """Proves the test above can fail: with the lock taken away, both threads check for
    duplicates before either enrols, and the person gets two files."""
    referrals = [ReferralFactory(site=site_a, **_identity()) for _ in range(2)]
    with locks_switched_off(Rank.IDENTITY):
        met, errors = _enrol_twice(referrals, [counsellor_a, manager_a], site_a, monkeypatch)
    assert met == 2
    assert errors == []
    assert Beneficiary.objects.count() == 2


def _identity():
    who = person()
    return {
        "first_name": who["first_name"],
        "last_name": who["last_name"],
        "birth_date": who["birth_date"],
    }
