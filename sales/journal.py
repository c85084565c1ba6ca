"""Each site's tamper-evident journal: sales and refunds are numbered entries whose hash covers
their content and the previous entry's hash, so changing or removing one breaks the chain.

What a refund hashes has versions, kept on the entry (`hash_version`), so entries written before
a change still verify:
- 1: one refund method and the amount (`Refund.method`), the sale's id;
- 2: the split by payment source (`RefundPayment`: method, amount, agency), the sale's id, the
  reason (a choice, never free text: the note lives outside the hash) and the PIN check.
Sales are at version 1. Hashed content holds no free text: payment references follow an
identifier pattern (`sales.forms.REFERENCE_PATTERN`)."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import Prefetch

from sales.enums import JournalKind


def _money(value) -> str:
    return f"{Decimal(value):.2f}"


def entry_hash(
    *,
    kind: str,
    site_id: int,
    number: int,
    at: datetime,
    beneficiary_id: int,
    lines: list,
    payments: list,
    total,
    previous_hash: str,
    extra: dict | None = None,
) -> str:
    """SHA-256 over a canonical JSON of the entry (computed before the insert, and again by
    `verify_journal` from the stored rows). `extra` holds a later version's added facts."""
    payload = {
        **(extra or {}),
        "kind": kind,
        "site": site_id,
        "number": number,
        "at": at.astimezone(UTC).isoformat(),
        "beneficiary": beneficiary_id,
        "lines": lines,
        "payments": payments,
        "total": _money(total),
        "previous": previous_hash,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def sale_line_fact(line) -> list:
    return [
        line.product_id,
        line.quantity,
        _money(line.unit_price),
        _money(line.reference_price),
        None if line.face_value is None else _money(line.face_value),
        line.voucher_id,
        line.device_id,
    ]


def payment_fact(payment) -> list:
    return [payment.method, _money(payment.amount), payment.reference, payment.agency_id]


def refund_line_fact(line) -> list:
    return [line.sale_line_id, line.quantity, _money(line.amount)]


def sale_hash(sale, lines, payments) -> str:
    return entry_hash(
        kind=JournalKind.SALE,
        site_id=sale.site_id,
        number=sale.journal_number,
        at=sale.at,
        beneficiary_id=sale.beneficiary_id,
        lines=[sale_line_fact(line) for line in lines],
        payments=[payment_fact(p) for p in payments],
        total=sale.total,
        previous_hash=sale.previous_hash,
    )


REFUND_HASH_VERSION = 2


def refund_payment_fact(payment) -> list:
    return [payment.method, _money(payment.amount), payment.agency_id]


def refund_hash(refund, lines, payments, beneficiary_id) -> str:
    """The refund's hash at its own `hash_version`."""
    common = {
        "kind": JournalKind.REFUND,
        "site_id": refund.site_id,
        "number": refund.journal_number,
        "at": refund.at,
        "beneficiary_id": beneficiary_id,
        "lines": [refund_line_fact(line) for line in lines],
        "total": refund.amount,
        "previous_hash": refund.previous_hash,
    }
    if refund.hash_version == 1:
        return entry_hash(
            **common, payments=[[refund.method, _money(refund.amount), refund.sale_id]]
        )
    if refund.hash_version == 2:
        return entry_hash(
            **common,
            payments=[refund_payment_fact(p) for p in payments],
            extra={
                "version": 2,
                "sale": refund.sale_id,
                "reason": refund.reason,
                "pin_check": refund.pin_check,
            },
        )
    raise ValueError(f"unknown refund hash version {refund.hash_version}")


@dataclass(frozen=True)
class BrokenLink:
    site_id: int
    number: int
    reason: str


def verify_site_journal(site, *, batch_size: int = 500) -> BrokenLink | None:
    """The first broken link of `site`'s journal, or None if every entry is intact: numbers
    follow each other from 1, each entry's stored hash matches its content, each entry names
    the previous entry's hash, and the head holds the last one."""
    from sales.models import (
        JournalHead,
        Payment,
        Refund,
        RefundLine,
        RefundPayment,
        Sale,
        SaleLine,
    )

    sales = (
        Sale.objects.filter(site=site)
        .order_by("journal_number")
        .prefetch_related(
            Prefetch("lines", SaleLine.objects.order_by("id")),
            Prefetch("payments", Payment.objects.order_by("id")),
        )
    )
    refunds = (
        Refund.objects.filter(site=site)
        .select_related("sale")
        .order_by("journal_number")
        .prefetch_related(
            Prefetch("lines", RefundLine.objects.order_by("id")),
            Prefetch("payments", RefundPayment.objects.order_by("id")),
        )
    )
    entries = sorted(
        [*sales.iterator(chunk_size=batch_size), *refunds.iterator(chunk_size=batch_size)],
        key=lambda e: e.journal_number,
    )
    previous = ""
    for expected_number, entry in enumerate(entries, start=1):
        if entry.journal_number != expected_number:
            return BrokenLink(site.pk, expected_number, "missing or duplicated entry")
        if entry.previous_hash != previous:
            return BrokenLink(site.pk, entry.journal_number, "previous hash does not match")
        if isinstance(entry, Sale):
            recomputed = sale_hash(entry, entry.lines.all(), entry.payments.all())
        else:
            recomputed = refund_hash(
                entry, entry.lines.all(), entry.payments.all(), entry.sale.beneficiary_id
            )
        if recomputed != entry.hash:
            return BrokenLink(site.pk, entry.journal_number, "content does not match its hash")
        previous = entry.hash
    head = JournalHead.objects.filter(site=site).first()
    last = len(entries)
    if head is None:
        return BrokenLink(site.pk, 1, "journal head missing") if entries else None
    if head.last_number != last or head.last_hash != previous:
        return BrokenLink(site.pk, last + 1, "journal head does not match the last entry")
    return None
