"""Stocktakes of devices and vouchers by scanning, transfers of many items, and a device's life."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from catalogue import selectors, services
from catalogue.enums import (
    Acquisition,
    AdjustmentReason,
    DeviceStatus,
    MovementKind,
    TransferStatus,
    VoucherStatus,
)
from catalogue.models import Device, StockMovement, Stocktake, Voucher
from catalogue.services import StockError, TransferItem, unit_key
from connexions.enums import PartnerKind
from connexions.locking import Rank, locks_switched_off
from connexions.models import AuditEvent, Partner
from tests.catalogue.factories import ProductFactory, make_imei, receive_phone, receive_vouchers
from tests.race import race


@pytest.fixture
def phone(db):
    return ProductFactory(phone=True, name="Smartphone A")


@pytest.fixture
def topup(db):
    return ProductFactory(name="Recharge 15 €")


def codes(units):
    return sorted(unit.code for unit in units)


def test_a_count_lists_expected_scanned_missing_and_unexpected(
    site_a, site_b, manager_a, phone, topup
):
    kept, lost = (
        receive_phone(site_a, phone, actor=manager_a),
        receive_phone(site_a, phone, actor=manager_a),
    )
    elsewhere = receive_phone(site_b, phone, actor=manager_a)
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    first, second = Voucher.objects.order_by("serial")
    count = services.scan_count_start(site=site_a, actor=manager_a)
    assert services.scan_count_start(site=site_a, actor=manager_a) == count  # resumed

    assert services.scan_count_scan(count=count, code=kept.imei, actor=manager_a).warning == ""
    services.scan_count_scan(count=count, code=f" {first.serial.lower()} ", actor=manager_a)
    outcome = services.scan_count_scan(count=count, code=elsewhere.imei, actor=manager_a)
    assert site_b.name in outcome.warning

    state = services.scan_count_state(count)
    assert codes(state.expected) == sorted([kept.imei, lost.imei, first.serial, second.serial])
    assert codes(state.scanned) == sorted([kept.imei, first.serial, elsewhere.imei])
    assert codes(state.missing) == sorted([lost.imei, second.serial])
    assert codes(state.unexpected) == [elsewhere.imei]


def test_a_unit_counted_twice_or_an_unknown_code_is_refused_on_the_spot(site_a, manager_a, phone):
    device = receive_phone(site_a, phone, actor=manager_a)
    count = services.scan_count_start(site=site_a, actor=manager_a)
    services.scan_count_scan(count=count, code=device.imei, actor=manager_a)
    with pytest.raises(StockError, match="déjà été compté"):
        services.scan_count_scan(count=count, code=device.imei, actor=manager_a)
    with pytest.raises(StockError, match="inconnu"):
        services.scan_count_scan(count=count, code="NOPE123", actor=manager_a)
    assert count.scans.count() == 1


def test_confirming_records_each_difference_with_its_reason(
    site_a, site_b, manager_a, phone, topup
):
    kept = receive_phone(site_a, phone, actor=manager_a)
    stolen = receive_phone(site_a, phone, actor=manager_a)
    broken = receive_phone(site_a, phone, actor=manager_a)
    elsewhere = receive_phone(site_b, phone, actor=manager_a)
    receive_vouchers(site_a, topup, 1, actor=manager_a)
    voucher = Voucher.objects.get()
    count = services.scan_count_start(site=site_a, actor=manager_a)
    for code in (kept.imei, elsewhere.imei):
        services.scan_count_scan(count=count, code=code, actor=manager_a)

    with pytest.raises(StockError, match="raison"):  # never silently
        services.scan_count_confirm(
            count=count, reasons={unit_key(stolen): AdjustmentReason.STOLEN}, actor=manager_a
        )
    assert not Stocktake.objects.exists()

    reasons = {
        unit_key(stolen): AdjustmentReason.STOLEN,
        unit_key(broken): AdjustmentReason.DAMAGED,
        unit_key(voucher): AdjustmentReason.LOST,
    }
    stocktake = services.scan_count_confirm(count=count, reasons=reasons, actor=manager_a)

    stolen.refresh_from_db(), broken.refresh_from_db(), voucher.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (stolen.status, broken.status) == (DeviceStatus.MISSING, DeviceStatus.SCRAPPED)
    assert voucher.status == VoucherStatus.WRITTEN_OFF
    assert (elsewhere.site, elsewhere.status) == (site_b, DeviceStatus.IN_STOCK)  # not moved
    rows = StockMovement.objects.filter(stocktake=stocktake)
    assert sorted((r.device_id or r.voucher_id, r.quantity, r.reason) for r in rows) == sorted(
        [
            (stolen.pk, -1, AdjustmentReason.STOLEN),
            (broken.pk, -1, AdjustmentReason.DAMAGED),
            (voucher.pk, -1, AdjustmentReason.LOST),
        ]
    )
    assert {r.kind for r in rows} == {MovementKind.ADJUSTMENT}
    lines = {line.product: (line.expected, line.counted) for line in stocktake.lines.all()}
    assert lines == {phone: (3, 1), topup: (1, 0)}
    assert selectors.ledger_discrepancies(site_a) == {}
    assert selectors.ledger_discrepancies(site_b) == {}
    assert AuditEvent.objects.filter(action="catalogue.scan_count.confirmed").count() == 1
    with pytest.raises(StockError, match="déjà été validé"):
        services.scan_count_scan(count=count, code=kept.imei, actor=manager_a)


def test_a_unit_written_off_and_scanned_again_comes_back_as_found(site_a, manager_a, phone):
    device = receive_phone(site_a, phone, actor=manager_a)
    first = services.scan_count_start(site=site_a, actor=manager_a)
    services.scan_count_confirm(
        count=first, reasons={unit_key(device): AdjustmentReason.LOST}, actor=manager_a
    )
    second = services.scan_count_start(site=site_a, actor=manager_a)
    assert second != first
    assert (
        "manquant"
        in services.scan_count_scan(count=second, code=device.imei, actor=manager_a).warning
    )
    stocktake = services.scan_count_confirm(count=second, reasons={}, actor=manager_a)

    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_STOCK
    found = StockMovement.objects.get(stocktake=stocktake)
    assert (found.quantity, found.reason) == (1, AdjustmentReason.FOUND)
    assert selectors.ledger_discrepancies(site_a) == {}


def _confirm_in_threads(count, device, user):
    def confirm():
        return services.scan_count_confirm(
            count=count, reasons={unit_key(device): AdjustmentReason.LOST}, actor=user
        )

    outcome = race([confirm, confirm], expected=(StockError,))
    assert outcome.crashes == []
    return outcome


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_one_count_record_it_once(site_a, manager_a, phone):
    device = receive_phone(site_a, phone, actor=manager_a)
    count = services.scan_count_start(site=site_a, actor=manager_a)
    outcome = _confirm_in_threads(count, device, manager_a)
    assert len(outcome.results) == 1 and len(outcome.errors) == 1
    assert Stocktake.objects.count() == 1
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 1
    assert selectors.ledger_discrepancies(site_a) == {}


@pytest.mark.django_db(transaction=True)
def test_control_without_the_locks_a_count_is_recorded_twice(site_a, manager_a, phone):
    """The same race with the count's and the units' locks taken away: the missing phone is
    written off twice and the ledger no longer matches the stock, so the test above proves them."""
    device = receive_phone(site_a, phone, actor=manager_a)
    count = services.scan_count_start(site=site_a, actor=manager_a)
    with locks_switched_off(Rank.RECORD, Rank.DEVICE, Rank.VOUCHER, pause=0.5):
        outcome = _confirm_in_threads(count, device, manager_a)
    assert len(outcome.results) == 2
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 2
    assert selectors.ledger_discrepancies(site_a) != {}


# --- transfers of many items ------------------------------------------------------------------


def test_a_transfer_carries_scanned_devices_and_quantities_at_once(
    site_a, site_b, manager_a, phone, topup
):
    phones = [receive_phone(site_a, phone, actor=manager_a) for _ in range(3)]
    receive_vouchers(site_a, topup, 4, actor=manager_a)
    sim = ProductFactory(sim=True)
    services.counted_stock_receive(site=site_a, product=sim, quantity=10, actor=manager_a)
    assert services.transferable_device(site=site_a, code=phones[0].imei) == phones[0]
    with pytest.raises(StockError, match="déjà dans la liste"):
        services.transferable_device(site=site_a, code=phones[0].imei, listed=[phones[0].imei])

    transfer = services.transfer_send(
        from_site=site_a,
        to_site=site_b,
        items=[
            TransferItem(None, device_codes=[p.imei for p in phones[:2]]),
            TransferItem(topup, quantity=3),
            TransferItem(sim, quantity=6),
        ],
        actor=manager_a,
    )
    lines = {line.product: line.quantity for line in transfer.lines.all()}
    assert lines == {phone: 2, topup: 3, sim: 6}
    assert selectors.stock_levels(site_b) == {}  # in transit until received
    services.transfer_receive(transfer=transfer, actor=manager_a)
    levels = selectors.stock_levels(site_b)
    assert (levels[phone.pk].on_hand, levels[topup.pk].on_hand, levels[sim.pk].on_hand) == (2, 3, 6)
    for site in (site_a, site_b):
        assert selectors.ledger_discrepancies(site) == {}


def _receive_in_threads(transfer, user):
    outcome = race(
        [lambda: services.transfer_receive(transfer=transfer, actor=user)] * 2,
        expected=(StockError,),
    )
    assert outcome.crashes == []
    return outcome


@pytest.mark.django_db(transaction=True)
def test_a_transfer_received_twice_at_once_enters_the_stock_once(site_a, site_b, manager_a, topup):
    sim = ProductFactory(sim=True)
    services.counted_stock_receive(site=site_a, product=sim, quantity=5, actor=manager_a)
    transfer = services.transfer_send(
        from_site=site_a, to_site=site_b, items=[TransferItem(sim, quantity=5)], actor=manager_a
    )
    outcome = _receive_in_threads(transfer, manager_a)
    assert len(outcome.results) == 1 and len(outcome.errors) == 1
    assert selectors.stock_levels(site_b)[sim.pk].on_hand == 5
    assert selectors.ledger_discrepancies(site_b) == {}


@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_a_transfer_is_received_twice(site_a, site_b, manager_a):
    sim = ProductFactory(sim=True)
    services.counted_stock_receive(site=site_a, product=sim, quantity=5, actor=manager_a)
    transfer = services.transfer_send(
        from_site=site_a, to_site=site_b, items=[TransferItem(sim, quantity=5)], actor=manager_a
    )
    with locks_switched_off(Rank.RECORD, pause=0.5):
        outcome = _receive_in_threads(transfer, manager_a)
    assert len(outcome.results) == 2
    assert selectors.stock_levels(site_b)[sim.pk].on_hand == 10
    assert transfer.__class__.objects.get().status == TransferStatus.RECEIVED


# --- a device's life --------------------------------------------------------------------------


def test_a_device_history_tells_its_whole_life(site_a, manager_a, phone):
    device = services.device_receive(
        site=site_a,
        product=phone,
        code=make_imei(),
        grade="B",
        received_from="Emmaüs Connect",
        acquisition=Acquisition.DONATION,
        donor=Partner.objects.create(name="Emmaüs Connect", kind=PartnerKind.COMPANY),
        value=Decimal("60.00"),
        actor=manager_a,
    )
    services.device_change_status(
        device=device, status=DeviceStatus.IN_REPAIR, note="Écran chez Répar'Tel", actor=manager_a
    )
    services.device_change_status(device=device, status=DeviceStatus.IN_STOCK, actor=manager_a)
    with transaction.atomic():
        services.devices_take_for_sale(
            site=site_a, device_codes=[device.imei], actor=manager_a, reference="sales.sale:1"
        )
    device.refresh_from_db()

    history = selectors.device_history(device)
    titles = [entry.title for entry in history]
    assert titles == ["Vente", "Retour de réparation", "Envoyé en réparation", "Réception"]
    assert history[2].detail == "Écran chez Répar'Tel"
    assert history[-1].detail == "Don de Emmaüs Connect, valeur déclarée 60,00 €"
    assert all(entry.actor == manager_a for entry in history)
    sold_on = timezone.localtime(StockMovement.objects.get(kind=MovementKind.SALE).at)
    end = selectors.device_warranty_end(device)
    assert (end.year * 12 + end.month) - (sold_on.year * 12 + sold_on.month) == 12


def test_a_negative_value_is_refused(site_a, manager_a, phone):
    with pytest.raises(StockError):
        services.device_receive(
            site=site_a,
            product=phone,
            code=make_imei(),
            grade="A",
            value=Decimal("-1"),
            actor=manager_a,
        )
    assert not Device.objects.exists()
