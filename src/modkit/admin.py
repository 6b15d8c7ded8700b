"""Admin for operators of the events machinery: the outbox, its deliveries, and dead letters.

Everything is read-only: rows are written by ``publish()``, the relay and the consumer. The one
thing an operator does here is "Redeliver selected" (the same service as ``manage.py events
redeliver``), once the cause of a failure is fixed. Each changelist is headed by the backlog,
the age of the oldest pending delivery, the counts by state and the dead letters.

The admin reads the ``default`` database only. A module with a database of its own keeps its
outbox there: ``manage.py events status --database <alias>`` (and ``redeliver``) cover it.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from .events.deliveries import delivery_status, redeliver
from .models import DeadLetter, Delivery, OutboxEvent

ADMIN_DATABASE = "default"
REDELIVER_PERMISSION = "modkit.change_delivery"


class StatusHeaderMixin:
    """Heads the changelist with the delivery status of the admin's database."""

    change_list_template = "admin/modkit/change_list.html"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "delivery_status": delivery_status(alias=ADMIN_DATABASE),
        }
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the events machinery."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _truncated_error(obj: Delivery) -> str:
    return Truncator(obj.last_error).chars(80) if obj.last_error else ""


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["delivery", "handler", "queue", "state", "attempts", "next_attempt_at", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).using(ADMIN_DATABASE)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="delivery")
    def delivery(self, obj: Delivery) -> str:
        url = reverse("admin:modkit_delivery_change", args=[obj.pk])
        return format_html('<a href="{}">#{}</a>', url, obj.pk)

    @admin.display(description="last error")
    def error(self, obj: Delivery) -> str:
        return _truncated_error(obj)


@admin.register(OutboxEvent)
class OutboxEventAdmin(StatusHeaderMixin, ReadOnlyAdmin):
    list_display = ["name", "module", "event_id", "correlation_id", "created_at", "open_deliveries"]
    list_filter = ["name", "module", "created_at"]
    search_fields = ["event_id", "correlation_id"]
    date_hierarchy = "created_at"
    fields = [
        "name",
        "module",
        "event_id",
        "correlation_id",
        "causation_id",
        "created_at",
        "pretty_payload",
    ]
    readonly_fields = fields
    inlines = [DeliveryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboxEvent]:
        return (
            super()
            .get_queryset(request)
            .using(ADMIN_DATABASE)
            .annotate(
                open_count=Count("deliveries", filter=~Q(deliveries__state=Delivery.State.DONE))
            )
        )

    @admin.display(description="open deliveries", ordering="open_count")
    def open_deliveries(self, obj: OutboxEvent) -> int:
        return obj.open_count  # type: ignore[attr-defined]

    @admin.display(description="payload")
    def pretty_payload(self, obj: OutboxEvent) -> str:
        try:
            text = json.dumps(json.loads(obj.payload), indent=2, sort_keys=True)
        except ValueError:
            text = obj.payload
        return format_html("<pre>{}</pre>", text)


@admin.register(Delivery)
class DeliveryAdmin(StatusHeaderMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "handler",
        "event_name",
        "state",
        "attempts",
        "next_attempt_at",
        "dispatched_at",
        "error",
    ]
    list_filter = ["state", "handler", "queue"]
    list_select_related = ["event"]
    search_fields = ["event__event_id", "handler"]
    fields = [
        "event_link",
        "event_name",
        "handler",
        "queue",
        "state",
        "attempts",
        "next_attempt_at",
        "dispatched_at",
        "done_at",
        "last_error",
        "traceback",
    ]
    readonly_fields = fields
    actions = ["redeliver_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).using(ADMIN_DATABASE)

    @admin.display(description="event", ordering="event__name")
    def event_name(self, obj: Delivery) -> str:
        return obj.event.name

    @admin.display(description="event id")
    def event_link(self, obj: Delivery) -> str:
        url = reverse("admin:modkit_outboxevent_change", args=[obj.event_id])
        return format_html('<a href="{}">{}</a>', url, obj.event.event_id)

    @admin.display(description="last error")
    def error(self, obj: Delivery) -> str:
        return _truncated_error(obj)

    @admin.display(description="last traceback")
    def traceback(self, obj: Delivery) -> str:
        if not obj.last_traceback:
            return "-"
        return format_html('<pre class="modkit-traceback">{}</pre>', obj.last_traceback)

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REDELIVER_PERMISSION)

    @admin.action(description="Redeliver selected", permissions=["redeliver"])
    def redeliver_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        """Back to pending, due now, attempts reset; done deliveries are left alone."""
        ids = list(queryset.values_list("pk", flat=True))
        count = redeliver(alias=ADMIN_DATABASE, ids=ids)
        self.message_user(
            request,
            f"{count} deliveries back to pending, due now; the relay sends them shortly.",
            messages.SUCCESS,
        )
        if count < len(ids):
            self.message_user(
                request,
                f"{len(ids) - count} of the selected deliveries are done and were left alone.",
                messages.WARNING,
            )


@admin.register(DeadLetter)
class DeadLetterAdmin(DeliveryAdmin):
    list_filter = ["handler", "queue"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).filter(state=Delivery.State.DEAD)
