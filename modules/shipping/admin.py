"""Admin for shop staff: the shipments to send, and the two steps staff record.

Shipments are created and cancelled only by the orders' events, and change only through the
"Mark shipped" and "Mark delivered" actions (the same services as the interface operations, so
the events are published). Everything else is read-only here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .contracts import ShipmentStateConflict
from .models import Shipment

SHIP_PERMISSION = "shipping.change_shipment"


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = [
        "order_id",
        "status",
        "tracking_number",
        "customer_email",
        "created_at",
        "shipped_at",
        "delivered_at",
    ]
    list_filter = ["status", "created_at", "shipped_at"]
    search_fields = ["order_id", "tracking_number", "customer_email"]
    date_hierarchy = "created_at"
    fields = [
        "id",
        "order_id",
        "customer_id",
        "customer_email",
        "status",
        "tracking_number",
        "created_at",
        "shipped_at",
        "delivered_at",
        "cancelled_at",
    ]
    readonly_fields = fields
    actions = ["mark_shipped", "mark_delivered"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a shipment comes from a paid order

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # status changes only through the actions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_ship_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SHIP_PERMISSION)

    @admin.action(description="Mark shipped (assigns a tracking number)", permissions=["ship"])
    def mark_shipped(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        self._apply(request, queryset, services.shipment_mark_shipped, Shipment.Status.SHIPPED)

    @admin.action(description="Mark delivered", permissions=["ship"])
    def mark_delivered(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        self._apply(request, queryset, services.shipment_mark_delivered, Shipment.Status.DELIVERED)

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[Shipment],
        service: Callable[..., Shipment],
        target: str,
    ) -> None:
        """Call ``service`` on each selected shipment, one message per shipment."""
        for selected in queryset.order_by("created_at", "id"):
            try:
                shipment = service(shipment_id=selected.pk)
            except ShipmentStateConflict as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            tracking = f" (tracking number {shipment.tracking_number})"
            if selected.status == target:
                self.message_user(
                    request,
                    f"Order {shipment.order_id}: already {target}{tracking}.",
                    messages.WARNING,
                )
            else:
                self.message_user(
                    request, f"Order {shipment.order_id}: {target}{tracking}.", messages.SUCCESS
                )
