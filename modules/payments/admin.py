"""Admin for operators: payments (read-only, with a refund action) and the simulated gateway.

Money moves only through the payments services, so payments and the gateway's records are
read-only here; "Refund selected" calls the same service as the ``refund`` operation. The
gateway switch is the one thing an operator edits: an outage or latency to rehearse with.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from modkit.errors import DomainError

from . import gateway, selectors, services
from .models import GatewayCharge, GatewayRequest, GatewaySwitch, Payment

REFUND_PERMISSION = "payments.refund_payment"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the payments services and the gateway; the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "order_id",
        "amount",
        "currency",
        "status",
        "gateway_attempts",
        "created_at",
    ]
    list_filter = ["status", "currency", "created_at"]
    search_fields = ["order_id"]
    search_help_text = "Order id, or a part of it."
    date_hierarchy = "created_at"
    fields = [
        "order_id",
        "amount",
        "currency",
        "status",
        "decline_reason",
        "gateway_reference",
        "gateway_attempts",
        "gateway_charge",
        "created_at",
        "updated_at",
        "refunded_at",
    ]
    readonly_fields = fields
    actions = ["refund_selected"]

    @admin.display(description="gateway charge")
    def gateway_charge(self, obj: Payment) -> str:
        charge = selectors.gateway_charge_get(idempotency_key=str(obj.order_id))
        if charge is None:
            return "none"
        url = reverse("admin:payments_gatewaycharge_change", args=[charge.pk])
        return format_html("<a href='{}'>{}</a> ({})", url, charge.reference, charge.outcome)

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REFUND_PERMISSION)

    @admin.action(description="Refund selected payments", permissions=["refund"])
    def refund_selected(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        """Refund each selected payment through the service (idempotent; one by one)."""
        changed: dict[str, int] = {}
        unchanged = 0
        for payment in queryset.order_by("created_at", "id"):
            try:
                after = services.payment_refund(order_id=payment.order_id)
            except DomainError as exc:
                self.message_user(
                    request, f"Order {payment.order_id}: {exc.message}", messages.ERROR
                )
                continue
            if after.status == payment.status:
                unchanged += 1
            else:
                changed[after.status] = changed.get(after.status, 0) + 1
        if changed:
            done = ", ".join(f"{n} {status}" for status, n in sorted(changed.items()))
            self.message_user(request, f"Refund: {done}.", messages.SUCCESS)
        if unchanged:
            self.message_user(
                request,
                f"{unchanged} payment(s) left as they were (already refunded, or nothing charged).",
                messages.INFO,
            )


@admin.register(GatewayCharge)
class GatewayChargeAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "idempotency_key",
        "outcome",
        "amount",
        "currency",
        "created_at",
        "refunded_at",
    ]
    list_filter = ["outcome", ("refunded_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["idempotency_key", "reference"]
    date_hierarchy = "created_at"
    fields = [
        "reference",
        "idempotency_key",
        "outcome",
        "decline_reason",
        "amount",
        "currency",
        "token",
        "created_at",
        "refunded_at",
    ]
    readonly_fields = fields


@admin.register(GatewayRequest)
class GatewayRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "idempotency_key", "operation", "result", "detail"]
    list_filter = ["operation", "result", "created_at"]
    search_fields = ["idempotency_key"]
    date_hierarchy = "created_at"
    fields = ["idempotency_key", "operation", "result", "detail", "created_at"]
    readonly_fields = fields


@admin.register(GatewaySwitch)
class GatewaySwitchAdmin(admin.ModelAdmin):
    """One row: edit it (outage, latency), or use the actions on the list."""

    list_display = ["__str__", "down", "latency_ms", "updated_at"]
    fields = ["down", "latency_ms", "updated_at"]
    readonly_fields = ["updated_at"]
    actions = ["take_down", "bring_up"]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        GatewaySwitch.objects.get_or_create(pk=GatewaySwitch.SINGLETON_ID)
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: GatewaySwitch, form: Any, change: bool) -> None:
        gateway.switch_set(down=obj.down, latency_ms=obj.latency_ms)

    @admin.action(description="Take the gateway down (every call fails)", permissions=["change"])
    def take_down(self, request: HttpRequest, queryset: QuerySet[GatewaySwitch]) -> None:
        self.message_user(request, str(gateway.switch_set(down=True)), messages.WARNING)

    @admin.action(description="Bring the gateway back up", permissions=["change"])
    def bring_up(self, request: HttpRequest, queryset: QuerySet[GatewaySwitch]) -> None:
        self.message_user(request, str(gateway.switch_set(down=False)), messages.SUCCESS)
