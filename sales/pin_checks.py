"""How a refunded top-up's PIN is known to be unused.

The counsellor attests it (checked on the operator's service, or the scratch panel intact). An
operator that offers a balance check can register one here, by operator id, from an app's
`AppConfig.ready`: it answers True (unused), False (used) or None (could not tell). None is
registered today; the refund records which check was made (`PinCheck`), hashed with it."""

from collections.abc import Callable

from sales.enums import PinCheck

PinChecker = Callable[[object], bool | None]  # a Voucher -> unused?
_checkers: dict[int, PinChecker] = {}


def register_pin_checker(operator_id: int, check: PinChecker) -> None:
    _checkers[operator_id] = check


def unregister_pin_checker(operator_id: int) -> None:
    _checkers.pop(operator_id, None)


def check_vouchers(vouchers, *, attested: bool) -> tuple[str, list]:
    """(the `PinCheck` to record, the vouchers an operator says were used). With no voucher,
    nothing is checked; the operator's answer wins when every voucher got one; otherwise the
    counsellor's attestation is needed (an empty check means it is missing)."""
    if not vouchers:
        return PinCheck.NONE, []
    answers = {}
    for voucher in vouchers:
        checker = _checkers.get(voucher.product.operator_id)
        answers[voucher] = checker(voucher) if checker else None
    used = [voucher for voucher, unused in answers.items() if unused is False]
    if all(unused is True for unused in answers.values()):
        return PinCheck.OPERATOR, used
    return (PinCheck.ATTESTED if attested else PinCheck.NONE), used
