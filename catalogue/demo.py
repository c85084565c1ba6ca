"""Demo catalogue and stock at every site, created through the services (idempotent)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalogue import services
from catalogue.enums import (
    Acquisition,
    AdjustmentReason,
    DeviceGrade,
    DeviceStatus,
    ProductKind,
    Tracking,
)
from catalogue.models import (
    CountedStock,
    Device,
    Operator,
    Product,
    PurchaseLimit,
    ScanCount,
    StockThreshold,
    Transfer,
    VoucherBatch,
)
from catalogue.services import TransferItem
from connexions.codes import luhn_check_digit
from connexions.demo import SITES
from connexions.enums import PartnerKind
from connexions.models import Partner, ReceptionSite, User

OPERATORS = [
    ("SFR", "https://www.sfr.fr"),
    ("Orange", "https://www.orange.fr"),
    ("Bouygues Telecom", "https://www.bouyguestelecom.fr"),
]

D = Decimal
# name, kind, operator, description, face value, solidarity price, reference price, validity,
# warranty, (vouchers, devices or items per site), alert threshold
PRODUCTS = [
    (
        "Recharge mobile SFR 15 €",
        ProductKind.MOBILE_TOPUP,
        "SFR",
        "15 € de crédit d'appels et SMS",
        D("15.00"),
        D("2.50"),
        None,
        30,
        None,
        40,
        10,
    ),
    (
        "Recharge mobile Orange 10 €",
        ProductKind.MOBILE_TOPUP,
        "Orange",
        "10 € de crédit Mobicarte",
        D("10.00"),
        D("2.00"),
        None,
        30,
        None,
        20,
        5,
    ),
    (
        "Recharge data SFR 500 Mo",
        ProductKind.DATA_TOPUP,
        "SFR",
        "500 Mo d'internet mobile",
        D("5.00"),
        D("1.50"),
        None,
        30,
        None,
        30,
        10,
    ),
    (
        "Recharge data Bouygues Telecom 2 Go",
        ProductKind.DATA_TOPUP,
        "Bouygues Telecom",
        "2 Go d'internet mobile",
        D("10.00"),
        D("3.00"),
        None,
        30,
        None,
        15,
        5,
    ),
    (
        "Recharge box 4G Orange 30 jours",
        ProductKind.INTERNET_TOPUP,
        "Orange",
        "Internet à domicile pendant 30 jours",
        D("25.00"),
        D("5.00"),
        None,
        30,
        None,
        8,
        2,
    ),
    (
        "Carte SIM prépayée SFR",
        ProductKind.SIM_CARD,
        "SFR",
        "",
        None,
        D("1.00"),
        D("10.00"),
        None,
        None,
        25,
        5,
    ),
    (
        "Carte SIM prépayée Orange",
        ProductKind.SIM_CARD,
        "Orange",
        "",
        None,
        D("1.00"),
        D("9.90"),
        None,
        None,
        15,
        5,
    ),
    (
        "Smartphone Samsung Galaxy A52 reconditionné (128 Go)",
        ProductKind.PHONE,
        None,
        "Écran 6,5 pouces, chargeur fourni",
        None,
        D("59.00"),
        D("229.00"),
        None,
        12,
        6,
        1,
    ),
    (
        "iPhone SE 2020 reconditionné (64 Go)",
        ProductKind.PHONE,
        None,
        "Chargeur fourni",
        None,
        D("79.00"),
        D("199.00"),
        None,
        12,
        2,
        1,
    ),
    (
        "Ordinateur portable Lenovo ThinkPad T480 reconditionné",
        ProductKind.COMPUTER,
        None,
        "14 pouces, 8 Go de mémoire, Linux Mint ou Windows 10",
        None,
        D("99.00"),
        D("349.00"),
        None,
        12,
        2,
        1,
    ),
    (
        "Tablette Samsung Galaxy Tab A 10.1 reconditionnée",
        ProductKind.TABLET,
        None,
        "",
        None,
        D("49.00"),
        D("159.00"),
        None,
        6,
        1,
        None,
    ),
    (
        "Chargeur USB-C 20 W",
        ProductKind.ACCESSORY,
        None,
        "",
        None,
        D("3.00"),
        D("15.00"),
        None,
        None,
        10,
        3,
    ),
    (
        "Coque de protection smartphone",
        ProductKind.ACCESSORY,
        None,
        "",
        None,
        D("1.00"),
        D("12.00"),
        None,
        None,
        15,
        None,
    ),
]

# kind, per person, rolling window in days
LIMITS = [
    (ProductKind.MOBILE_TOPUP, 4, 30),
    (ProductKind.DATA_TOPUP, 4, 30),
    (ProductKind.INTERNET_TOPUP, 1, 30),
    (ProductKind.PHONE, 1, 730),
    (ProductKind.COMPUTER, 1, 730),
    (ProductKind.TABLET, 1, 730),
]

REFURBISHERS = ["Ateliers du Bocage", "Envie Autonomie", "Emmaüs Connect Reconditionnement"]
DONOR = "Fondation Numérique Solidaire"


def seed():
    admin = User.objects.get(email="admin@demo.connexions.fr")
    operators = {}
    for name, website in OPERATORS:
        operators[name], _ = Operator.objects.update_or_create(
            name=name, defaults={"website": website, "is_active": True}
        )
    products = []
    for (
        name,
        kind,
        operator,
        description,
        face,
        price,
        reference,
        validity,
        warranty,
        per_site,
        minimum,
    ) in PRODUCTS:
        fields = {
            "kind": kind,
            "operator": operators.get(operator),
            "description": description,
            "face_value": face,
            "solidarity_price": price,
            "reference_price": reference,
            "validity_days": validity,
            "warranty_months": warranty,
            "is_active": True,
        }
        product = Product.objects.filter(name=name).first() or Product(name=name)
        if product.pk is None or any(getattr(product, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(product, key, value)
            services.product_save(product=product, actor=admin)
        products.append((product, per_site, minimum))
    for kind, max_count, window_days in LIMITS:
        PurchaseLimit.objects.update_or_create(
            kind=kind,
            product=None,
            defaults={"max_count": max_count, "window_days": window_days, "is_active": True},
        )
    sites = [ReceptionSite.objects.get(name=site[0]) for site in SITES]
    donor, _ = Partner.objects.get_or_create(name=DONOR, defaults={"kind": PartnerKind.FOUNDATION})
    for site_index, site in enumerate(sites):
        for product_index, (product, per_site, minimum) in enumerate(products):
            _stock(site, site_index, product, product_index, per_site, admin, donor)
            if (
                minimum
                and not StockThreshold.objects.filter(
                    site=site, product=product, minimum=minimum
                ).exists()
            ):
                services.threshold_set(site=site, product=product, minimum=minimum, actor=admin)
    manager = User.objects.filter(email="responsable@demo.connexions.fr").first() or admin
    _device_lives(sites[0], manager)
    _transfer_on_its_way(sites[1], sites[0], admin)


def _stock(site, site_index, product, product_index, quantity, actor, donor):
    if product.tracking == Tracking.VOUCHER:
        filename = f"demo-{site_index}-{product_index}.csv"
        if not VoucherBatch.objects.filter(site=site, filename=filename).exists():
            # The first top-up's vouchers are the operator's gift; the others are bought.
            operator = None
            if product_index == 0 and product.operator_id:
                operator, _ = Partner.objects.get_or_create(
                    name=product.operator.name, defaults={"kind": PartnerKind.OPERATOR}
                )
            services.vouchers_import(
                site=site,
                product=product,
                content=_voucher_file(site_index, product_index, quantity),
                filename=filename,
                acquisition=Acquisition.DONATION if operator else Acquisition.PURCHASE,
                donor=operator,
                actor=actor,
            )
    elif product.tracking == Tracking.COUNTED:
        if not CountedStock.objects.filter(site=site, product=product).exists():
            services.counted_stock_receive(
                site=site, product=product, quantity=quantity, actor=actor
            )
    else:
        for n in range(quantity):
            code = _demo_code(product, site_index, product_index, n)
            if (
                not Device.objects.filter(imei=code).exists()
                and not Device.objects.filter(serial=code).exists()
            ):
                refurbisher = REFURBISHERS[(site_index + n) % len(REFURBISHERS)]
                donated = n % 3 == 2
                services.device_receive(
                    site=site,
                    product=product,
                    code=code,
                    grade=[DeviceGrade.A, DeviceGrade.B, DeviceGrade.C][n % 3],
                    refurbisher=refurbisher,
                    wipe_certificate=f"CERT-{2026_000 + site_index * 100 + product_index * 10 + n}",
                    received_from=DONOR if donated else refurbisher,
                    acquisition=Acquisition.DONATION if donated else Acquisition.PURCHASE,
                    donor=donor if donated else None,
                    value=(product.solidarity_price * (2 if donated else 1)).quantize(D("1")),
                    actor=actor,
                )


def _demo_code(product, site_index, product_index, n) -> str:
    if product.kind == ProductKind.PHONE:
        body = f"3569{site_index:02d}{product_index:02d}{n:06d}"  # 14 digits, Luhn digit added
        return body + luhn_check_digit(body)
    return f"PF{site_index}{product_index:02d}D{n:04d}"


def _voucher_file(site_index, product_index, quantity) -> bytes:
    # Two batches' worth of expiries: the earliest are sold first.
    today = timezone.localdate()
    lines = ["serial;pin;expiry"]
    for n in range(quantity):
        expiry = today + timedelta(days=180 if n % 2 else 365)
        serial = f"DM{site_index}{product_index:02d}{n:05d}"
        pin = f"{(site_index * 7919 + product_index * 104729 + n * 15485863) % 10**12:012d}"
        lines.append(f"{serial};{pin};{expiry:%d/%m/%Y}")
    return ("\n".join(lines) + "\n").encode()


def _device_lives(site, actor):
    """At the demo manager's site: a phone sent to repair and back, another still at the
    repairer, a stocktake by scanning that found one phone stolen, and a count in progress."""
    if ScanCount.objects.filter(site=site).exists():
        return
    phones = list(
        Device.objects.filter(
            site=site, status=DeviceStatus.IN_STOCK, product__kind=ProductKind.PHONE
        ).order_by("id")[:3]
    )
    if len(phones) < 3:
        return
    repaired, at_repairer, stolen = phones
    services.device_change_status(
        device=repaired,
        status=DeviceStatus.IN_REPAIR,
        note="Écran fissuré — Répar'Tel, Paris 19e",
        actor=actor,
    )
    services.device_change_status(
        device=repaired, status=DeviceStatus.IN_STOCK, note="Écran remplacé", actor=actor
    )
    services.device_change_status(
        device=at_repairer,
        status=DeviceStatus.IN_REPAIR,
        note="Batterie à remplacer — Envie Autonomie",
        actor=actor,
    )
    count = services.scan_count_start(site=site, actor=actor)
    for unit in services.scan_count_state(count).expected:
        if unit != stolen:
            services.scan_count_scan(count=count, code=unit.code, actor=actor)
    services.scan_count_confirm(
        count=count, reasons={services.unit_key(stolen): AdjustmentReason.STOLEN}, actor=actor
    )
    count = services.scan_count_start(site=site, actor=actor)
    for unit in services.scan_count_state(count).expected[:5]:
        services.scan_count_scan(count=count, code=unit.code, actor=actor)


def _transfer_on_its_way(from_site, to_site, actor):
    """Phones and SIM cards sent at once from one site to the demo manager's, not yet received."""
    if Transfer.objects.filter(from_site=from_site, to_site=to_site).exists():
        return
    phones = Device.objects.filter(
        site=from_site, status=DeviceStatus.IN_STOCK, product__kind=ProductKind.PHONE
    ).order_by("id")[:2]
    sim = Product.objects.filter(kind=ProductKind.SIM_CARD, is_active=True).order_by("id").first()
    items = [TransferItem(None, device_codes=[phone.code for phone in phones])]
    if sim is not None and CountedStock.objects.filter(site=from_site, product=sim).exists():
        items.append(TransferItem(sim, quantity=5))
    services.transfer_send(from_site=from_site, to_site=to_site, items=items, actor=actor)
