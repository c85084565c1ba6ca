"""Offers subscribed with a counsellor's help: a social mobile tariff or a home internet social
tariff, its operator and monthly price. The model, the service that records one, what the next
follow-up's spending is prefilled with, and the person-data functions the privacy registry calls
(`last_contact`, `export`, `anonymise`), all in this one module."""

from datetime import date
from decimal import Decimal

import pghistory
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.enums import AuditAction, OfferKind, TelecomOperator
from connexions.audit import audit_log
from connexions.errors import DomainError
from connexions.models import ReceptionSite, User
from connexions.perms import Action, can


class OfferError(DomainError):
    pass


@pghistory.track()
class OfferSubscription(models.Model):
    """An offer the person subscribed to with the counsellor's help."""

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=gettext_lazy("beneficiary"),
        on_delete=models.PROTECT,
        related_name="offer_subscriptions",
    )
    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=gettext_lazy("reception site"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    counsellor = models.ForeignKey(
        User, verbose_name=gettext_lazy("counsellor"), on_delete=models.PROTECT, related_name="+"
    )
    subscribed_on = models.DateField(gettext_lazy("subscribed on"))
    operator = models.CharField(
        gettext_lazy("operator"), max_length=20, choices=TelecomOperator.choices
    )
    kind = models.CharField(gettext_lazy("kind of offer"), max_length=20, choices=OfferKind.choices)
    monthly_price = models.DecimalField(
        gettext_lazy("monthly price (EUR)"), max_digits=7, decimal_places=2
    )
    created_at = models.DateTimeField(gettext_lazy("recorded at"), default=timezone.now)

    class Meta:
        app_label = "beneficiaries"
        ordering = ["-subscribed_on", "-id"]
        verbose_name = gettext_lazy("offer subscribed with help")
        verbose_name_plural = gettext_lazy("offers subscribed with help")
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_price__gte=0), name="offer_price_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.beneficiary_id} — {self.get_kind_display()} ({self.subscribed_on})"


@transaction.atomic(durable=True)
def offer_subscription_record(
    *,
    beneficiary,
    day: date,
    operator: str,
    kind: str,
    monthly_price: Decimal,
    actor,
    site,
) -> OfferSubscription:
    if not can(actor, Action.SUPPORT, site):
        raise OfferError(_("You may not record this at this site."))
    if day > timezone.localdate():
        raise OfferError(_("An offer cannot be recorded in the future."))
    if day < beneficiary.enrolled_on:
        raise OfferError(_("An offer cannot be recorded before the enrolment."))
    if monthly_price < 0:
        raise OfferError(_("The monthly price cannot be negative."))
    offer = OfferSubscription.objects.create(
        beneficiary=beneficiary,
        site=site,
        counsellor=actor,
        subscribed_on=day,
        operator=operator,
        kind=kind,
        monthly_price=monthly_price,
    )
    audit_log(actor=actor, action=AuditAction.OFFER_SUBSCRIBED, obj=offer, site=site)
    return offer


def spending_prefill(beneficiary) -> tuple[Decimal, list[OfferSubscription]] | None:
    """What the next follow-up's monthly spending is prefilled with: the latest offer of each kind
    subscribed since the person's latest follow-up done (or since enrolment), added up. The
    counsellor confirms or corrects it. None when there is no such offer. One query."""
    offers = list(
        OfferSubscription.objects.filter(beneficiary=beneficiary)
        .annotate(
            last_follow_up=Max(
                "beneficiary__follow_ups__done_on",
            )
        )
        .order_by("-subscribed_on", "-id")
    )
    latest = {}
    for offer in offers:
        if offer.last_follow_up is not None and offer.subscribed_on <= offer.last_follow_up:
            continue
        latest.setdefault(offer.kind, offer)
    if not latest:
        return None
    chosen = list(latest.values())
    return sum((o.monthly_price for o in chosen), Decimal("0.00")), chosen


def file_section_context(beneficiary, user) -> dict:
    """The file's "offers" section (a file section of this app): one query."""
    offers = OfferSubscription.objects.filter(beneficiary=beneficiary).order_by(
        "-subscribed_on", "-id"
    )
    return {"offers": list(offers[:20])}


# --- person data, for the privacy registry ------------------------------------------------------


def last_contact(person_ids) -> dict[int, date]:
    """{beneficiary id: the latest day an offer was recorded with them}, one query."""
    return dict(
        OfferSubscription.objects.filter(beneficiary_id__in=list(person_ids))
        .values_list("beneficiary_id")
        .annotate(last=Max("subscribed_on"))
        .order_by()
    )


def export(person) -> list[dict]:
    """The person's offers, for the subject-access export."""
    return [
        {
            "subscribed_on": offer.subscribed_on.isoformat(),
            "operator": offer.get_operator_display(),
            "kind": offer.get_kind_display(),
            "monthly_price": str(offer.monthly_price),
            "site": offer.site.name,
        }
        for offer in OfferSubscription.objects.filter(beneficiary=person)
        .select_related("site")
        .order_by("subscribed_on", "id")
    ]


def anonymise(person) -> int:
    """Nothing to erase: an offer holds an operator, a kind, a price and a date, which
    anonymisation keeps so that every past figure stays unchanged (docs/architecture.md). Returns
    the number of rows changed (0), as every registered `anonymise` does."""
    return 0
