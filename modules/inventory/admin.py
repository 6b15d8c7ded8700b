"""Admin for shop operators: stock levels, reservations, and the audit trail.

Units on hand change only through the audited "Adjust stock" form (the same service as the
``adjust_stock`` operation); reserved units change only through reservations. Everything else
is read-only here, so the admin can never break ``reserved <= on_hand`` or skip the audit.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join

from modkit.errors import DomainError

from . import selectors, services
from .models import Reservation, ReservationLine, StockAdjustment, StockItem

ADJUST_PERMISSION = "inventory.change_stockitem"


class StockLevelFilter(admin.SimpleListFilter):
    """Out of stock / low / in stock, by units available to order."""

    title = "stock level"
    parameter_name = "level"
    low_threshold = 10

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("out", "Out of stock"),
            ("low", f"Low (fewer than {self.low_threshold} available)"),
            ("ok", "In stock"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = self.value()
        if value == "out":
            return queryset.filter(available_units__lte=0)
        if value == "low":
            return queryset.filter(available_units__gt=0, available_units__lt=self.low_threshold)
        if value == "ok":
            return queryset.filter(available_units__gte=self.low_threshold)
        return None


class StockAdjustForm(forms.Form):
    sku = forms.CharField(max_length=StockItem._meta.get_field("sku").max_length)
    delta = forms.IntegerField(
        label="Change in units on hand",
        help_text="Positive to add units (delivery, stock count), negative to remove them.",
    )
    reason = forms.CharField(
        max_length=500, help_text="Kept in the audit trail, e.g. 'delivery PO-1234'."
    )

    def clean_sku(self) -> str:
        return self.cleaned_data["sku"].strip()


@admin.register(StockItem)
class StockItemAdmin(admin.ModelAdmin):
    list_display = ["sku", "on_hand", "reserved", "available", "updated_at"]
    list_filter = [StockLevelFilter]
    search_fields = ["sku"]
    fields = ["sku", "on_hand", "reserved", "available", "updated_at", "recent_adjustments"]
    readonly_fields = fields
    recent_adjustments_shown = 20

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockItem]:
        return selectors.stock_items()

    @admin.display(description="available", ordering="available_units")
    def available(self, obj: StockItem) -> int:
        return obj.available

    @admin.display(description="recent adjustments")
    def recent_adjustments(self, obj: StockItem) -> str:
        rows = selectors.stock_adjustments_recent(sku=obj.sku, limit=self.recent_adjustments_shown)
        if not rows:
            return "none"
        url = reverse("admin:inventory_stockadjustment_changelist")
        return format_html(
            "<table><tr><th>when</th><th>change</th><th>on hand after</th><th>reason</th></tr>"
            "{}</table><p><a href='{}?sku={}'>full history</a></p>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        formats.localize(timezone.localtime(a.created_at)),
                        f"{a.delta:+d}",
                        a.on_hand_after,
                        a.reason,
                    )
                    for a in rows
                ),
            ),
            url,
            obj.sku,
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # counters change only through the audited adjust form

    def has_delete_permission(self, request: HttpRequest, obj: StockItem | None = None) -> bool:
        # Only an empty sku can go: units on hand must first be adjusted away (audited).
        if obj is not None and (obj.on_hand or obj.reserved):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_urls(self) -> list[URLPattern]:
        adjust = path(
            "adjust/",
            self.admin_site.admin_view(self.adjust_view),
            name="inventory_stockitem_adjust",
        )
        return [adjust, *super().get_urls()]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None):
        return HttpResponseRedirect(reverse("admin:inventory_stockitem_adjust"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ADJUST_PERMISSION)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_adjust": self.has_add_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def adjust_view(self, request: HttpRequest) -> HttpResponse:
        """Add or remove units of a sku (creating it if new), with a reason for the audit."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StockAdjustForm(request.POST or None, initial={"sku": request.GET.get("sku", "")})
        if request.method == "POST" and form.is_valid():
            try:
                item = services.stock_adjust(**form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    f"{item.sku}: {form.cleaned_data['delta']:+d} units, {item.on_hand} on hand, "
                    f"{item.available} available.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:inventory_stockitem_change", args=[item.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Adjust stock",
            "form": form,
        }
        return TemplateResponse(request, "admin/inventory/stockitem/adjust.html", context)


class ReservationLineInline(admin.TabularInline):
    model = ReservationLine
    fields = ["sku", "quantity"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OverdueFilter(admin.SimpleListFilter):
    """Active reservations past their deadline: the expiry sweep should release them shortly."""

    title = "deadline"
    parameter_name = "deadline"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("overdue", "Active and past deadline")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() == "overdue":
            return queryset.filter(state=Reservation.State.ACTIVE, expires_at__lte=timezone.now())
        return None


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the inventory services; the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "state", "expires_at", "created_at", "closed_at"]
    list_filter = ["state", OverdueFilter, "created_at"]
    search_fields = ["order_id", "lines__sku"]
    date_hierarchy = "created_at"
    fields = ["order_id", "state", "expires_at", "created_at", "closed_at"]
    readonly_fields = fields
    inlines = [ReservationLineInline]


class SourceFilter(admin.SimpleListFilter):
    title = "source"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("manual", "Manual adjustment"), ("order", "Committed order")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() in ("manual", "order"):
            return queryset.filter(Q(order_id__isnull=self.value() == "manual"))
        return None


@admin.register(StockAdjustment)
class StockAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "sku", "delta", "on_hand_after", "reason", "order_id"]
    list_filter = [SourceFilter, "created_at"]
    search_fields = ["sku", "reason", "order_id"]
    date_hierarchy = "created_at"
    fields = ["sku", "delta", "on_hand_after", "reason", "order_id", "created_at"]
    readonly_fields = fields
