"""The catalogue's models, by area: products and prices, stock held at a site, and stock moves
(transfers, stocktakes, the ledger)."""

from catalogue.models.moves import (
    StockMovement,
    StockMovementQuerySet,
    Stocktake,
    StocktakeLine,
    Transfer,
    TransferLine,
    TransferQuerySet,
)
from catalogue.models.products import (
    MONEY,
    Operator,
    Product,
    ProductPrice,
    ProductQuerySet,
    PurchaseLimit,
)
from catalogue.models.scans import DeviceStatusChange, ScanCount, ScannedUnit
from catalogue.models.stock import (
    CountedStock,
    Device,
    SiteStockQuerySet,
    StockThreshold,
    Voucher,
    VoucherBatch,
    mask_pin,
)

__all__ = [
    "MONEY",
    "CountedStock",
    "Device",
    "DeviceStatusChange",
    "Operator",
    "Product",
    "ProductPrice",
    "ProductQuerySet",
    "PurchaseLimit",
    "ScanCount",
    "ScannedUnit",
    "SiteStockQuerySet",
    "StockMovement",
    "StockMovementQuerySet",
    "StockThreshold",
    "Stocktake",
    "StocktakeLine",
    "Transfer",
    "TransferLine",
    "TransferQuerySet",
    "Voucher",
    "VoucherBatch",
    "mask_pin",
]
