"""Two counsellors accept the same referral at the same moment: exactly one enrols the person."""

import threading

import pytest
from django.db import connection

from beneficiaries import services
from beneficiaries.enums import ReferralStatus
from beneficiaries.models import Beneficiary, Referral
from tests.beneficiaries.factories import ALL_CONSENTS, ReferralFactory, baseline, person


def _race(referral, actors, site, monkeypatch):
    """Both counsellors enrol at once; returns (threads that saw the referral pending, errors)."""
    barrier = threading.Barrier(len(actors), timeout=1)
    passed, errors = set(), []
    original_check = services._check_transition

    def check_then_meet(referral, status):
        original_check(referral, status)
        if threading.get_ident() in passed:
            return  # the service checks again when it applies the transition
        passed.add(threading.get_ident())
        try:
            # Without the row lock both threads arrive here before either writes; with it,
            # the second waits on the lock and the first goes on alone.
            barrier.wait()
        except threading.BrokenBarrierError:
            pass

    monkeypatch.setattr(services, "_check_transition", check_then_meet)

    def enrol(actor):
        try:
            services.beneficiary_enrol(
                referral=referral,
                person=person(),
                baseline=baseline(),
                consents=ALL_CONSENTS,
                confirmed_new=True,
                actor=actor,
                site=site,
            )
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return passed, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptance_enrols_once(counsellor_a, manager_a, site_a, monkeypatch):
    referral = ReferralFactory(site=site_a)
    passed, errors = _race(referral, [counsellor_a, manager_a], site_a, monkeypatch)
    assert len(passed) == 1
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
    monkeypatch.setattr(
        services,
        "_lock_referral",
        lambda referral: Referral.objects.select_related("site").get(pk=referral.pk),
    )
    referral = ReferralFactory(site=site_a)
    passed, errors = _race(referral, [counsellor_a, manager_a], site_a, monkeypatch)
    assert len(passed) == 2
    assert len(errors) == 1
    assert not isinstance(errors[0], services.ReferralError)
    assert Beneficiary.objects.count() == 1
