"""A change made while the monthly summary of referrals and sessions is rebuilt is never lost
(docs/architecture.md, "Dashboard summaries"): in a module of its own, its connections commit
(the summary tests' module holds one transaction open for its data)."""

import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from beneficiaries import summaries
from beneficiaries.enums import SituationProfile
from beneficiaries.models import PeopleMonth, PeopleMonthsCovered, PeopleMonthStale, Referral
from beneficiaries.selectors import referral_figures
from connexions.periods import Period, add_months, first_of_month
from tests.beneficiaries.factories import ReferralFactory
from tests.summaries import counted_live


def _live(fn, **scope):
    return counted_live(PeopleMonthsCovered, fn, **scope)


@pytest.mark.django_db(transaction=True)
def test_a_change_made_while_the_summary_is_rebuilt_keeps_its_mark(monkeypatch):
    """A referral of a closed month changed by another connection once the rebuild has read the
    referrals, before it deletes anything else or commits: its mark outlives the rebuild (the
    rebuild deleted the marks before reading), so the month is counted live, never from a
    summary that missed the change."""
    month = add_months(first_of_month(timezone.localdate()), -2)
    at = datetime.combine(
        month + timedelta(days=3), time(10), tzinfo=timezone.get_current_timezone()
    )
    referral = ReferralFactory(submitted_at=at)
    scope = {"period": Period(month, add_months(month, 1) - timedelta(days=1))}
    summaries.refresh()
    read = summaries._rows

    def change_once_read(until):
        rows = read(until)  # the referrals read: the other connection changes one now

        def other_connection():
            try:
                Referral.objects.filter(pk=referral.pk).update(
                    profile=SituationProfile.SEVERE_EXCLUSION
                )
            finally:
                connection.close()

        thread = threading.Thread(target=other_connection)
        thread.start()
        thread.join(timeout=20)
        return rows

    monkeypatch.setattr(summaries, "_rows", change_once_read)
    summaries.refresh()
    monkeypatch.undo()
    assert PeopleMonthStale.objects.filter(kind=PeopleMonth.REFERRALS, month=month).exists()
    figures = referral_figures(**scope)
    assert (
        figures.by_profile
        == {SituationProfile.SEVERE_EXCLUSION: 1}
        == _live(referral_figures, **scope).by_profile
    )
