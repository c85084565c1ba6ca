import uuid
from datetime import timedelta
from decimal import Decimal

import pgtrigger
import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from catalogue.enums import DeviceStatus, VoucherStatus
from catalogue.models import Device, StockMovement, Voucher
from catalogue.selectors import ledger_discrepancies
from catalogue.services import device_change_status
from connexions.models import AuditEvent
from sales import journal, money, refunds, selectors, services
from sales.enums import PaymentMethod
from sales.models import (
    CheckoutToken,
    JournalHead,
    Payment,
    ReceiptPrint,
    Sale,
    SaleLine,
    TillSession,
)
from sales.services import CartItem, PaymentLine, SaleError
from tests.catalogue.factories import PurchaseLimitFactory
from tests.sales.factories import buyer, checkout, open_till, stocked_site

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def shop(site_a, manager_a):
    open_till(site_a, manager_a)
    topup, phone, devices = stocked_site(site_a, manager_a, vouchers=5, phones=2)
    return topup, phone, devices


def nothing_written():
    return (
        Sale.objects.count() == 0
        and SaleLine.objects.count() == 0
        and Payment.objects.count() == 0
        and CheckoutToken.objects.count() == 0
        and not StockMovement.objects.filter(kind="sale").exists()
        and not AuditEvent.objects.filter(action="sales.sale.recorded").exists()
    )


# --- till sessions -----------------------------------------------------------------------------


def test_one_open_session_per_site_by_constraint(site_a, manager_a):
    open_till(site_a, manager_a)
    with pytest.raises(SaleError, match="déjà ouverte"):
        open_till(site_a, manager_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        TillSession.objects.create(site=site_a, opened_by=manager_a, opening_float=D("0"))


def test_counsellor_needs_can_open_till(site_a, counsellor_a):
    with pytest.raises(SaleError):
        open_till(site_a, counsellor_a)
    membership = counsellor_a.memberships.get()
    membership.can_open_till = True
    membership.save()
    counsellor_a._memberships_by_site = None
    assert open_till(site_a, counsellor_a).is_open


def test_close_computes_expected_cash_difference_and_totals(site_a, manager_a, shop):
    topup, phone, devices = shop
    person = buyer()
    checkout(
        site_a,
        person,
        [CartItem(phone, device_code=devices[0].imei), CartItem(topup)],
        manager_a,
        payments=[
            PaymentLine(PaymentMethod.CARD, D("20.00"), "TPE-1"),
            PaymentLine("cash", D("31.50")),
        ],
        cash_received=D("40.00"),
    )
    session = TillSession.objects.get()
    closed = services.till_close(session=session, counted_cash=D("80.00"), actor=manager_a)
    assert closed.expected_cash == D("81.50")  # 50 float + 31.50 cash
    assert closed.cash_difference == D("-1.50")
    assert closed.card_total == D("20.00")
    assert closed.cash_total == D("31.50")
    assert closed.sales_count == 1
    # A closed session cannot change, even bypassing the application.
    with pytest.raises(Exception, match="Cannot"), transaction.atomic():
        TillSession.objects.filter(pk=session.pk).update(counted_cash=D("81.50"))
    with pytest.raises(SaleError):
        services.till_close(session=session, counted_cash=D("1"), actor=manager_a)


# --- checkout ----------------------------------------------------------------------------------


def test_checkout_records_everything(site_a, manager_a, shop):
    topup, phone, devices = shop
    person = buyer()
    result = checkout(
        site_a,
        person,
        [CartItem(phone, device_code=devices[0].imei), CartItem(topup, quantity=2)],
        manager_a,
        payments=[PaymentLine("cash", D("54.00"))],
        cash_received=D("60.00"),
    )
    sale = result.sale
    assert not result.replayed
    assert sale.total == D("54.00")
    assert sale.change_given == D("6.00")
    assert sale.operator_credit == D("30.00")
    assert sale.reference_total == D("219.00")  # phone 189 + 2 × face value 15
    assert sale.saving == D("165.00")
    assert sale.receipt_number == f"V{timezone.localdate().year}-{site_a.pk:02d}-00001"
    lines = list(sale.lines.order_by("id"))
    assert lines[0].device.status == DeviceStatus.SOLD
    assert lines[0].warranty_until is not None
    assert all(line.voucher.status == VoucherStatus.SOLD for line in lines[1:])
    assert StockMovement.objects.filter(reference=f"sales.sale:{sale.pk}").count() == 3
    assert ledger_discrepancies(site_a) == {}
    assert AuditEvent.objects.filter(action="sales.sale.recorded", object_id=str(sale.pk)).exists()
    head = JournalHead.objects.get(site=site_a)
    assert head.last_hash == sale.hash and head.last_number == 1


def test_sales_are_append_only_in_the_database(site_a, manager_a, shop):
    topup, _, _ = shop
    checkout(site_a, buyer(), [CartItem(topup)], manager_a)
    for queryset in (Sale.objects.all(), SaleLine.objects.all(), Payment.objects.all()):
        with pytest.raises(Exception, match="Cannot"), transaction.atomic():
            queryset.update(id=F("id"))
        with pytest.raises(Exception, match="Cannot"), transaction.atomic():
            queryset.delete()


def test_receipt_numbers_are_gapless_and_a_refused_sale_uses_none(site_a, manager_a, shop):
    topup, _, _ = shop
    person = buyer()
    first = checkout(site_a, person, [CartItem(topup)], manager_a).sale
    with pytest.raises(SaleError):
        checkout(
            site_a, person, [CartItem(topup)], manager_a, payments=[PaymentLine("cash", D("1"))]
        )
    second = checkout(site_a, person, [CartItem(topup)], manager_a).sale
    assert (first.receipt_sequence, second.receipt_sequence) == (1, 2)
    assert (first.journal_number, second.journal_number) == (1, 2)
    assert second.previous_hash == first.hash


def test_same_token_twice_records_one_sale(site_a, manager_a, shop):
    topup, _, _ = shop
    token = uuid.uuid4()
    person = buyer()
    first = checkout(site_a, person, [CartItem(topup)], manager_a, token=token)
    again = checkout(site_a, person, [CartItem(topup)], manager_a, token=token)
    assert again.replayed and again.sale.pk == first.sale.pk
    assert Sale.objects.count() == 1
    assert Voucher.objects.filter(status=VoucherStatus.SOLD).count() == 1


def test_error_after_the_stock_movement_rolls_everything_back(site_a, manager_a, shop, monkeypatch):
    topup, phone, devices = shop

    def broken(site):
        assert StockMovement.objects.filter(kind="sale").count() == 2  # stock already moved
        raise RuntimeError("injected")

    monkeypatch.setattr(services, "lock_journal_head", broken)
    with pytest.raises(RuntimeError):
        checkout(
            site_a,
            buyer(),
            [CartItem(phone, device_code=devices[0].imei), CartItem(topup)],
            manager_a,
        )
    assert nothing_written()
    assert Device.objects.get(pk=devices[0].pk).status == DeviceStatus.IN_STOCK
    assert Voucher.objects.filter(status=VoucherStatus.IN_STOCK).count() == 5
    assert ledger_discrepancies(site_a) == {}


def test_expired_eligibility_is_refused(site_a, manager_a, shop):
    topup, _, _ = shop
    today = timezone.localdate()
    person = buyer(enrolled_on=today - timedelta(days=400), valid_until=today - timedelta(days=1))
    with pytest.raises(SaleError, match="plus éligible"):
        checkout(site_a, person, [CartItem(topup)], manager_a)
    assert nothing_written()


def test_payments_must_match_the_total(site_a, manager_a, shop):
    topup, _, _ = shop
    with pytest.raises(SaleError, match="ne correspondent pas"):
        checkout(
            site_a, buyer(), [CartItem(topup)], manager_a, payments=[PaymentLine("card", D("3.00"))]
        )
    with pytest.raises(SaleError, match="structure partenaire"):
        checkout(
            site_a,
            buyer(),
            [CartItem(topup)],
            manager_a,
            payments=[PaymentLine("agency", D("2.50"))],
        )
    assert nothing_written()


def test_agency_funding_and_card_share_a_sale(site_a, manager_a, agency_a, shop):
    topup, _, _ = shop
    sale = checkout(
        site_a,
        buyer(),
        [CartItem(topup, quantity=2)],
        manager_a,
        payments=[
            PaymentLine("agency", D("4.00"), "BON-2026-17", agency_a),
            PaymentLine("card", D("1.00"), "TPE 0042"),
        ],
    ).sale
    assert sorted(sale.payments.values_list("method", flat=True)) == ["agency", "card"]
    assert sale.cash_received is None


def test_closed_till_is_refused(site_a, manager_a, shop):
    topup, _, _ = shop
    services.till_close(session=TillSession.objects.get(), counted_cash=D("50"), actor=manager_a)
    with pytest.raises(SaleError, match="fermée"):
        checkout(site_a, buyer(), [CartItem(topup)], manager_a)
    assert nothing_written()


def test_counsellor_cannot_sell_another_sites_stock(site_a, site_b, manager_a, counsellor_b, shop):
    topup, phone, devices = shop
    with pytest.raises(SaleError):
        checkout(site_a, buyer(), [CartItem(topup)], counsellor_b)
    # Even with site B's till open, a device of site A is not in stock at site B.
    from tests.connexions.factories import staff_user

    manager_b = staff_user(site_b, "site_manager", can_open_till=True)
    open_till(site_b, manager_b)
    with pytest.raises(SaleError, match="pas en stock"):
        checkout(site_b, buyer(), [CartItem(phone, device_code=devices[0].imei)], counsellor_b)
    assert nothing_written()
    assert Device.objects.get(pk=devices[0].pk).status == DeviceStatus.IN_STOCK


def test_limits_count_across_sites_and_say_when(site_a, site_b, manager_a, shop):
    topup, _, _ = shop
    PurchaseLimitFactory(kind=topup.kind, max_count=2, window_days=30)
    from tests.connexions.factories import staff_user

    manager_b = staff_user(site_b, "site_manager", can_open_till=True)
    open_till(site_b, manager_b)
    from tests.catalogue.factories import receive_vouchers

    receive_vouchers(site_b, topup, 3, actor=manager_b, prefix="B")
    person = buyer()
    checkout(site_a, person, [CartItem(topup)], manager_a)
    checkout(site_b, person, [CartItem(topup)], manager_b)
    sales_before = Sale.objects.count()
    with pytest.raises(SaleError, match="possible à nouveau à partir du"):
        checkout(site_a, person, [CartItem(topup)], manager_a)
    assert Sale.objects.count() == sales_before
    statuses = selectors.limit_statuses(person)
    assert statuses[0].status.remaining == 0


def test_refund_gives_back_stock_money_and_limits(site_a, manager_a, shop):
    topup, phone, devices = shop
    PurchaseLimitFactory(kind=phone.kind, max_count=1, window_days=730)
    person = buyer()
    sale = checkout(
        site_a, person, [CartItem(phone, device_code=devices[0].imei), CartItem(topup)], manager_a
    ).sale
    lines = {line.kind: line for line in sale.lines.all()}
    with pytest.raises(SaleError, match="PIN"):
        refunds.refund_create(
            sale=sale,
            quantities={lines["mobile_topup"].pk: 1},
            note="Erreur",
            actor=manager_a,
        )
    refund = refunds.refund_create(
        sale=sale,
        quantities={lines["phone"].pk: 1, lines["mobile_topup"].pk: 1},
        note="Ne fonctionne pas",
        voucher_unused=True,
        actor=manager_a,
    )
    assert refund.amount == D("51.50")
    assert refund.receipt_number.startswith("R")
    assert Device.objects.get(pk=devices[0].pk).status == DeviceStatus.RETURNED
    assert Voucher.objects.get(pk=lines["mobile_topup"].voucher_id).status == VoucherStatus.VOIDED
    assert ledger_discrepancies(site_a) == {}
    # The phone limit is given back: another phone may be bought.
    checkout(site_a, person, [CartItem(phone, device_code=devices[1].imei)], manager_a)
    with pytest.raises(SaleError):
        refunds.refund_create(
            sale=sale, quantities={lines["phone"].pk: 1}, note="x", actor=manager_a
        )
    session = services.till_close(
        session=TillSession.objects.get(), counted_cash=D("99.00"), actor=manager_a
    )
    assert session.refunds_total == D("51.50")
    assert session.expected_cash == D("50.00") + D("51.50") + D("49.00") - D("51.50")


def test_device_out_of_warranty_cannot_come_back(site_a, manager_a, shop):
    _, phone, devices = shop
    sale = checkout(site_a, buyer(), [CartItem(phone, device_code=devices[0].imei)], manager_a).sale
    line = sale.lines.get()
    later = timezone.now() + timedelta(days=400)
    with pytest.raises(SaleError, match="ouverte depuis"):  # yesterday's till first
        refunds.refund_create(sale=sale, quantities={line.pk: 1}, actor=manager_a, now=later)
    services.till_close(session=TillSession.objects.get(), counted_cash=D("99"), actor=manager_a)
    services.till_open(site=site_a, opening_float=D("50"), actor=manager_a, at=later)
    with pytest.raises(SaleError, match="garantie"):
        refunds.refund_create(
            sale=sale, quantities={line.pk: 1}, note="Panne", actor=manager_a, now=later
        )


def test_reprint_is_a_duplicate(site_a, manager_a, shop):
    topup, _, _ = shop
    sale = checkout(site_a, buyer(), [CartItem(topup)], manager_a).sale
    assert not services.receipt_print_record(sale=sale, actor=manager_a).is_duplicate
    assert services.receipt_print_record(sale=sale, actor=manager_a).is_duplicate
    assert ReceiptPrint.objects.filter(sale=sale).count() == 2


# --- the journal -------------------------------------------------------------------------------


def test_journal_verifies_and_reports_the_first_broken_link(site_a, manager_a, shop, capsys):
    topup, phone, devices = shop
    person = buyer()
    sales = [checkout(site_a, person, [CartItem(topup)], manager_a).sale for _ in range(3)]
    line = sales[0].lines.get()
    refunds.refund_create(
        sale=sales[0],
        quantities={line.pk: 1},
        note="x",
        voucher_unused=True,
        actor=manager_a,
    )
    assert journal.verify_site_journal(site_a) is None
    call_command("verify_journal")
    # Tampering needs to get past the trigger, as only someone with the database's keys could.
    with pgtrigger.ignore("sales.Sale:sale_append_only"):
        Sale.objects.filter(pk=sales[1].pk).update(total=0)
    broken = journal.verify_site_journal(site_a)
    assert broken.number == sales[1].journal_number
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("verify_journal")
    assert f"entry {sales[1].journal_number}" in capsys.readouterr().err


# --- refund methods ------------------------------------------------------------------------------


def _refund(sale, line, split=None, actor=None, **kwargs):
    return refunds.refund_create(
        sale=sale,
        quantities={line.pk: kwargs.pop("quantity", 1)},
        split=split,
        note="Erreur",
        voucher_unused=True,
        actor=actor or sale.seller,
        **kwargs,
    )


def test_refund_only_by_a_method_that_paid_the_sale(site_a, manager_a, shop):
    topup, _, _ = shop
    sale = checkout(
        site_a,
        buyer(),
        [CartItem(topup, quantity=2)],
        manager_a,
        payments=[PaymentLine(PaymentMethod.CARD, D("5.00"), "T-1")],
    ).sale
    line = sale.lines.first()
    for method in ("cash", "cheque", "agency"):
        with pytest.raises(SaleError, match="n’a pas été payée|pas été réglée"):
            _refund(sale, line, {method: D("2.50")})
    assert not sale.refunds.exists()
    refund = _refund(sale, line)
    assert refund.amount == D("2.50")
    assert [(p.method, p.amount) for p in refund.payments.all()] == [("card", D("2.50"))]


def test_refund_by_a_method_up_to_what_it_paid(site_a, manager_a, shop):
    topup, _, _ = shop
    sale = checkout(
        site_a,
        buyer(),
        [CartItem(topup, quantity=2)],
        manager_a,
        payments=[
            PaymentLine(PaymentMethod.CASH, D("2.50")),
            PaymentLine(PaymentMethod.CARD, D("2.50"), "T-2"),
        ],
    ).sale
    lines = list(sale.lines.order_by("id"))
    with pytest.raises(SaleError, match="2,50"):
        refunds.refund_create(
            sale=sale,
            quantities={line.pk: 1 for line in lines},
            split={"cash": D("5.00")},
            voucher_unused=True,
            actor=manager_a,
        )
    _refund(sale, lines[0], {"cash": D("2.50")})
    with pytest.raises(SaleError, match="0,00"):
        _refund(sale, lines[1], {"cash": D("2.50")})
    _refund(sale, lines[1], {"card": D("2.50")})
    assert sale.refunds.count() == 2


def test_agency_refund_goes_back_to_the_agency_that_paid(site_a, manager_a, agency_a, shop):
    topup, _, _ = shop
    sale = checkout(
        site_a,
        buyer(),
        [CartItem(topup)],
        manager_a,
        payments=[PaymentLine(PaymentMethod.AGENCY, D("2.50"), "F-9", agency_a)],
    ).sale
    line = sale.lines.get()
    with pytest.raises(SaleError):
        _refund(sale, line, {"cash": D("2.50")})
    refund = _refund(sale, line)
    assert refund.amount == D("2.50")
    [payment] = refund.payments.all()
    assert (payment.method, payment.agency, payment.amount) == ("agency", agency_a, D("2.50"))
    assert [source.available for source in money.refund_sources(sale)] == [D("0.00")]


def test_a_reserved_phone_is_not_sold(site_a, manager_a, shop):
    _, phone, devices = shop
    device_change_status(device=devices[0], status=DeviceStatus.RESERVED, actor=manager_a)
    with pytest.raises(SaleError, match="pas en stock"):
        checkout(site_a, buyer(), [CartItem(phone, device_code=devices[0].imei)], manager_a)
    assert nothing_written()
    assert Device.objects.get(pk=devices[0].pk).status == DeviceStatus.RESERVED
