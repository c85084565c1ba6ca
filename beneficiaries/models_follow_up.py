"""The follow-ups of a person's situation (a model of this app, imported by
`beneficiaries.models`)."""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from beneficiaries import follow_up_chain
from beneficiaries.enums import EmploymentStatus, PlanType
from beneficiaries.models import Beneficiary  # noqa: E402
from connexions.models import ReceptionSite, User
from connexions.periods import whole_months_between
from connexions.text import FREE_TEXT_MAX_LENGTH, bounded_text


class FollowUpQuerySet(models.QuerySet):
    def due(self, on):
        return self.filter(done_on__isnull=True, due_on__lte=on)


@pghistory.track(exclude=["notes", "next_done_on", *follow_up_chain.COPIED.values()])
class FollowUp(models.Model):
    """A check of the person's situation, planned at enrolment (+3 and +6 months by default)
    or recorded on the spot; done once `done_on` is set."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    due_on = models.DateField(_("due on"), db_index=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # The person's enrolment site, day and situation at enrolment, copied from the person by
    # the triggers (beneficiaries/follow_up_chain.py: on every write of the follow-up, and of
    # the person when one of them changes), so a site's follow-ups due read one partial index
    # and the spending cohort one table, never joining every person (docs/architecture.md,
    # "Data at scale"). Never written by the application.
    enrolled_site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("enrolment site"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        blank=True,
        db_index=False,
    )
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True, editable=False)
    spending_at_entry = models.DecimalField(
        _("monthly telecom spending at enrolment (EUR)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    employment_at_entry = models.CharField(
        _("employment status at enrolment"),
        max_length=20,
        choices=EmploymentStatus.choices,
        blank=True,
        editable=False,
    )
    mobile_at_entry = models.BooleanField(
        _("had a mobile phone at enrolment"), null=True, blank=True, editable=False
    )
    computer_at_entry = models.BooleanField(
        _("had a computer at enrolment"), null=True, blank=True, editable=False
    )
    internet_at_entry = models.BooleanField(
        _("had internet at home at enrolment"), null=True, blank=True, editable=False
    )
    # The day of the person's next follow-up done after this one (by day, then id); None for
    # their latest and for a follow-up not done. Kept by the triggers below
    # (beneficiaries/follow_up_chain.py), so the spending cohort of a period is one scan of its
    # follow-ups (docs/architecture.md, "Data at scale").
    next_done_on = models.DateField(
        _("next follow-up done on"), null=True, blank=True, editable=False
    )
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    monthly_spending = models.DecimalField(
        _("monthly telecom spending (EUR)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
    )
    plan_type = models.CharField(
        _("plan type"), max_length=10, choices=PlanType.choices, blank=True
    )
    employment_status = models.CharField(
        _("employment status"), max_length=20, choices=EmploymentStatus.choices, blank=True
    )
    has_computer = models.BooleanField(_("has a computer"), null=True, blank=True)
    has_internet = models.BooleanField(_("has internet at home"), null=True, blank=True)
    notes = models.TextField(_("situation changes"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(  # a site's follow-ups due: a small share of them all
                fields=["enrolled_site", "due_on", "id"],
                condition=Q(done_on__isnull=True),
                name="followup_site_not_done_due",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="followup_person_copy",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=follow_up_chain.COPY_PERSON,
            ),
            # A follow-up stays its person's, and `next_done_on` is kept per person
            # (beneficiaries/follow_up_chain.py).
            pgtrigger.ReadOnly(name="followup_person_fixed", fields=["beneficiary"]),
            pgtrigger.Trigger(
                name="followup_next_done_on",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=follow_up_chain.NEXT_DONE_ON,
            ),
            pgtrigger.Trigger(
                name="followup_chain",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=follow_up_chain.RECHAIN,
            ),
        ]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(done_on__isnull=True)
                | Q(monthly_spending__isnull=False, recorded_by__isnull=False),
                name="followup_done_has_spending",
            ),
            models.CheckConstraint(
                condition=Q(monthly_spending__isnull=True) | Q(monthly_spending__gte=0),
                name="followup_spending_not_negative",
            ),
            bounded_text("notes"),
        ]

    def __str__(self):
        return f"{self.beneficiary_id} — {self.due_on}"

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def overdue_text(self, today=None) -> str:
        """ "en retard de 4 mois" (or "de 12 jours" under a month) for a follow-up not done
        after its due date; "" otherwise."""
        today = today or timezone.localdate()
        if self.is_done or self.due_on >= today:
            return ""
        months = whole_months_between(self.due_on, today)
        if months:
            return ngettext("%(count)d month late", "%(count)d months late", months) % {
                "count": months
            }
        days = (today - self.due_on).days
        return ngettext("%(count)d day late", "%(count)d days late", days) % {"count": days}
