"""The till's money: split refunds, refund numbering and versioned hashes, refund receipts, cash
in and out, the blind close with a site manager's confirmation, stale sessions."""

import hashlib
import json
from datetime import UTC, timedelta
from decimal import Decimal as D

import pgtrigger
import pytest
from django.db import transaction
from django.utils import timezone

from catalogue.services import counted_stock_receive
from connexions.enums import SiteRole
from connexions.locking import Rank, locks_switched_off
from connexions.models import AuditEvent
from sales import cash, journal, money, pin_checks, refunds, services
from sales.enums import PaymentMethod, PinCheck, RefundReason
from sales.models import (
    CashMovement,
    Refund,
    RefundLine,
    RefundNote,
    RefundPayment,
    RefundPrint,
    SaleLine,
    TillSession,
)
from sales.services import CartItem, PaymentLine, SaleError
from tests.catalogue.factories import ProductFactory
from tests.connexions.factories import staff_user
from tests.race import race
from tests.sales.factories import buyer, checkout, open_till, split_payment_sale, stocked_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def split_sale(site_a, manager_a, agency_a):
    """The issue's afternoon: a 59 € phone and an 11,50 € item, paid 20 € cash + 30 € card +
    20,50 € agency funding."""
    open_till(site_a, manager_a)
    return split_payment_sale(site_a, manager_a, agency_a)


def _split(refund):
    return [(p.method, p.amount) for p in refund.payments.order_by("id")]


# --- split refunds -------------------------------------------------------------------------------


def test_natural_split_cash_first_then_card_then_agency(split_sale, manager_a, agency_a):
    sale, phone_line, kit_line = split_sale
    sources = money.refund_sources(sale)
    assert [s.key for s in sources] == ["cash", "card", f"agency-{agency_a.pk}"]
    assert money.natural_split(D("59.00"), sources) == {
        "cash": D("20.00"),
        "card": D("30.00"),
        f"agency-{agency_a.pk}": D("9.00"),
    }
    refund = refunds.refund_create(
        sale=sale, quantities={phone_line.pk: 1}, reason=RefundReason.FAULTY, actor=manager_a
    )
    assert _split(refund) == [("cash", D("20.00")), ("card", D("30.00")), ("agency", D("9.00"))]
    assert refund.payments.get(method="agency").agency == agency_a
    # The caps are net of the first refund: only the agency's 11,50 € are left.
    second = refunds.refund_create(sale=sale, quantities={kit_line.pk: 1}, actor=manager_a)
    assert _split(second) == [("agency", D("11.50"))]
    assert [s.available for s in money.refund_sources(sale)] == [D("0.00")] * 3


def test_the_counsellor_may_change_the_split_within_the_caps(split_sale, manager_a, agency_a):
    sale, phone_line, _ = split_sale
    agency = f"agency-{agency_a.pk}"
    with pytest.raises(SaleError, match="Au plus 20,00 €"):
        refunds.refund_create(
            sale=sale,
            quantities={phone_line.pk: 1},
            split={"cash": D("29.00"), "card": D("30.00")},
            actor=manager_a,
        )
    with pytest.raises(SaleError, match="doit être égal"):
        refunds.refund_create(
            sale=sale, quantities={phone_line.pk: 1}, split={"card": D("30.00")}, actor=manager_a
        )
    refund = refunds.refund_create(
        sale=sale,
        quantities={phone_line.pk: 1},
        split={"cash": D("8.50"), "card": D("30.00"), agency: D("20.50")},
        actor=manager_a,
    )
    assert _split(refund) == [("cash", D("8.50")), ("card", D("30.00")), ("agency", D("20.50"))]
    totals = services.selectors.session_totals(TillSession.objects.get())
    assert totals.refunds_by_method == {"cash": D("8.50"), "card": D("30.00"), "agency": D("20.50")}
    # Agency funding given back is recorded, not cash: the drawer only lost 8,50 €.
    assert services.selectors.expected_cash(TillSession.objects.get(), totals) == D("61.50")


def test_refund_numbers_are_gapless_per_site_and_hash_chained(split_sale, manager_a):
    sale, phone_line, kit_line = split_sale
    first = refunds.refund_create(sale=sale, quantities={phone_line.pk: 1}, actor=manager_a)
    with pytest.raises(SaleError):  # refused: uses no number
        refunds.refund_create(sale=sale, quantities={phone_line.pk: 1}, actor=manager_a)
    second = refunds.refund_create(sale=sale, quantities={kit_line.pk: 1}, actor=manager_a)
    assert (first.receipt_sequence, second.receipt_sequence) == (1, 2)
    assert second.receipt_number == f"R{second.receipt_year}-{sale.site_id:02d}-00002"
    assert second.previous_hash == first.hash
    assert (first.hash_version, second.hash_version) == (2, 2)
    assert journal.verify_site_journal(sale.site) is None


def test_reason_is_a_choice_and_the_note_lives_outside_the_hash(split_sale, manager_a):
    sale, phone_line, _ = split_sale
    refund = refunds.refund_create(
        sale=sale,
        quantities={phone_line.pk: 1},
        reason=RefundReason.FAULTY,
        note="Écran fissuré à la livraison",
        actor=manager_a,
    )
    assert refund.note_text == "Écran fissuré à la livraison"
    with pytest.raises(SaleError, match="motif"):
        refunds.refund_create(sale=sale, quantities={phone_line.pk: 1}, reason="x", actor=manager_a)
    # The note can be erased (privacy) without touching the journal.
    RefundNote.objects.filter(refund=refund).update(text="")
    assert journal.verify_site_journal(sale.site) is None
    # Changing what is hashed (the split) breaks the chain.
    with pgtrigger.ignore("sales.RefundPayment:refundpayment_append_only"):
        RefundPayment.objects.filter(refund=refund, method="cash").update(amount=D("10.00"))
    assert journal.verify_site_journal(sale.site).number == refund.journal_number


# --- payment references --------------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["Dupont", "Mme Martin 12", "chèque de Jean"])
def test_a_payment_reference_is_an_identifier_never_a_name(site_a, manager_a, reference):
    open_till(site_a, manager_a)
    topup, _, _ = stocked_site(site_a, manager_a, vouchers=1, phones=0)
    with pytest.raises(SaleError, match="jamais un nom"):
        checkout(
            site_a,
            buyer(),
            [CartItem(topup)],
            manager_a,
            payments=[PaymentLine(PaymentMethod.CHEQUE, D("2.50"), reference)],
        )
    sale = checkout(
        site_a,
        buyer(),
        [CartItem(topup)],
        manager_a,
        payments=[PaymentLine(PaymentMethod.CHEQUE, D("2.50"), " chq 1234567 ")],
    ).sale
    assert sale.payments.get().reference == "CHQ 1234567"


# --- a journal written before: version 1 refunds still verify ------------------------------------


def _version_one_hash(refund, lines, beneficiary_id):
    """The refund hash as the code wrote it before split payments, written out here on its own
    so a change to `sales.journal` cannot hide a break."""
    payload = {
        "kind": "refund",
        "site": refund.site_id,
        "number": refund.journal_number,
        "at": refund.at.astimezone(UTC).isoformat(),
        "beneficiary": beneficiary_id,
        "lines": [[line.sale_line_id, line.quantity, f"{line.amount:.2f}"] for line in lines],
        "payments": [[refund.method, f"{refund.amount:.2f}", refund.sale_id]],
        "total": f"{refund.amount:.2f}",
        "previous": refund.previous_hash,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def _version_one_refund(sale, line: SaleLine, method, actor):
    """A refund row as the code before split payments recorded it (one method on the row), with
    the payment row the migration adds for it."""
    head, entry = services.journal_entry(
        site=sale.site, today=timezone.localdate(), counter="refund_counter"
    )
    refund = Refund(
        **entry,
        hash_version=1,
        sale=sale,
        refunded_by=actor,
        method=method,
        amount=line.unit_price,
        reason=RefundReason.OTHER,
    )
    lines = [RefundLine(sale_line=line, quantity=1, amount=line.unit_price)]
    refund.hash = _version_one_hash(refund, lines, sale.beneficiary_id)
    refund.save(force_insert=True)
    lines[0].refund = refund
    RefundLine.objects.bulk_create(lines)
    RefundPayment.objects.create(refund=refund, method=method, amount=refund.amount)
    services.advance_head(head, refund)
    return refund


def test_a_journal_with_old_and_new_refunds_verifies(site_a, manager_a):
    open_till(site_a, manager_a)
    topup, _, _ = stocked_site(site_a, manager_a, vouchers=6, phones=0)
    person = buyer()
    old_sale = checkout(site_a, person, [CartItem(topup, quantity=2)], manager_a).sale
    old_lines = list(old_sale.lines.order_by("id"))
    old = _version_one_refund(old_sale, old_lines[0], PaymentMethod.CASH, manager_a)
    assert journal.verify_site_journal(site_a) is None
    # Then the new code: sales, a split refund, a refund of the rest of the old sale.
    new_sale = checkout(
        site_a,
        person,
        [CartItem(topup, quantity=2)],
        manager_a,
        payments=[
            PaymentLine(PaymentMethod.CASH, D("2.50")),
            PaymentLine(PaymentMethod.CARD, D("2.50"), "T-7"),
        ],
    ).sale
    new = refunds.refund_create(
        sale=new_sale,
        quantities={line.pk: 1 for line in new_sale.lines.all()},
        voucher_unused=True,
        actor=manager_a,
    )
    rest = refunds.refund_create(
        sale=old_sale, quantities={old_lines[1].pk: 1}, voucher_unused=True, actor=manager_a
    )
    assert (old.hash_version, new.hash_version, rest.hash_version) == (1, 2, 2)
    assert rest.previous_hash == new.hash and new.previous_hash != old.hash
    assert _split(rest) == [("cash", D("2.50"))]  # the old refund's cash counts against the cap
    assert journal.verify_site_journal(site_a) is None
    with pgtrigger.ignore("sales.Refund:refund_append_only"):
        Refund.objects.filter(pk=old.pk).update(method=PaymentMethod.CARD)
    assert journal.verify_site_journal(site_a).number == old.journal_number


# --- two refunds at once -------------------------------------------------------------------------


def _refund_race(site, manager, threads=6):
    """A sale of one counted item, and `threads` counsellors refunding it at once."""
    open_till(site, manager)
    kit = ProductFactory(sim=True)
    counted_stock_receive(site=site, product=kit, quantity=3, actor=manager)
    sale = checkout(site, buyer(), [CartItem(kit)], manager).sale
    line = sale.lines.get()
    outcome = race(
        [
            lambda: refunds.refund_create(sale=sale, quantities={line.pk: 1}, actor=manager)
            for _ in range(threads)
        ],
        expected=(SaleError,),
    )
    return sale, outcome


@pytest.mark.django_db(transaction=True)
def test_two_refunds_at_once_never_exceed_the_sale(site_a, manager_a):
    sale, outcome = _refund_race(site_a, manager_a)
    assert outcome.crashes == []
    assert len(outcome.results) == 1 and len(outcome.errors) == 5
    refunded = sum(RefundPayment.objects.filter(refund__sale=sale).values_list("amount", flat=True))
    assert refunded == sale.total
    assert journal.verify_site_journal(site_a) is None


@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_the_sale_is_refunded_twice(site_a, manager_a):
    with locks_switched_off(Rank.BENEFICIARY, pause=0.2):
        sale, outcome = _refund_race(site_a, manager_a, threads=4)
    assert outcome.crashes == []
    refunded = sum(RefundPayment.objects.filter(refund__sale=sale).values_list("amount", flat=True))
    assert refunded > sale.total, "without the lock, more than the sale should be refunded"


# --- the top-up PIN check ------------------------------------------------------------------------


def test_a_voucher_refund_records_how_its_pin_was_checked(site_a, manager_a):
    open_till(site_a, manager_a)
    topup, _, _ = stocked_site(site_a, manager_a, vouchers=3, phones=0)
    sale = checkout(site_a, buyer(), [CartItem(topup, quantity=3)], manager_a).sale
    lines = list(sale.lines.order_by("id"))
    with pytest.raises(SaleError, match="PIN"):
        refunds.refund_create(sale=sale, quantities={lines[0].pk: 1}, actor=manager_a)
    attested = refunds.refund_create(
        sale=sale, quantities={lines[0].pk: 1}, voucher_unused=True, actor=manager_a
    )
    assert attested.pin_check == PinCheck.ATTESTED
    # An operator's balance check, when one is registered, answers for the counsellor.
    answers = {lines[1].voucher_id: True, lines[2].voucher_id: False}
    pin_checks.register_pin_checker(topup.operator_id, lambda voucher: answers[voucher.pk])
    try:
        checked = refunds.refund_create(sale=sale, quantities={lines[1].pk: 1}, actor=manager_a)
        assert checked.pin_check == PinCheck.OPERATOR
        with pytest.raises(SaleError, match="utilisée"):
            refunds.refund_create(
                sale=sale, quantities={lines[2].pk: 1}, voucher_unused=True, actor=manager_a
            )
    finally:
        pin_checks.unregister_pin_checker(topup.operator_id)
    assert journal.verify_site_journal(site_a) is None


# --- refund receipts -----------------------------------------------------------------------------


def test_a_refund_receipt_reprint_is_a_duplicate(split_sale, manager_a):
    sale, phone_line, _ = split_sale
    refund = refunds.refund_create(sale=sale, quantities={phone_line.pk: 1}, actor=manager_a)
    assert not refunds.refund_print_record(refund=refund, actor=manager_a).is_duplicate
    assert refunds.refund_print_record(refund=refund, actor=manager_a).is_duplicate
    assert RefundPrint.objects.filter(refund=refund).count() == 2
    assert AuditEvent.objects.filter(action="sales.refund_receipt.reprinted").count() == 1


# --- cash in and out -----------------------------------------------------------------------------


def test_cash_in_and_out_count_in_the_expected_cash(site_a, manager_a, counsellor_a):
    session = open_till(site_a, manager_a)
    cash.cash_movement_record(
        site=site_a, kind="float_top_up", amount=D("20.00"), actor=counsellor_a
    )
    out = cash.cash_movement_record(
        site=site_a, kind="petty_expense", amount=D("4.50"), comment="Timbres", actor=manager_a
    )
    assert out.amount == D("-4.50")
    with pytest.raises(SaleError, match="positif"):
        cash.cash_movement_record(site=site_a, kind="bank_deposit", amount=D("0"), actor=manager_a)
    with pytest.raises(Exception, match="Cannot"), transaction.atomic():
        CashMovement.objects.filter(pk=out.pk).update(amount=D("-1.00"))
    closed = services.till_close(session=session, counted_cash=D("65.50"), actor=manager_a)
    assert closed.expected_cash == D("65.50")  # 50 float + 20 in - 4.50 out
    assert closed.cash_difference == D("0.00")
    with pytest.raises(SaleError, match="fermée"):
        cash.cash_movement_record(site=site_a, kind="float_top_up", amount=D("1"), actor=manager_a)


# --- the close -----------------------------------------------------------------------------------


def test_a_difference_above_the_setting_needs_a_comment_and_a_manager(
    site_a, manager_a, counsellor_a, settings
):
    settings.TILL_CLOSE_DIFFERENCE_LIMIT = D("5.00")
    session = open_till(site_a, manager_a)
    membership = counsellor_a.memberships.get()
    membership.can_open_till = True
    membership.save()
    close = {"session": session, "counted_cash": D("40.00"), "actor": counsellor_a}
    with pytest.raises(SaleError, match="commentaire"):
        services.till_close(**close)
    with pytest.raises(SaleError, match="responsable de site"):
        services.till_close(**close, comment="Erreur de rendu", confirmed_by=counsellor_a)
    closed = services.till_close(
        **close,
        comment="Erreur de rendu",
        confirmed_by=manager_a,
        denominations={"20.00": 2},
    )
    assert closed.cash_difference == D("-10.00")
    assert (closed.close_comment, closed.difference_confirmed_by) == ("Erreur de rendu", manager_a)
    assert closed.counted_denominations == {"20.00": 2}


def test_a_small_difference_closes_without_confirmation(site_a, manager_a):
    session = open_till(site_a, manager_a)
    closed = services.till_close(session=session, counted_cash=D("46.00"), actor=manager_a)
    assert closed.cash_difference == D("-4.00") and closed.difference_confirmed_by is None


# --- stale sessions ------------------------------------------------------------------------------


def test_a_session_left_open_refuses_money_the_next_morning(site_a, manager_a, settings):
    settings.TILL_STALE_HOUR = 6
    monday_evening = timezone.make_aware(timezone.datetime(2026, 11, 23, 18, 1))
    session = services.till_open(
        site=site_a, opening_float=D("50"), actor=manager_a, at=monday_evening
    )
    topup, _, _ = stocked_site(site_a, manager_a, vouchers=2, phones=0)
    before_six = monday_evening + timedelta(hours=11, minutes=58)  # Tuesday 05:59
    checkout(site_a, buyer(), [CartItem(topup)], manager_a, now=before_six)
    assert money.opened_since(session) == "le lundi 23/11 à 18:01"
    tuesday = monday_evening + timedelta(hours=12)
    assert money.is_stale(session, tuesday)
    with pytest.raises(SaleError, match="ouverte depuis le lundi 23/11 à 18:01"):
        checkout(site_a, buyer(), [CartItem(topup)], manager_a, now=tuesday)
    with pytest.raises(SaleError, match="ouverte depuis"):
        cash.cash_movement_record(
            site=site_a, kind="float_top_up", amount=D("5"), actor=manager_a, now=tuesday
        )
    # A site manager closes it the next morning, and a new session sells again.
    other_manager = staff_user(site=site_a, role=SiteRole.SITE_MANAGER)
    services.till_close(session=session, counted_cash=D("52.50"), actor=other_manager)
    services.till_open(site=site_a, opening_float=D("50"), actor=manager_a, at=tuesday)
    checkout(site_a, buyer(), [CartItem(topup)], manager_a, now=tuesday + timedelta(minutes=5))


def test_only_a_manager_of_this_site_confirms(site_a, site_b, manager_a):
    session = open_till(site_a, manager_a)
    counsellor = staff_user(site=site_a, role=SiteRole.COUNSELLOR)
    other_site_manager = staff_user(site=site_b, role=SiteRole.SITE_MANAGER)
    for confirmer in (counsellor, other_site_manager):
        with pytest.raises(SaleError, match="responsable de site"):
            services.till_close(
                session=session,
                counted_cash=D("0"),
                comment="Billets manquants",
                confirmed_by=confirmer,
                actor=manager_a,
            )
    assert TillSession.objects.get().is_open
