"""A simulated payment gateway, with a real gateway's idempotency keys.

It behaves by card token: ``tok_ok`` approves, ``tok_declined`` declines, ``tok_flaky`` fails
transiently on the first two calls under an idempotency key and approves on the third, and any
other token declines with a reason naming the test tokens. Declines are answers, not errors;
only transient failures raise (:class:`GatewayTransientError`), and they mean the gateway did
not process the call, so retrying under the same key is safe.

One charge per idempotency key: calling ``charge`` again under a key returns the charge made
the first time (whatever the arguments), so a caller that retries, crashes or races itself
never charges twice. ``refund`` is keyed the same way; refunding a key that has no charge yet
voids it, so a charge still on its way is refused rather than taken after the refund.

The gateway's state stands for the provider's own database: it commits independently of the
caller (callers must not wrap it in their transactions), and the switch that takes it down is a
row, so every process sees an outage at once (``manage.py payments_gateway --down``).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import GatewayCharge, GatewayRequest, GatewaySwitch

TOKEN_OK = "tok_ok"
TOKEN_DECLINED = "tok_declined"
TOKEN_FLAKY = "tok_flaky"
FLAKY_FAILURES = 2

Outcome = GatewayCharge.Outcome
Operation = GatewayRequest.Operation


class GatewayTransientError(Exception):
    """The gateway did not process the call; the same call may succeed if retried."""


class GatewayUnreachable(GatewayTransientError):
    """The gateway is down (its outage switch is on)."""


@dataclass(frozen=True)
class Receipt:
    """The gateway's answer: the charge under a key, as it stands after the call."""

    reference: str
    outcome: str
    decline_reason: str
    refunded_at: datetime | None


class Gateway:
    """The simulated gateway's API: ``charge`` and ``refund``, both keyed by idempotency key."""

    def charge(
        self, *, idempotency_key: str, amount: Decimal, currency: str, token: str
    ) -> Receipt:
        """Charge ``amount`` to the card ``token``, once per key.

        Raises ``GatewayTransientError`` (``GatewayUnreachable`` while down) having done nothing.
        """
        self._reach(idempotency_key, Operation.CHARGE)
        existing = GatewayCharge.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return self._answer(existing, Operation.CHARGE, "replayed")
        if token == TOKEN_FLAKY:
            self._flake(idempotency_key)
        outcome, reason = _judge(token)
        try:
            with transaction.atomic():
                charge = GatewayCharge.objects.create(
                    idempotency_key=idempotency_key,
                    reference=_new_reference(),
                    outcome=outcome,
                    amount=amount,
                    currency=currency,
                    token=token,
                    decline_reason=reason,
                )
        except IntegrityError:
            # A concurrent call under the same key charged first: answer with its charge.
            existing = GatewayCharge.objects.get(idempotency_key=idempotency_key)
            return self._answer(existing, Operation.CHARGE, "replayed")
        return self._answer(charge, Operation.CHARGE, charge.outcome)

    def refund(self, *, idempotency_key: str) -> Receipt:
        """Refund the charge under the key in full, once; a key without a charge is voided.

        A declined, voided or already refunded charge is answered as it is. Raises
        ``GatewayTransientError`` (``GatewayUnreachable`` while down) having done nothing.
        """
        self._reach(idempotency_key, Operation.REFUND)
        with transaction.atomic():
            charge, voided = self._locked_or_voided(idempotency_key)
            if voided:
                result = "voided"
            elif charge.outcome == Outcome.APPROVED and charge.refunded_at is None:
                charge.refunded_at = timezone.now()
                charge.save(update_fields=["refunded_at"])
                result = "refunded"
            else:
                result = "nothing to refund"
        return self._answer(charge, Operation.REFUND, result)

    def _reach(self, key: str, operation: str) -> None:
        switch = switch_get()
        if switch.latency_ms:
            time.sleep(switch.latency_ms / 1000)
        if switch.down:
            _log(key, operation, "unreachable", "the gateway is down")
            raise GatewayUnreachable("The payment gateway is unreachable.")

    def _flake(self, key: str) -> None:
        failed = (
            GatewayRequest.objects.filter(idempotency_key=key, operation=Operation.CHARGE)
            .exclude(result="unreachable")
            .count()
        )
        if failed < FLAKY_FAILURES:
            detail = f"{TOKEN_FLAKY}: transient failure {failed + 1} of {FLAKY_FAILURES}"
            _log(key, Operation.CHARGE, "transient", detail)
            raise GatewayTransientError(detail)

    def _locked_or_voided(self, key: str) -> tuple[GatewayCharge, bool]:
        """The key's charge, locked; or a new voided one (``True``) if it had none."""
        charge = GatewayCharge.objects.select_for_update().filter(idempotency_key=key).first()
        if charge is not None:
            return charge, False
        try:
            with transaction.atomic():
                voided = GatewayCharge.objects.create(
                    idempotency_key=key,
                    reference=_new_reference(),
                    outcome=Outcome.VOIDED,
                    decline_reason="Refunded before any charge: the key is void.",
                )
            return voided, True
        except IntegrityError:
            return GatewayCharge.objects.select_for_update().get(idempotency_key=key), False

    def _answer(self, charge: GatewayCharge, operation: str, result: str) -> Receipt:
        _log(charge.idempotency_key, operation, result, charge.decline_reason)
        return Receipt(
            reference=charge.reference,
            outcome=charge.outcome,
            decline_reason=charge.decline_reason,
            refunded_at=charge.refunded_at,
        )


def _judge(token: str) -> tuple[str, str]:
    if token in (TOKEN_OK, TOKEN_FLAKY):
        return Outcome.APPROVED, ""
    if token == TOKEN_DECLINED:
        return Outcome.DECLINED, "The card was declined."
    return (
        Outcome.DECLINED,
        f"Unknown card token {token[:40]!r}; test tokens are "
        f"{TOKEN_OK}, {TOKEN_DECLINED} and {TOKEN_FLAKY}.",
    )


def _new_reference() -> str:
    return f"ch_{uuid.uuid4().hex[:24]}"


def _log(key: str, operation: str, result: str, detail: str) -> None:
    GatewayRequest.objects.create(
        idempotency_key=key, operation=operation, result=result, detail=detail[:200]
    )


# --- the switch ---------------------------------------------------------------------------------
def switch_get() -> GatewaySwitch:
    """The gateway's switch as it stands (up with no latency if never set)."""
    switch = GatewaySwitch.objects.filter(pk=GatewaySwitch.SINGLETON_ID).first()
    return switch or GatewaySwitch(pk=GatewaySwitch.SINGLETON_ID)


def switch_set(*, down: bool | None = None, latency_ms: int | None = None) -> GatewaySwitch:
    """Turn the outage on or off and/or set the latency; what is not given stays as it is."""
    with transaction.atomic():
        switch, _ = GatewaySwitch.objects.select_for_update().get_or_create(
            pk=GatewaySwitch.SINGLETON_ID
        )
        if down is not None:
            switch.down = down
        if latency_ms is not None:
            if latency_ms < 0:
                raise ValueError("latency_ms must not be negative")
            switch.latency_ms = latency_ms
        switch.save()
    return switch
