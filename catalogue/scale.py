"""Large data set (`seed_scale`): the demo catalogue, and a ledger for counted stock that the
till's bulk sales move, so each site's stock still equals the sum of its ledger; for the
programme-scale demo, top-ups received by batch and sold (`VoucherSupply`) and refurbished
phones received and sold (`DeviceSupply`)."""

from collections import defaultdict, deque
from datetime import timedelta

from django.db.models import F

from catalogue import demo
from catalogue.enums import (
    DeviceGrade,
    DeviceStatus,
    MovementKind,
    ProductKind,
    Tracking,
    VoucherStatus,
)
from catalogue.models import (
    CountedStock,
    Device,
    Product,
    StockMovement,
    Voucher,
    VoucherBatch,
)
from connexions.bulk import BulkWriter, ScalePlan, instance
from connexions.codes import luhn_check_digit

RECEPTION_SIZE = 500  # units received at once when a site runs short


def seed(plan: ScalePlan, writer: BulkWriter) -> None:
    demo.seed()
    plan.shared["counted_products"] = [
        p for p in Product.objects.active().order_by("pk") if p.tracking == Tracking.COUNTED
    ]


class CountedLedger:
    """Ledger rows of counted items written in bulk: every unit out (a sale) or back in (a
    refund) is a movement, a reception comes first whenever a site would run short, and
    `finish` adds the net change to each site's counted-stock row."""

    def __init__(self, writer: BulkWriter, *, receiver_by_site: dict[int, int]):
        self.writer = writer
        self.receiver_by_site = receiver_by_site
        self.on_hand = {
            (row.site_id, row.product_id): row.quantity for row in CountedStock.objects.all()
        }
        self.change: dict[tuple[int, int], int] = defaultdict(int)

    def move(self, *, site_id, product_id, quantity: int, kind, at, actor_id, reference) -> None:
        key = (site_id, product_id)
        if self.on_hand.get(key, 0) + quantity < 0:
            received = RECEPTION_SIZE - quantity
            self._add(key, received, MovementKind.RECEPTION, at, self.receiver_by_site[site_id], "")
        self._add(key, quantity, kind, at, actor_id, reference)

    def _add(self, key, quantity, kind, at, actor_id, reference) -> None:
        site_id, product_id = key
        self.on_hand[key] = self.on_hand.get(key, 0) + quantity
        self.change[key] += quantity
        self.writer.add(
            instance(
                StockMovement,
                at=at,
                site_id=site_id,
                product_id=product_id,
                kind=kind,
                quantity=quantity,
                actor_id=actor_id,
                reference=reference,
            )
        )

    def finish(self) -> None:
        self.writer.flush()
        for (site_id, product_id), quantity in self.change.items():
            row, _ = CountedStock.objects.get_or_create(site_id=site_id, product_id=product_id)
            CountedStock.objects.filter(pk=row.pk).update(quantity=F("quantity") + quantity)
        self.change.clear()


class DeviceSupply:
    """Refurbished phones sold in bulk (the programme-scale demo): each one received at the
    site a few weeks before its sale and sold, a ledger row for each, so the site's stock
    still equals its ledger."""

    def __init__(self, writer: BulkWriter):
        self.writer = writer
        self.ids = writer.ids(Device)
        self.phones = [
            p for p in Product.objects.active().order_by("pk") if p.kind == ProductKind.PHONE
        ]

    def sell(self, *, product, site_id, sold_at, receiver_id, seller_id, reference) -> int:
        """Writes the unit and its two ledger rows; returns the unit's id for the sale line."""
        pk = next(self.ids)
        body = f"35{pk:012d}"
        received_at = sold_at - timedelta(days=21)
        self.writer.add(
            instance(
                Device,
                pk=pk,
                product_id=product.pk,
                site_id=site_id,
                imei=body + luhn_check_digit(body),
                grade=DeviceGrade.A if pk % 3 else DeviceGrade.B,
                refurbisher="Atelier de reconditionnement",
                status=DeviceStatus.SOLD,
                received_at=received_at,
                sale_reference=reference,
            )
        )
        for at, kind, quantity, actor, ref in (
            (received_at, MovementKind.RECEPTION, 1, receiver_id, ""),
            (sold_at, MovementKind.SALE, -1, seller_id, reference),
        ):
            self.writer.add(
                instance(
                    StockMovement,
                    at=at,
                    site_id=site_id,
                    product_id=product.pk,
                    kind=kind,
                    quantity=quantity,
                    actor_id=actor,
                    reference=ref,
                    device_id=pk,
                )
            )
        return pk


class VoucherSupply:
    """Top-ups sold in bulk (the programme-scale demo): a site receives a batch of a top-up
    product whenever it has sold the last one (a reception ledger row for the batch), each
    voucher sold leaves with its own ledger row, and `finish` writes the vouchers still in
    stock, so the site's stock still equals its ledger."""

    BATCH_SIZE = 200
    VALID_DAYS = 540

    def __init__(self, writer: BulkWriter, *, receiver_by_site: dict[int, int]):
        self.writer = writer
        self.receiver_by_site = receiver_by_site
        self.batch_ids = writer.ids(VoucherBatch, chunk=1_000)
        self.voucher_ids = writer.ids(Voucher)
        self.topups = [
            p for p in Product.objects.active().order_by("pk") if p.tracking == Tracking.VOUCHER
        ]
        self.shelves: dict[tuple[int, int], deque] = defaultdict(deque)

    def sell(self, *, product, site_id, at, seller_id, reference) -> int:
        """The site's next voucher of `product`, sold; returns its id for the sale line."""
        shelf = self.shelves[(site_id, product.pk)]
        if not shelf:
            self._receive(shelf, product, site_id, at)
        voucher = shelf.popleft()
        voucher.status = VoucherStatus.SOLD
        voucher.sale_reference = reference
        self.writer.add(voucher)
        self.writer.add(
            instance(
                StockMovement,
                at=at,
                site_id=site_id,
                product_id=product.pk,
                kind=MovementKind.SALE,
                quantity=-1,
                actor_id=seller_id,
                reference=reference,
                voucher_id=voucher.pk,
            )
        )
        return voucher.pk

    def _receive(self, shelf, product, site_id, at) -> None:
        received_at = at - timedelta(days=1)
        receiver = self.receiver_by_site[site_id]
        batch = instance(
            VoucherBatch,
            pk=next(self.batch_ids),
            site_id=site_id,
            product_id=product.pk,
            filename=f"recharges-{received_at:%Y%m%d}.csv",
            quantity=self.BATCH_SIZE,
            imported_by_id=receiver,
            imported_at=received_at,
        )
        self.writer.add(batch)
        self.writer.add(
            instance(
                StockMovement,
                at=received_at,
                site_id=site_id,
                product_id=product.pk,
                kind=MovementKind.RECEPTION,
                quantity=self.BATCH_SIZE,
                actor_id=receiver,
                batch_id=batch.pk,
            )
        )
        expires_on = received_at.date() + timedelta(days=self.VALID_DAYS)
        for _ in range(self.BATCH_SIZE):
            pk = next(self.voucher_ids)
            shelf.append(
                instance(
                    Voucher,
                    pk=pk,
                    product_id=product.pk,
                    site_id=site_id,
                    batch_id=batch.pk,
                    serial=f"SD{pk:012d}",
                    pin=f"{pk:010d}{(pk * 7919) % 100:02d}",
                    expires_on=expires_on,
                    status=VoucherStatus.IN_STOCK,
                )
            )

    def finish(self) -> None:
        """The vouchers left on the shelves, in stock."""
        for shelf in self.shelves.values():
            self.writer.add_all(shelf)
            shelf.clear()
        self.writer.flush()
