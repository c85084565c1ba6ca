"""What the till holds about a person, for the privacy registry (beneficiaries/privacy.py).

Sales and refunds are append-only journal entries whose hash covers the beneficiary's id only:
an anonymised person's sales stay linked to their (anonymised) file, counted in every figure and
in their purchase limits, and are never deleted (PROTECT). They hold no identity to erase.
"""

from beneficiaries.privacy import latest_by_person
from sales.models import Refund, RefundNote, Sale


def last_contact(person_ids: list[int]) -> dict:
    return latest_by_person(
        (Sale.objects.filter(beneficiary__in=person_ids), "beneficiary", "at"),
        (Refund.objects.filter(sale__beneficiary__in=person_ids), "sale__beneficiary", "at"),
    )


def export(beneficiary) -> list[dict]:
    sales = (
        Sale.objects.filter(beneficiary=beneficiary)
        .select_related("site")
        .prefetch_related("lines", "refunds")
        .order_by("at", "id")
    )
    return [
        {
            "receipt": sale.receipt_number,
            "at": sale.at,
            "site": sale.site.name,
            "total": sale.total,
            "lines": [
                {
                    "product": line.product_name,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                }
                for line in sale.lines.all()
            ],
            "refunds": [
                {"receipt": refund.receipt_number, "at": refund.at, "amount": refund.amount}
                for refund in sale.refunds.all()
            ],
        }
        for sale in sales
    ]


def anonymise(beneficiary) -> None:
    """The journal rows hold no identity (see the module's docstring); the free-text notes on
    the person's refunds live outside the hashed rows and are blanked."""
    RefundNote.objects.filter(refund__sale__beneficiary=beneficiary).update(text="")
