"""The monthly summary of the people-based figures that add up month by month (referrals
received, support sessions and their topics), read by the impact dashboard instead of every row
(docs/architecture.md, "Dashboard summaries"). Models of this app, imported by
`beneficiaries.models`; built by `beneficiaries.summaries`.

Unlike the till's, these rows change after their month has closed (a referral decided or
expired, a session corrected or erased), so every change to a closed month is recorded as a
mark (`PeopleMonthStale`, written by the rows' triggers, `STALE_*` below): a marked month is
counted live until the next rebuild, so the figures never differ from the live count."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from connexions.models import PartnerAgency, ReceptionSite


class PeopleMonth(models.Model):
    """One row per kind, month, site, agency and what the figures group by: referrals by
    status, decline reason and profile (month of their arrival, in the project's time zone),
    sessions by list of topics (month of the session), with their count (and minutes)."""

    REFERRALS, SUPPORT = "referrals", "support"
    KINDS = [(REFERRALS, REFERRALS), (SUPPORT, SUPPORT)]

    kind = models.CharField(max_length=10, choices=KINDS)
    month = models.DateField()
    site = models.ForeignKey(ReceptionSite, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(PartnerAgency, on_delete=models.CASCADE, null=True, related_name="+")
    status = models.CharField(max_length=10, blank=True)
    decline_reason = models.CharField(max_length=20, blank=True)
    profile = models.CharField(max_length=20, blank=True)
    topics = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    count = models.PositiveIntegerField()
    minutes = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["kind", "month"], name="peoplemonth_kind_month")]

    def __str__(self):
        return f"{self.kind} {self.month:%Y-%m}"


class PeopleMonthsCovered(models.Model):
    """One row: the summary covers every month before `until`."""

    until = models.DateField()
    refreshed_at = models.DateTimeField(null=True)

    def __str__(self):
        return f"{self.until}"


class PeopleMonthStale(models.Model):
    """A closed month of `kind` whose rows changed after the summary was built: one row per
    change (never updated, so a change never waits for another), deleted by the rebuild."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=10, choices=PeopleMonth.KINDS)
    month = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["kind", "month"], name="peoplemonthstale_kind_month")]

    def __str__(self):
        return f"{self.kind} {self.month:%Y-%m}"


# The current month when the row is written (not when its transaction began: one begun before
# midnight on a month's last day and committed after still marks that month).
_CURRENT = f"date_trunc('month', clock_timestamp() AT TIME ZONE '{settings.TIME_ZONE}')::date"


def _mark(kind: str, month: str) -> str:
    """SQL marking `month` (an expression) of `kind` stale, if it is before the current month
    (the current month is always counted live)."""
    return (
        f"INSERT INTO beneficiaries_peoplemonthstale (kind, month) SELECT '{kind}', m "
        f"FROM (SELECT ({month})::date AS m) changed WHERE m < {_CURRENT}; "
    )


def _referral_month(row: str) -> str:
    return f"date_trunc('month', {row}.submitted_at AT TIME ZONE '{settings.TIME_ZONE}')"


# After a referral is written: the months of its arrival, before and after; and, when its
# agency changed, the months of the sessions of the person it enrolled (their agency).
STALE_REFERRAL = (
    "IF TG_OP <> 'INSERT' THEN "
    + _mark(PeopleMonth.REFERRALS, _referral_month("OLD"))
    + "END IF; IF TG_OP <> 'DELETE' THEN "
    + _mark(PeopleMonth.REFERRALS, _referral_month("NEW"))
    + "END IF; IF TG_OP = 'UPDATE' AND OLD.agency_id IS DISTINCT FROM NEW.agency_id THEN "
    "INSERT INTO beneficiaries_peoplemonthstale (kind, month) "
    f"SELECT DISTINCT '{PeopleMonth.SUPPORT}', date_trunc('month', s.date)::date "
    "FROM beneficiaries_supportsession s "
    "JOIN beneficiaries_beneficiary b ON b.id = s.beneficiary_id "
    f"WHERE b.enrolment_referral_id = NEW.id AND s.date < {_CURRENT}; END IF; RETURN NULL;"
)
REFERRAL_FIELDS = ("submitted_at", "site", "agency", "status", "decline_reason", "profile")

# After a support session is written: the months of its day, before and after.
STALE_SUPPORT = (
    "IF TG_OP <> 'INSERT' THEN "
    + _mark(PeopleMonth.SUPPORT, "date_trunc('month', OLD.date)")
    + "END IF; IF TG_OP <> 'DELETE' THEN "
    + _mark(PeopleMonth.SUPPORT, "date_trunc('month', NEW.date)")
    + "END IF; RETURN NULL;"
)
SUPPORT_FIELDS = ("date", "site", "topics", "duration_minutes", "beneficiary")
