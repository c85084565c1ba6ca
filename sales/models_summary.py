"""The impact dashboard's monthly summary of the till (docs/architecture.md, "Dashboard
summaries"): what the sales, refunds and payments of one closed calendar month came to at one
site for the people of one agency. Rebuilt in full by the tasks worker (`sales.summaries`),
never written by the till; the dashboard reads it for the whole months it covers and counts the
rest live, so its figures are those of the live count."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from connexions.models import PartnerAgency, ReceptionSite

TOTAL = {"max_digits": 14, "decimal_places": 2, "default": 0}


class TillMonth(models.Model):
    SALES, REFUNDS, PAYMENTS = "sales", "refunds", "payments"
    KINDS = [(SALES, _("sales")), (REFUNDS, _("refunds")), (PAYMENTS, _("payments"))]

    month = models.DateField(_("month"))  # its first day, in the project's time zone
    site = models.ForeignKey(ReceptionSite, on_delete=models.CASCADE, related_name="+")
    # The agency of the enrolment referral of the person who bought (None: enrolled without one).
    agency = models.ForeignKey(PartnerAgency, on_delete=models.CASCADE, null=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=KINDS)
    method = models.CharField(_("method"), max_length=10, blank=True)  # payments only
    count = models.PositiveIntegerField(default=0)  # sales or refunds
    total = models.DecimalField(**TOTAL)  # sales: their totals
    amount = models.DecimalField(**TOTAL)  # paid (refunded), by lines; payments: paid
    topups = models.PositiveIntegerField(default=0)
    operator_credit = models.DecimalField(**TOTAL)
    reference = models.DecimalField(**TOTAL)
    donation = models.DecimalField(**TOTAL)
    phone = models.PositiveIntegerField(default=0)  # devices, by kind
    computer = models.PositiveIntegerField(default=0)
    tablet = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly till summary")
        verbose_name_plural = _("monthly till summaries")
        indexes = [models.Index(fields=["month", "site"], name="tillmonth_month_site")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.site_id} {self.kind}"


class TillMonthsCovered(models.Model):
    """One row: the summary covers every month before `until`."""

    until = models.DateField()
    refreshed_at = models.DateTimeField(null=True)

    def __str__(self):
        return f"{self.until}"
