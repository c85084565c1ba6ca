"""Mediation with operators: cases and their notes (models of the beneficiaries app, kept apart
so that each module stays readable; `beneficiaries.models` re-exports them)."""

import pghistory
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.enums import (
    MEDIATION_TRANSITIONS,
    AgreementKind,
    MediationStatus,
    TelecomOperator,
)
from beneficiaries.models import Beneficiary  # noqa: E402
from connexions.models import ReceptionSite, User
from connexions.perms import Action, can
from connexions.text import FREE_TEXT_MAX_LENGTH, bounded_text


class MediationCaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if can(user, Action.SUPPORT) else self.none()

    def active(self):
        return self.exclude(status__in=[MediationStatus.CLOSED, MediationStatus.FAILED])

    def actions_due(self, on):
        return self.active().filter(next_action_on__lte=on)


@pghistory.track()
class MediationCase(models.Model):
    """A negotiation with an operator about unpaid bills."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        related_name="mediation_cases",
    )
    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.PROTECT, related_name="+"
    )
    opened_by = models.ForeignKey(
        User, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    operator = models.CharField(_("operator"), max_length=20, choices=TelecomOperator.choices)
    amount_owed = models.DecimalField(_("amount owed (EUR)"), max_digits=9, decimal_places=2)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MediationStatus.choices,
        default=MediationStatus.OPEN,
        db_index=True,
    )
    agreement_kind = models.CharField(
        _("agreement"), max_length=20, choices=AgreementKind.choices, blank=True
    )
    amount_written_off = models.DecimalField(
        _("amount written off (EUR)"), max_digits=9, decimal_places=2, default=0
    )
    monthly_instalment = models.DecimalField(
        _("monthly instalment (EUR)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    instalment_months = models.PositiveSmallIntegerField(
        _("number of months"), null=True, blank=True
    )
    next_action_on = models.DateField(_("next action on"), null=True, blank=True, db_index=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = MediationCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("mediation case")
        verbose_name_plural = _("mediation cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_owed__gte=0)
                & Q(amount_written_off__gte=0)
                & Q(amount_written_off__lte=models.F("amount_owed")),
                name="mediation_amounts_consistent",
            ),
            models.CheckConstraint(
                condition=Q(monthly_instalment__isnull=True) | Q(monthly_instalment__gt=0),
                name="mediation_instalment_positive",
            ),
            models.CheckConstraint(
                condition=Q(instalment_months__isnull=True) | Q(instalment_months__gt=0),
                name="mediation_months_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[MediationStatus.AGREEMENT, MediationStatus.CLOSED])
                | ~Q(agreement_kind=""),
                name="mediation_agreement_has_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_operator_display()} — {self.amount_owed} €"

    @property
    def is_active(self) -> bool:
        return self.status not in (MediationStatus.CLOSED, MediationStatus.FAILED)

    def can_become(self, status: str) -> bool:
        return status in MEDIATION_TRANSITIONS[MediationStatus(self.status)]


class MediationNote(models.Model):
    """A dated note on a mediation case (free text: not kept in the row history)."""

    case = models.ForeignKey(
        MediationCase,
        verbose_name=_("mediation case"),
        on_delete=models.CASCADE,
        related_name="notes",
    )
    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    text = models.TextField(_("note"), max_length=FREE_TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["-written_at", "-id"]
        verbose_name = _("mediation note")
        verbose_name_plural = _("mediation notes")
        constraints = [bounded_text("text")]

    def __str__(self):
        return f"{self.case_id} — {self.written_at:%Y-%m-%d}"
