"""Every write of the catalogue and of the stock, by area; this package's names are its API.

Entry points a view or a command calls are `@transaction.atomic(durable=True)`. The functions
the till (sales) calls inside its own checkout or refund transaction (`till`) use a plain
`atomic()`. Stock moves only through `movements`, one function for each way units leave or enter
a site; rows are locked through `connexions.locking`, in its order: devices, then vouchers, then
counted-stock rows, each by id.
"""

from catalogue.services.counted import counted_stock_receive, stocktake_record
from catalogue.services.devices import (
    DEVICE_TRANSITIONS,
    device_change_status,
    device_code_parts,
    device_receive,
)
from catalogue.services.errors import (
    OutOfStock,
    StockChangedWhileCounting,
    StockError,
    VoucherImportError,
)
from catalogue.services.products import product_save, refuse_tracking_change, threshold_set
from catalogue.services.scanning import (
    CountState,
    ScanOutcome,
    scan_count_confirm,
    scan_count_scan,
    scan_count_start,
    scan_count_state,
    unit_key,
)
from catalogue.services.till import (
    counted_stock_remove_for_sale,
    counted_stock_return_for_refund,
    devices_return_for_refund,
    devices_take_for_sale,
    vouchers_take_for_sale,
    vouchers_void_for_refund,
)
from catalogue.services.transfers import (
    TransferItem,
    transfer_receive,
    transfer_send,
    transferable_device,
)
from catalogue.services.vouchers import vouchers_import, vouchers_write_off_expired

__all__ = [
    "DEVICE_TRANSITIONS",
    "OutOfStock",
    "CountState",
    "ScanOutcome",
    "StockChangedWhileCounting",
    "StockError",
    "TransferItem",
    "VoucherImportError",
    "counted_stock_receive",
    "counted_stock_remove_for_sale",
    "counted_stock_return_for_refund",
    "device_change_status",
    "device_code_parts",
    "device_receive",
    "devices_return_for_refund",
    "devices_take_for_sale",
    "product_save",
    "refuse_tracking_change",
    "scan_count_confirm",
    "scan_count_scan",
    "scan_count_start",
    "scan_count_state",
    "stocktake_record",
    "threshold_set",
    "transfer_receive",
    "transfer_send",
    "transferable_device",
    "unit_key",
    "vouchers_import",
    "vouchers_take_for_sale",
    "vouchers_void_for_refund",
    "vouchers_write_off_expired",
]
