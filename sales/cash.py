"""Cash put in or taken out of the drawer during a till session: append-only rows, counted in
the expected cash at the close and listed on the Z report."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connexions.audit import audit_log
from connexions.locking import Rank, lock_row
from connexions.numbers import money
from connexions.perms import Action, can
from sales.enums import AuditAction, CashMovementKind
from sales.models import CashMovement, TillSession
from sales.services import SaleError, lock_journal_head, selling_session


@transaction.atomic(durable=True)
def cash_movement_record(
    *, site, kind: str, amount: Decimal, comment: str = "", actor, now: datetime | None = None
) -> CashMovement:
    """Record cash in (`amount` > 0, a float top-up) or out (a bank deposit, a petty expense)
    of the site's open session. Locks the journal head, then the session (the close's order),
    so a movement never slips in while the close computes the expected cash."""
    if not can(actor, Action.SELL, site):
        raise SaleError(_("You may not move cash at this site."))
    if kind not in CashMovementKind.values:
        raise SaleError(_("Choose the reason for the cash movement."))
    if amount is None or money(amount) <= 0:
        raise SaleError(_("Enter a positive amount."))
    now = now or timezone.now()
    selling_session(site, now)
    lock_journal_head(site)
    session = lock_row(Rank.TILL_SESSION, TillSession.objects, pk=selling_session(site, now).pk)
    if not session.is_open:  # pragma: no cover - closed between the two reads
        raise SaleError(_("The till of %(site)s is closed: open it first.") % {"site": site.name})
    signed = -money(amount) if kind in CashMovementKind.outgoing() else money(amount)
    movement = CashMovement.objects.create(
        till_session=session,
        at=now,
        kind=kind,
        amount=signed,
        comment=comment.strip()[:200],
        recorded_by=actor,
    )
    audit_log(
        actor=actor,
        action=AuditAction.CASH_MOVED,
        obj=movement,
        site=site,
        reason=kind,
        amount=str(signed),
    )
    return movement


@transaction.atomic(durable=True)
def till_count_record(*, session: TillSession, counted_cash: Decimal, actor) -> None:
    """The blind count, audited before the expected cash is shown: a recount after seeing it
    leaves a trace."""
    if not can(actor, Action.OPEN_TILL, session.site):
        raise SaleError(_("You may not close the till of this site."))
    audit_log(
        actor=actor,
        action=AuditAction.TILL_COUNTED,
        obj=session,
        site=session.site,
        counted=str(money(counted_cash)),
    )
