"""`apply_retention` on committed data: a backup taken before holds the person's identity, one
taken after holds none; every figure of their period is unchanged; the journal verifies."""

import subprocess
import uuid
from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from beneficiaries import selectors as beneficiary_selectors
from beneficiaries.enums import AuditAction, DeclineReason, ReferralStatus
from beneficiaries.models import Beneficiary, Referral
from beneficiaries.selectors import possible_duplicates
from catalogue.models import PurchaseLimit
from connexions import backup
from connexions.enums import AuditKind
from connexions.models import AuditEvent
from connexions.periods import Period
from sales import selectors as sales_selectors
from sales.selectors import limit_statuses
from tests.beneficiaries.factories import BeneficiaryFactory, ReferralFactory
from tests.connexions.factories import ReceptionSiteFactory, UserFactory
from tests.privacy.helpers import identity_strings
from tests.privacy.people import person_with_activity
from workshops import selectors as workshop_selectors

OLD = {
    "first_name": "Zéphyrine",
    "last_name": "Quincampoix",
    "birth_date": date(1984, 7, 23),
    "phone": "+33612345678",
    "email": "zephyrine.q@example.org",
    "city": "Montreuil-Bellay",
}
RECENT = {
    "first_name": "Anatole",
    "last_name": "Vercingétorix",
    "birth_date": date(1990, 2, 14),
    "phone": "+33698765432",
    "email": "anatole.v@example.org",
    "city": "Saint-Flour",
}
TODAY = date(2026, 4, 1)  # two years and two weeks after the old person's last contact
PERIOD = Period(date(2024, 1, 1), date(2024, 3, 31))


def dashboard_data(period):
    scope = {"period": period, "sites": None, "agency": None}
    return (
        beneficiary_selectors.enrolment_figures(**scope),
        beneficiary_selectors.beneficiaries_by_site(**scope),
        beneficiary_selectors.referral_figures(**scope),
        beneficiary_selectors.mediation_figures(**scope),
        sales_selectors.sales_figures(**scope),
        workshop_selectors.workshop_figures(**scope),
    )


def dumped_text(tmp_path) -> str:
    """A real backup (`manage.py backup`'s format), turned back into SQL text."""
    dump = tmp_path / f"dump-{uuid.uuid4().hex}.pgdump"
    backup.backup(dump)
    restore = backup._tool("pg_restore")
    text = subprocess.run(
        [restore, "--data-only", "--file=-", str(dump)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # pg_restore's `\restrict` lines carry a random key: not data.
    return "\n".join(
        line for line in text.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))
    )


def retention(*arguments) -> str:
    out = StringIO()
    call_command("apply_retention", "--today", TODAY.isoformat(), *arguments, stdout=out)
    return out.getvalue()


def read_audit(day):
    return AuditEvent.objects.create(
        action=AuditAction.FILE_VIEWED,
        kind=AuditKind.READ,
        at=timezone.make_aware(datetime.combine(day, time(10))),
    )


@pytest.fixture
def world(transactional_db):
    site = ReceptionSiteFactory()
    admin = UserFactory(programme_admin=True)
    old = person_with_activity(site=site, staff=admin, first_day=date(2024, 1, 8), identity=OLD)
    recent = person_with_activity(
        site=site, staff=admin, first_day=date(2025, 6, 2), identity=RECENT
    )
    declined_long_ago = ReferralFactory(site=site, last_name="Déclinéeancienne")
    declined_lately = ReferralFactory(site=site, last_name="Déclinéerécente")
    for referral, day in (
        (declined_long_ago, date(2025, 8, 1)),
        (declined_lately, date(2026, 2, 1)),
    ):
        Referral.objects.filter(pk=referral.pk).update(
            status=ReferralStatus.DECLINED,
            decline_reason=DeclineReason.UNREACHABLE,
            decided_at=timezone.make_aware(datetime.combine(day, time(9))),
        )
    old_read, recent_read = read_audit(date(2025, 1, 10)), read_audit(date(2025, 9, 10))
    return {
        "old": old,
        "recent": recent,
        "declined": (declined_long_ago, declined_lately),
        "reads": (old_read, recent_read),
    }


def test_retention_anonymises_the_old_person_everywhere_and_changes_no_figure(world, tmp_path):
    old, recent = world["old"], world["recent"]
    old_strings = identity_strings(old.beneficiary, *old.texts)
    recent_strings = identity_strings(recent.beneficiary)
    before_text = dumped_text(tmp_path)
    assert [s for s in old_strings + recent_strings if s not in before_text] == []
    before = dashboard_data(PERIOD)
    assert before[0].enrolled == 1 and before[4].sales_count == 2  # the old person's contribution

    dry = retention("--dry-run")
    assert "beneficiaries anonymised (last contact too old): 1" in dry
    assert "referrals closed without enrolment anonymised: 1" in dry
    assert "read-audit rows deleted: 1" in dry
    assert dumped_text(tmp_path) == before_text  # a dry run changes nothing

    output = retention()
    assert output.count(": 1") >= 3
    assert "Quincampoix" not in output

    after_text = dumped_text(tmp_path)
    assert [s for s in old_strings if s in after_text] == []
    assert "Déclinéeancienne" not in after_text
    # The recent person, the recently declined referral and the recent read stay untouched.
    assert [s for s in recent_strings if s not in after_text] == []
    assert "Déclinéerécente" in after_text
    assert AuditEvent.objects.filter(pk=world["reads"][1].pk).exists()
    assert not AuditEvent.objects.filter(pk=world["reads"][0].pk).exists()
    assert Beneficiary.objects.get(pk=recent.beneficiary.pk).anonymised_at is None

    assert dashboard_data(PERIOD) == before
    call_command("verify_journal", stdout=StringIO())

    # Idempotent: a second run finds nothing to do and changes nothing.
    again = retention()
    assert all(line.endswith(": 0") for line in again.strip().splitlines())
    assert dumped_text(tmp_path) == after_text


def test_a_returning_person_is_flagged_and_still_limited(world):
    PurchaseLimit.objects.create(kind="mobile_topup", max_count=3, window_days=5000)
    retention()
    old = Beneficiary.objects.get(pk=world["old"].beneficiary.pk)
    assert old.anonymised_at is not None

    typed = {k: OLD[k] for k in ("first_name", "last_name", "birth_date")}
    assert list(possible_duplicates(**typed)) == [old]
    returning = BeneficiaryFactory(**OLD)
    assert limit_statuses(returning)[0].status.used == 1


def test_a_bad_date_is_refused(db):
    with pytest.raises(CommandError):
        call_command("apply_retention", "--today", "2026-13-01", stdout=StringIO())


def test_expired_sessions_go_at_every_run(db):
    store = SessionStore()
    store["x"] = 1
    store.set_expiry(-timedelta(minutes=1).total_seconds())
    store.save()
    assert "expired sessions deleted: 1" in retention()
