"""An operator's voucher file: read, checked line by line, and imported all or nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalogue import selectors, services
from catalogue.enums import MovementKind, VoucherStatus
from catalogue.models import StockMovement, Voucher, VoucherBatch
from catalogue.services import StockError, VoucherImportError
from tests.catalogue.factories import ProductFactory, receive_vouchers, voucher_csv

TODAY = timezone.localdate()


@pytest.fixture
def topup(db):
    return ProductFactory(name="Recharge SFR 15 €")


@pytest.fixture
def phone(db):
    return ProductFactory(phone=True)


def test_voucher_import_receives_the_batch(site_a, topup, manager_a):
    batch = receive_vouchers(site_a, topup, 3, actor=manager_a)
    assert batch.quantity == 3
    assert Voucher.objects.filter(site=site_a, status=VoucherStatus.IN_STOCK).count() == 3
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.quantity, movement.batch) == (MovementKind.RECEPTION, 3, batch)
    assert selectors.available_quantity(site_a, topup) == 3
    assert selectors.ledger_discrepancies(site_a) == {}


def test_voucher_import_accepts_french_headers_and_commas(site_a, topup, manager_a):
    content = b"numero_serie,code_pin,date_expiration\nAB1234,98765432,2099-01-31\n"
    services.vouchers_import(site=site_a, product=topup, content=content, actor=manager_a)
    assert Voucher.objects.get().serial == "AB1234"


def _import_errors(site, product, actor, content):
    with pytest.raises(VoucherImportError) as caught:
        services.vouchers_import(site=site, product=product, content=content, actor=actor)
    assert not Voucher.objects.filter(batch__site=site, batch__filename="bad.csv").exists()
    return caught.value.errors


def test_voucher_import_refuses_a_wrong_header(site_a, topup, manager_a):
    errors = _import_errors(site_a, topup, manager_a, b"code;pin;date\nA1234;1234;01/01/2099\n")
    assert errors[0][0] == 1
    assert "serial;pin;expiry" in errors[0][1]
    assert not Voucher.objects.exists()


def test_voucher_import_lists_every_bad_line_and_imports_nothing(site_a, topup, manager_a):
    receive_vouchers(site_a, topup, 1, actor=manager_a, prefix="OLD")
    past = (TODAY - timedelta(days=1)).strftime("%d/%m/%Y")
    content = "\n".join(
        [
            "serial;pin;expiry",
            "GOOD0001;11112222;31/12/2099",  # 2: fine
            "BAD0002;22223333",  # 3: malformed
            "OLD00000000;33334444;31/12/2099",  # 4: serial already known
            "EXP00004;44445555;" + past,  # 5: expired
            "NODATE05;55556666;demain",  # 6: unreadable date
            "GOOD0001;66667777;31/12/2099",  # 7: duplicate in the file
        ]
    ).encode()
    errors = _import_errors(site_a, topup, manager_a, content)
    assert [line for line, _reason in errors] == [3, 4, 5, 6, 7]
    reasons = dict(errors)
    assert "3 colonnes attendues" in reasons[3]
    assert "OLD00000000" in reasons[4] and "déjà connu" in reasons[4]
    assert "expiré" in reasons[5]
    assert "illisible" in reasons[6]
    assert "ligne 2" in reasons[7]
    assert Voucher.objects.count() == 1
    assert VoucherBatch.objects.count() == 1
    assert selectors.ledger_discrepancies(site_a) == {}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("AB-1234;11112222;31/12/2099", "numéro de série"),
        ("ABÉ1234;11112222;31/12/2099", "numéro de série"),
        ("AB１２３４;11112222;31/12/2099", "numéro de série"),
        ("AB\x001234;11112222;31/12/2099", "numéro de série"),
        ("AB1234;1111-2222;31/12/2099", "code PIN"),
        ("AB1234;١١١٢٢٢٢;31/12/2099", "code PIN"),
        ("AB1234;11112222;31/12/9999", "années 1900 à 2199"),
        ("AB1234;11112222;2200-01-01", "années 1900 à 2199"),
    ],
)
def test_voucher_import_takes_ascii_codes_and_expiries_up_to_2199(
    site_a, topup, manager_a, row, reason
):
    errors = _import_errors(site_a, topup, manager_a, f"serial;pin;expiry\n{row}\n".encode())
    assert [line for line, _reason in errors] == [2]
    assert reason in errors[0][1]
    assert not Voucher.objects.exists()


def test_voucher_import_never_shows_a_pin_when_the_header_is_missing(site_a, topup, manager_a):
    errors = _import_errors(site_a, topup, manager_a, b"SN000001;98765432;31/12/2099\n")
    assert errors == [(1, "L'en-tête doit être « serial;pin;expiry ».")]


def test_voucher_import_never_shows_a_pin_from_a_shifted_column(site_a, topup, manager_a):
    content = b"serial;pin;expiry\nSN000001;31/12/2099;98765432\n"
    errors = _import_errors(site_a, topup, manager_a, content)
    assert {line for line, _reason in errors} == {2}
    assert not any("98765432" in reason for _line, reason in errors)
    assert "date d'expiration illisible (attendu : JJ/MM/AAAA)" in dict(errors).values()


def test_voucher_import_reports_an_oversized_field_as_a_line_error(site_a, topup, manager_a):
    content = b"serial;pin;expiry\nSN000001;12345678;31/12/2099\nSN2;" + b"9" * 200_000 + b";x\n"
    errors = _import_errors(site_a, topup, manager_a, content)
    assert errors == [
        (3, "Cette ligne n'est pas du CSV lisible (champ trop long ou guillemet mal fermé).")
    ]
    assert not Voucher.objects.exists()


def test_voucher_import_refuses_a_known_pin_without_showing_it(site_a, topup, manager_a):
    receive_vouchers(site_a, topup, 1, actor=manager_a, prefix="X")
    pin = Voucher.objects.get().pin
    content = f"serial;pin;expiry\nNEW00001;{pin};31/12/2099\n".encode()
    errors = _import_errors(site_a, topup, manager_a, content)
    assert errors[0][0] == 2
    assert pin not in errors[0][1]


def test_voucher_import_refuses_an_empty_file(site_a, topup, manager_a):
    assert _import_errors(site_a, topup, manager_a, b"")[0][0] == 1
    assert _import_errors(site_a, topup, manager_a, b"serial;pin;expiry\n")[0][0] == 2


def test_voucher_import_refuses_a_device_product(site_a, phone, manager_a):
    with pytest.raises(StockError):
        services.vouchers_import(
            site=site_a, product=phone, content=voucher_csv(1), actor=manager_a
        )
