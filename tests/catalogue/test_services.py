from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, ProgrammingError, transaction
from django.utils import timezone

from catalogue import selectors, services
from catalogue.enums import (
    AdjustmentReason,
    DeviceGrade,
    DeviceStatus,
    MovementKind,
    ProductKind,
    TransferStatus,
    VoucherStatus,
)
from catalogue.models import (
    CountedStock,
    Device,
    Product,
    StockMovement,
    Voucher,
)
from catalogue.services import (
    OutOfStock,
    StockError,
    TransferItem,
)
from connexions.models import AuditEvent
from tests.catalogue.factories import (
    ProductFactory,
    PurchaseLimitFactory,
    make_imei,
    receive_phone,
    receive_vouchers,
)

TODAY = timezone.localdate()


@pytest.fixture
def topup(db):
    return ProductFactory(name="Recharge SFR 15 €")


@pytest.fixture
def phone(db):
    return ProductFactory(phone=True)


@pytest.fixture
def laptop(db):
    return ProductFactory(laptop=True)


@pytest.fixture
def sim(db):
    return ProductFactory(sim=True)


def assert_ledger_matches(*sites):
    for site in sites:
        assert selectors.ledger_discrepancies(site) == {}


# --- catalogue and prices ---------------------------------------------------------------------


def test_product_save_keeps_a_dated_price_history(programme_admin):
    product = Product(
        name="Data 500 Mo",
        kind=ProductKind.DATA_TOPUP,
        solidarity_price=Decimal("1.50"),
        face_value=Decimal("5.00"),
    )
    services.product_save(product=product, actor=programme_admin)
    assert product.prices.count() == 1
    first_time = timezone.now()

    product.description = "Valable 30 jours"
    services.product_save(product=product, actor=programme_admin)
    assert product.prices.count() == 1  # no price change, no new row

    product.solidarity_price = Decimal("2.00")
    services.product_save(product=product, actor=programme_admin)
    assert [p.solidarity_price for p in selectors.price_history(product)] == [
        Decimal("2.00"),
        Decimal("1.50"),
    ]
    assert selectors.price_at(product, first_time).solidarity_price == Decimal("1.50")
    assert selectors.price_at(product, timezone.now()).solidarity_price == Decimal("2.00")
    assert selectors.current_price(product) == Decimal("2.00")
    assert AuditEvent.objects.filter(action="catalogue.price.changed").count() == 1


def test_tracking_cannot_change_once_the_product_has_stock(site_a, topup, manager_a):
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    topup.kind = ProductKind.PHONE
    with pytest.raises(StockError, match="mouvements de stock"):
        services.product_save(product=topup, actor=manager_a)
    assert Product.objects.get(pk=topup.pk).kind == ProductKind.MOBILE_TOPUP
    topup.kind = ProductKind.DATA_TOPUP  # still vouchers: allowed
    services.product_save(product=topup, actor=manager_a)
    assert Product.objects.get(pk=topup.pk).kind == ProductKind.DATA_TOPUP


def test_tracking_may_change_before_any_stock(laptop, programme_admin):
    laptop.kind = ProductKind.ACCESSORY
    services.product_save(product=laptop, actor=programme_admin)
    assert Product.objects.get(pk=laptop.pk).tracking == "counted"


def test_price_history_is_append_only(topup, programme_admin):
    topup.solidarity_price = Decimal("3.00")
    services.product_save(product=topup, actor=programme_admin)
    assert topup.prices.count() == 1
    with pytest.raises(ProgrammingError), transaction.atomic():
        topup.prices.update(solidarity_price=Decimal("0.10"))


def test_database_refuses_negative_prices(topup):
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=topup.pk).update(solidarity_price=Decimal("-1"))


def test_saving_compares_with_reference_price_or_face_value(topup, phone):
    assert topup.saving == Decimal("12.50")
    assert phone.saving == Decimal("140.00")


def test_rules_for_product_are_its_own_and_its_kinds(topup, phone):
    by_kind = PurchaseLimitFactory(kind=ProductKind.MOBILE_TOPUP, max_count=4, window_days=30)
    own = PurchaseLimitFactory(kind="", product=topup, max_count=2, window_days=7)
    PurchaseLimitFactory(kind="", product=phone, max_count=1, window_days=730)
    PurchaseLimitFactory(kind=ProductKind.MOBILE_TOPUP, is_active=False)
    assert selectors.rules_for_product(topup) == [by_kind, own]


def test_a_limit_is_for_a_product_or_a_kind_not_both(topup):
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseLimitFactory(product=topup, kind=ProductKind.MOBILE_TOPUP)


# --- vouchers ---------------------------------------------------------------------------------


def test_the_database_refuses_duplicate_voucher_codes(site_a, topup, manager_a):
    receive_vouchers(site_a, topup, 1, actor=manager_a)
    voucher = Voucher.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.create(
            product=topup,
            site=site_a,
            batch=voucher.batch,
            serial=voucher.serial,
            pin="00001111",
            expires_on=voucher.expires_on,
        )


def test_pins_stay_out_of_the_row_history(site_a, topup, manager_a):
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    event_model = (
        Voucher.pgh_event_models["insert"] if hasattr(Voucher, "pgh_event_models") else None
    )
    from django.apps import apps

    event_model = event_model or apps.get_model("catalogue", "VoucherEvent")
    assert "pin" not in {f.name for f in event_model._meta.fields}
    assert event_model.objects.count() == 2
    pins = set(Voucher.objects.values_list("pin", flat=True))
    for values in event_model.objects.values():
        assert not pins & {str(v) for v in values.values()}


def test_masked_pin_shows_only_the_last_two_characters(site_a, topup, manager_a):
    receive_vouchers(site_a, topup, 1, actor=manager_a)
    voucher = Voucher.objects.get()
    assert voucher.masked_pin.endswith(voucher.pin[-2:])
    assert voucher.pin[:-2] not in voucher.masked_pin


def test_voucher_for_sale_is_the_earliest_valid_expiry(site_a, topup, manager_a):
    receive_vouchers(
        site_a, topup, 1, actor=manager_a, prefix="LATE", expiry=TODAY + timedelta(400)
    )
    receive_vouchers(site_a, topup, 1, actor=manager_a, prefix="SOON", expiry=TODAY + timedelta(10))
    receive_vouchers(site_a, topup, 1, actor=manager_a, prefix="EXP", expiry=TODAY + timedelta(1))
    later = TODAY + timedelta(days=5)  # the "EXP" voucher has expired by then
    with transaction.atomic():
        [voucher] = services.vouchers_take_for_sale(
            site=site_a, product=topup, actor=manager_a, reference="sales.sale:1", today=later
        )
    assert voucher.serial.startswith("SOON")
    voucher.refresh_from_db()
    assert (voucher.status, voucher.sale_reference) == (VoucherStatus.SOLD, "sales.sale:1")
    movement = StockMovement.objects.get(voucher=voucher)
    assert (movement.kind, movement.quantity, movement.reference) == (
        MovementKind.SALE,
        -1,
        "sales.sale:1",
    )
    assert_ledger_matches(site_a)


def test_no_voucher_left_raises_out_of_stock(site_a, site_b, topup, manager_a):
    receive_vouchers(site_b, topup, 2, actor=manager_a)
    with pytest.raises(OutOfStock), transaction.atomic():
        services.vouchers_take_for_sale(site=site_a, product=topup, actor=manager_a, reference="r")


def test_refunded_voucher_is_voided_not_restocked(site_a, topup, manager_a):
    receive_vouchers(site_a, topup, 1, actor=manager_a)
    [voucher] = services.vouchers_take_for_sale(
        site=site_a, product=topup, actor=manager_a, reference="s"
    )
    services.vouchers_void_for_refund(vouchers=[voucher], actor=manager_a, reference="refund:1")
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.VOIDED
    assert selectors.available_quantity(site_a, topup) == 0
    with pytest.raises(StockError):
        services.vouchers_void_for_refund(vouchers=[voucher], actor=manager_a, reference="again")
    assert_ledger_matches(site_a)


def test_expired_vouchers_are_written_off(site_a, topup, manager_a):
    receive_vouchers(site_a, topup, 2, actor=manager_a, expiry=TODAY + timedelta(days=3))
    assert services.vouchers_write_off_expired(today=TODAY + timedelta(days=2)) == 0
    assert services.vouchers_write_off_expired(today=TODAY + timedelta(days=4)) == 2
    assert Voucher.objects.filter(status=VoucherStatus.WRITTEN_OFF).count() == 2
    assert_ledger_matches(site_a)


# --- devices ----------------------------------------------------------------------------------


def test_device_reception_by_imei(site_a, phone, manager_a):
    imei = make_imei()
    device = services.device_receive(
        site=site_a,
        product=phone,
        code=f" {imei} ",
        grade=DeviceGrade.B,
        refurbisher="Ateliers du Bocage",
        wipe_certificate="BLANCCO-1",
        actor=manager_a,
    )
    assert (device.imei, device.serial, device.status) == (imei, None, DeviceStatus.IN_STOCK)
    assert StockMovement.objects.get(device=device).quantity == 1
    assert AuditEvent.objects.filter(action="catalogue.device.received").exists()
    assert_ledger_matches(site_a)


def test_azerty_scanned_imei_is_understood(site_a, phone, manager_a):
    imei = make_imei()
    azerty = imei.translate(str.maketrans("1234567890", "&é\"'(-è_çà"))
    device = services.device_receive(
        site=site_a, product=phone, code=azerty, grade=DeviceGrade.A, actor=manager_a
    )
    assert device.imei == imei


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("35000000000001", "15 chiffres"),  # 14 digits
        ("350000000000011", "chiffre de contrôle"),  # wrong check digit
        ("ABC123", "15 chiffres"),  # a phone needs an IMEI
        ("", "IMEI"),
    ],
)
def test_bad_imei_is_refused(site_a, phone, manager_a, code, message):
    with pytest.raises(StockError) as caught:
        services.device_receive(
            site=site_a, product=phone, code=code, grade=DeviceGrade.A, actor=manager_a
        )
    assert message in caught.value.message
    assert not Device.objects.exists()
    assert not StockMovement.objects.exists()


def test_imei_already_known_anywhere_is_refused(site_a, site_b, phone, manager_a):
    device = receive_phone(site_b, phone, actor=manager_a)
    with pytest.raises(StockError) as caught:
        services.device_receive(
            site=site_a, product=phone, code=device.imei, grade=DeviceGrade.A, actor=manager_a
        )
    assert "déjà enregistré" in caught.value.message
    assert Device.objects.count() == 1


def test_laptop_is_received_by_serial(site_a, laptop, manager_a):
    device = services.device_receive(
        site=site_a, product=laptop, code="pf2x9k7q", grade=DeviceGrade.A, actor=manager_a
    )
    assert (device.imei, device.serial) == (None, "PF2X9K7Q")
    with pytest.raises(StockError):
        services.device_receive(
            site=site_a, product=laptop, code="PF2X9K7Q", grade=DeviceGrade.A, actor=manager_a
        )


def test_the_database_refuses_duplicate_imeis_and_bad_imeis(site_a, phone, manager_a):
    device = receive_phone(site_a, phone, actor=manager_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.create(product=phone, site=site_a, imei=device.imei, grade="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.create(product=phone, site=site_a, imei="12345", grade="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.create(product=phone, site=site_a, grade="A")


def test_device_sale_takes_that_exact_unit_at_that_site(site_a, site_b, phone, manager_a):
    here = receive_phone(site_a, phone, actor=manager_a)
    elsewhere = receive_phone(site_b, phone, actor=manager_a)
    with pytest.raises(OutOfStock), transaction.atomic():
        services.devices_take_for_sale(
            site=site_a, device_codes=[elsewhere.imei], actor=manager_a, reference="s"
        )
    [sold] = services.devices_take_for_sale(
        site=site_a, device_codes=[here.imei], actor=manager_a, reference="sales.sale:7"
    )
    assert sold.status == DeviceStatus.SOLD
    with pytest.raises(OutOfStock), transaction.atomic():
        services.devices_take_for_sale(
            site=site_a, device_codes=[here.imei], actor=manager_a, reference="s"
        )
    assert_ledger_matches(site_a, site_b)


def test_refunded_device_comes_back_for_inspection(site_a, phone, manager_a):
    device = receive_phone(site_a, phone, actor=manager_a)
    services.devices_take_for_sale(
        site=site_a, device_codes=[device.imei], actor=manager_a, reference="s"
    )
    [device] = services.devices_return_for_refund(
        devices=[device], site=site_a, actor=manager_a, reference="r"
    )
    assert device.status == DeviceStatus.RETURNED
    assert selectors.stock_levels(site_a)[phone.pk] == selectors.StockLevel(1, 0)
    services.device_change_status(device=device, status=DeviceStatus.IN_STOCK, actor=manager_a)
    assert selectors.available_quantity(site_a, phone) == 1
    assert_ledger_matches(site_a)


def test_scrapping_a_device_writes_it_off(site_a, phone, manager_a):
    device = receive_phone(site_a, phone, actor=manager_a)
    services.device_change_status(
        device=device, status=DeviceStatus.SCRAPPED, reason=AdjustmentReason.LOST, actor=manager_a
    )
    movement = StockMovement.objects.get(kind=MovementKind.WRITE_OFF)
    assert (movement.quantity, movement.reason) == (-1, AdjustmentReason.LOST)
    with pytest.raises(StockError):
        services.device_change_status(device=device, status=DeviceStatus.IN_STOCK, actor=manager_a)
    assert_ledger_matches(site_a)


# --- counted items ----------------------------------------------------------------------------


def test_counted_items_in_and_out(site_a, sim, manager_a):
    services.counted_stock_receive(site=site_a, product=sim, quantity=10, actor=manager_a)
    services.counted_stock_remove_for_sale(
        site=site_a, quantities={sim: 3}, actor=manager_a, reference="s"
    )
    with pytest.raises(OutOfStock), transaction.atomic():
        services.counted_stock_remove_for_sale(
            site=site_a, quantities={sim: 8}, actor=manager_a, reference="s"
        )
    services.counted_stock_return_for_refund(
        site=site_a, quantities={sim: 1}, actor=manager_a, reference="r"
    )
    assert CountedStock.objects.get(site=site_a, product=sim).quantity == 8
    assert_ledger_matches(site_a)


@pytest.mark.parametrize("quantity", [0, -3])
def test_the_till_cannot_move_zero_or_negative_quantities(site_a, sim, topup, manager_a, quantity):
    services.counted_stock_receive(site=site_a, product=sim, quantity=5, actor=manager_a)
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    movements = StockMovement.objects.count()
    calls = [
        lambda: services.counted_stock_remove_for_sale(
            site=site_a, quantities={sim: quantity}, actor=manager_a, reference="sale"
        ),
        lambda: services.counted_stock_return_for_refund(
            site=site_a, quantities={sim: quantity}, actor=manager_a, reference="refund"
        ),
        lambda: services.vouchers_take_for_sale(
            site=site_a, product=topup, quantity=quantity, actor=manager_a, reference="sale"
        ),
    ]
    for call in calls:
        with pytest.raises(StockError, match="au moins 1"):
            call()
    assert CountedStock.objects.get(site=site_a, product=sim).quantity == 5
    assert selectors.available_quantity(site_a, topup) == 2
    assert StockMovement.objects.count() == movements
    assert_ledger_matches(site_a)


def test_the_database_refuses_negative_quantities(site_a, sim, manager_a):
    row = services.counted_stock_receive(site=site_a, product=sim, quantity=1, actor=manager_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CountedStock.objects.filter(pk=row.pk).update(quantity=-1)


def test_ledger_rows_cannot_be_changed_or_deleted(site_a, sim, manager_a):
    services.counted_stock_receive(site=site_a, product=sim, quantity=1, actor=manager_a)
    with pytest.raises(ProgrammingError), transaction.atomic():
        StockMovement.objects.update(quantity=5)
    with pytest.raises(ProgrammingError), transaction.atomic():
        StockMovement.objects.all().delete()


# --- transfers --------------------------------------------------------------------------------


def test_transfer_is_in_transit_until_received(
    site_a, site_b, topup, phone, sim, manager_a, programme_admin
):
    receive_vouchers(site_a, topup, 5, actor=manager_a)
    devices = [receive_phone(site_a, phone, actor=manager_a) for _ in range(2)]
    services.counted_stock_receive(site=site_a, product=sim, quantity=10, actor=manager_a)

    transfer = services.transfer_send(
        from_site=site_a,
        to_site=site_b,
        items=[
            TransferItem(topup, quantity=3),
            TransferItem(phone, device_codes=[devices[0].imei]),
            TransferItem(sim, quantity=4),
        ],
        actor=manager_a,
    )
    assert transfer.status == TransferStatus.IN_TRANSIT
    assert {(line.product, line.quantity) for line in transfer.lines.all()} == {
        (topup, 3),
        (phone, 1),
        (sim, 4),
    }
    levels_a, levels_b = selectors.stock_levels(site_a), selectors.stock_levels(site_b)
    assert (levels_a[topup.pk].on_hand, levels_a[phone.pk].on_hand, levels_a[sim.pk].on_hand) == (
        2,
        1,
        6,
    )
    assert levels_b == {}
    assert_ledger_matches(site_a, site_b)

    services.transfer_receive(transfer=transfer, actor=programme_admin)
    levels_b = selectors.stock_levels(site_b)
    assert (levels_b[topup.pk].available, levels_b[phone.pk].available) == (3, 1)
    assert levels_b[sim.pk].available == 4
    devices[0].refresh_from_db()
    assert (devices[0].site, devices[0].status) == (site_b, DeviceStatus.IN_STOCK)
    assert_ledger_matches(site_a, site_b)

    with pytest.raises(StockError):
        services.transfer_receive(transfer=transfer, actor=programme_admin)


def test_transfer_of_more_than_the_site_holds_is_refused(site_a, site_b, topup, sim, manager_a):
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    services.counted_stock_receive(site=site_a, product=sim, quantity=1, actor=manager_a)
    for item in (TransferItem(topup, quantity=3), TransferItem(sim, quantity=2)):
        with pytest.raises(OutOfStock):
            services.transfer_send(from_site=site_a, to_site=site_b, items=[item], actor=manager_a)
    assert selectors.available_quantity(site_a, topup) == 2
    assert selectors.available_quantity(site_a, sim) == 1
    assert_ledger_matches(site_a, site_b)


def test_transfer_of_a_unit_not_in_stock_is_refused(site_a, site_b, phone, manager_a):
    sold = receive_phone(site_a, phone, actor=manager_a)
    services.devices_take_for_sale(
        site=site_a, device_codes=[sold.imei], actor=manager_a, reference="s"
    )
    elsewhere = receive_phone(site_b, phone, actor=manager_a)
    for code in (sold.imei, elsewhere.imei, make_imei()):
        with pytest.raises(StockError) as caught:
            services.transfer_send(
                from_site=site_a,
                to_site=site_b,
                items=[TransferItem(phone, device_codes=[code])],
                actor=manager_a,
            )
        assert code in caught.value.message
    assert_ledger_matches(site_a, site_b)


def test_transfer_to_the_same_site_is_refused(site_a, sim, manager_a):
    with pytest.raises(StockError):
        services.transfer_send(
            from_site=site_a, to_site=site_a, items=[TransferItem(sim, 1)], actor=manager_a
        )


# --- stocktake and alerts ---------------------------------------------------------------------


def test_stocktake_adjusts_differences_with_a_reason(site_a, sim, manager_a):
    accessory = ProductFactory(sim=True, name="Coque de protection", kind=ProductKind.ACCESSORY)
    services.counted_stock_receive(site=site_a, product=sim, quantity=10, actor=manager_a)
    services.counted_stock_receive(site=site_a, product=accessory, quantity=3, actor=manager_a)
    stocktake = services.stocktake_record(
        site=site_a,
        counts={sim: 8, accessory: 3},
        expected={sim: 10, accessory: 3},
        reason=AdjustmentReason.LOST,
        actor=manager_a,
    )
    lines = {line.product: line for line in stocktake.lines.all()}
    assert (lines[sim].expected, lines[sim].counted, lines[sim].difference) == (10, 8, -2)
    assert lines[accessory].difference == 0
    adjustment = StockMovement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert (adjustment.quantity, adjustment.reason, adjustment.stocktake) == (
        -2,
        AdjustmentReason.LOST,
        stocktake,
    )
    assert CountedStock.objects.get(site=site_a, product=sim).quantity == 8
    assert_ledger_matches(site_a)


def test_a_sale_made_while_counting_is_not_undone(site_a, sim, manager_a):
    services.counted_stock_receive(site=site_a, product=sim, quantity=5, actor=manager_a)
    shown = selectors.stock_levels(site_a)[sim.pk].on_hand  # the page shows 5
    services.counted_stock_remove_for_sale(
        site=site_a, quantities={sim: 1}, actor=manager_a, reference="sales.sale:1"
    )
    with pytest.raises(StockError, match="Le stock a changé pendant le comptage : recomptez."):
        services.stocktake_record(
            site=site_a, counts={sim: 5}, expected={sim: shown}, actor=manager_a
        )
    assert CountedStock.objects.get(site=site_a, product=sim).quantity == 4
    assert not StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()
    assert_ledger_matches(site_a)


def test_low_stock_alerts_follow_thresholds(site_a, site_b, topup, sim, manager_a):
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    services.counted_stock_receive(site=site_a, product=sim, quantity=10, actor=manager_a)
    services.threshold_set(site=site_a, product=topup, minimum=5, actor=manager_a)
    services.threshold_set(site=site_a, product=sim, minimum=5, actor=manager_a)
    services.threshold_set(site=site_b, product=sim, minimum=5, actor=manager_a)
    assert [row.product for row in selectors.low_stock_alerts(site_a)] == [topup]
    assert [row.product for row in selectors.low_stock_alerts(site_b)] == [sim]
    services.threshold_set(site=site_a, product=topup, minimum=0, actor=manager_a)
    assert selectors.low_stock_alerts(site_a) == []


def test_the_ledger_always_equals_the_stock(site_a, site_b, topup, phone, sim, manager_a):
    """A day of mixed movements at two sites: each site's stock equals its ledger throughout."""
    receive_vouchers(site_a, topup, 6, actor=manager_a)
    phones = [receive_phone(site_a, phone, actor=manager_a) for _ in range(3)]
    services.counted_stock_receive(site=site_a, product=sim, quantity=20, actor=manager_a)
    assert_ledger_matches(site_a, site_b)
    vouchers = services.vouchers_take_for_sale(
        site=site_a, product=topup, quantity=2, actor=manager_a, reference="s1"
    )
    services.devices_take_for_sale(
        site=site_a, device_codes=[phones[0].imei], actor=manager_a, reference="s1"
    )
    services.counted_stock_remove_for_sale(
        site=site_a, quantities={sim: 2}, actor=manager_a, reference="s1"
    )
    assert_ledger_matches(site_a, site_b)
    transfer = services.transfer_send(
        from_site=site_a,
        to_site=site_b,
        items=[
            TransferItem(topup, 2),
            TransferItem(sim, 5),
            TransferItem(phone, device_codes=[phones[1].imei]),
        ],
        actor=manager_a,
    )
    assert_ledger_matches(site_a, site_b)
    services.transfer_receive(transfer=transfer, actor=manager_a)
    services.vouchers_void_for_refund(vouchers=[vouchers[0]], actor=manager_a, reference="r1")
    services.devices_return_for_refund(
        devices=[phones[0]], site=site_b, actor=manager_a, reference="r1"
    )
    services.stocktake_record(site=site_b, counts={sim: 4}, expected={sim: 5}, actor=manager_a)
    services.device_change_status(device=phones[2], status=DeviceStatus.SCRAPPED, actor=manager_a)
    assert_ledger_matches(site_a, site_b)
    assert selectors.ledger_balances(site_a) == {topup.pk: 2, phone.pk: 0, sim.pk: 13}
    assert selectors.ledger_balances(site_b) == {topup.pk: 2, phone.pk: 2, sim.pk: 4}
