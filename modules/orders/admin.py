"""Admin for the people who run the shop: find orders, see everything about one, act on it.

Orders change only through the saga and the actions here (the same services as the API), so
the order page is read-only. It shows what other modules know about the order (payment,
shipments, emails) through their interfaces; a module that cannot answer shows as unavailable
instead of breaking the page. The dashboard sums up the day and what needs attention.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from modkit.errors import DomainError, ModuleUnavailable, NotFound
from modules.inventory.interface import inventory
from modules.notifications.interface import notifications
from modules.payments.interface import payments
from modules.shipping.interface import shipping

from . import selectors, services
from .contracts import CANCEL_REASONS
from .models import Order, OrderHistory, OrderLine

logger = logging.getLogger(__name__)

MANAGE_PERMISSION = "orders.change_order"
LOW_STOCK_THRESHOLD = 5
_HEX_PREFIX = re.compile(r"^[0-9a-f]{4,32}$")

# The admin's home page links to the shop dashboard. An app's ``admin/index.html`` cannot
# override Django's own (django.contrib.admin comes first in INSTALLED_APPS), so the site is
# pointed at ours, which extends it; a site already given an index template is left alone.
if admin.site.index_template is None:
    admin.site.index_template = "admin/orders/index.html"


def _when(value: Any) -> str:
    return formats.localize(timezone.localtime(value)) if value else "-"


def _short(order: Order) -> str:
    return str(order.pk)[:8]


def _reverse(name: str) -> str | None:
    """The admin URL, or None when that admin is not installed in this process."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _ask(call: Callable[[], Any]) -> tuple[Any, str]:
    """``(result, "")``, or ``(None, why)`` when the module is unavailable or has nothing."""
    try:
        return call(), ""
    except ModuleUnavailable as exc:
        logger.warning("orders admin: %s", exc)
        return None, f"unavailable ({exc.message})"
    except NotFound as exc:
        return None, exc.message


def _table(headers: list[str], rows: list[tuple[Any, ...]]) -> str:
    return format_html(
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        format_html_join("", "<th>{}</th>", ((h,) for h in headers)),
        format_html_join("", "<tr>" + "<td>{}</td>" * len(headers) + "</tr>", rows),
    )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["sku", "name", "unit_price", "quantity", "line_total"]
    readonly_fields = fields
    verbose_name = "line (as ordered)"
    verbose_name_plural = "lines (as ordered)"

    @admin.display(description="line total")
    def line_total(self, obj: OrderLine) -> Any:
        return obj.line_total


class OrderHistoryInline(ReadOnlyInline):
    model = OrderHistory
    fields = ["status", "at", "note"]
    readonly_fields = fields
    verbose_name = "status change"
    verbose_name_plural = "status history"


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[(r, r.replace("_", " ")) for r in CANCEL_REASONS],
        initial="customer_request",
        help_text="Kept on the order and shown to the customer.",
    )
    note = forms.CharField(
        required=False, max_length=500, help_text="For the order history, e.g. 'phoned in'."
    )


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["short_id", "customer", "status_and_reason", "total_amount", "created_at"]
    list_display_links = ["short_id"]
    list_filter = ["status", "created_at", "cancel_reason"]
    search_fields = ["customer_email", "lines__sku"]
    search_help_text = "An order id (or its first characters), a customer email, or a sku."
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    inlines = [OrderLineInline, OrderHistoryInline]
    fieldsets = [
        (None, {"fields": ["id", "status", "cancel_reason", "total_amount"]}),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
        ("Customer", {"fields": ["customer_id", "customer_email", "address"]}),
        ("Payment", {"fields": ["payment"]}),
        ("Shipments", {"fields": ["shipments"]}),
        ("Emails sent", {"fields": ["emails"]}),
    ]
    readonly_fields = [
        "id",
        "status",
        "cancel_reason",
        "total_amount",
        "created_at",
        "updated_at",
        "customer_id",
        "customer_email",
        "address",
        "payment",
        "shipments",
        "emails",
    ]
    actions = ["cancel_with_refund", "mark_shipped", "mark_delivered", "refund"]
    change_form_template = "admin/orders/order/change_form.html"
    change_list_template = "admin/orders/order/change_list.html"

    # --- permissions: read-only records, changed by actions -----------------------------------
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # customers place orders

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # only through the actions, which go through the services

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # orders are records: cancel instead

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MANAGE_PERMISSION)

    # --- the list ----------------------------------------------------------------------------
    @admin.display(description="order", ordering="id")
    def short_id(self, obj: Order) -> str:
        return format_html('<span title="{}">{}</span>', obj.pk, _short(obj))

    @admin.display(description="customer", ordering="customer_email")
    def customer(self, obj: Order) -> str:
        return f"{obj.customer_email} (#{obj.customer_id})"

    @admin.display(description="status", ordering="status")
    def status_and_reason(self, obj: Order) -> str:
        if obj.cancel_reason:
            return f"{obj.status} ({obj.get_cancel_reason_display()})"
        return obj.status

    @admin.display(description="total", ordering="total")
    def total_amount(self, obj: Order) -> str:
        return f"{obj.total} {obj.currency}"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Order], search_term: str
    ) -> tuple[QuerySet[Order], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = search_term.strip().lower().replace("-", "")
        if _HEX_PREFIX.match(digits):
            # An id or its first characters, as read out by a customer: a range on the key.
            low, high = uuid.UUID(digits.ljust(32, "0")), uuid.UUID(digits.ljust(32, "f"))
            results = results | queryset.filter(Q(pk__gte=low) & Q(pk__lte=high))
        return results, may_have_duplicates

    # --- the order page ----------------------------------------------------------------------
    @admin.display(description="shipping address")
    def address(self, obj: Order) -> str:
        a = obj.shipping_address or {}
        return format_html(
            "{}<br>{}<br>{} {}<br>{}",
            a.get("name", ""),
            a.get("line1", ""),
            a.get("postal_code", ""),
            a.get("city", ""),
            a.get("country", ""),
        )

    @admin.display(description="payment")
    def payment(self, obj: Order) -> str:
        p, why = _ask(lambda: payments.get_payment(order_id=obj.pk))
        if p is None:
            return why
        return _table(
            ["status", "amount", "gateway reference", "gateway attempts", "created", "refunded"],
            [
                (
                    p.status,
                    f"{p.amount} {p.currency}",
                    p.gateway_reference,
                    p.gateway_attempts,
                    _when(p.created_at),
                    _when(p.refunded_at),
                )
            ],
        )

    @admin.display(description="shipments")
    def shipments(self, obj: Order) -> str:
        found, why = _ask(lambda: shipping.shipments_of_order(order_id=obj.pk))
        if found is None:
            return why
        if not found:
            return "none yet (a shipment is created once the order is paid)"
        return _table(
            ["shipment", "status", "tracking number", "created", "shipped", "delivered"],
            [
                (
                    s.id,
                    s.status,
                    s.tracking_number or "-",
                    _when(s.created_at),
                    _when(s.shipped_at),
                    _when(s.delivered_at),
                )
                for s in found
            ],
        )

    @admin.display(description="emails")
    def emails(self, obj: Order) -> str:
        sent, why = _ask(lambda: notifications.emails_for_order(order_id=obj.pk))
        if sent is None:
            return why
        if not sent:
            return "none"
        return _table(
            ["sent", "kind", "to", "subject"],
            [(_when(e.sent_at), e.kind, e.recipient, e.subject) for e in sent],
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_manage": self.has_manage_permission(request),
            "order_actions": [(name, self.get_action(name)[2]) for name in self.actions],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- actions -----------------------------------------------------------------------------
    def _back(self, request: HttpRequest) -> HttpResponseRedirect | None:
        """Back to the order page the action was started from, if it was."""
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(target)
        return None

    @admin.action(description="Cancel with refund", permissions=["manage"])
    def cancel_with_refund(
        self, request: HttpRequest, queryset: QuerySet[Order]
    ) -> HttpResponse | None:
        """Ask for the reason first; then cancel each order (its stock is released and its
        payment refunded by the saga's compensation, within moments)."""
        form = CancelForm(request.POST if request.POST.get("confirm") == "yes" else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": "Cancel orders with refund",
                "opts": self.opts,
                "orders": queryset,
                "form": form,
                "action": "cancel_with_refund",
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "next": request.POST.get("next", ""),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/orders/order/cancel_confirmation.html", context)
        reason, note = form.cleaned_data["reason"], form.cleaned_data["note"]
        who = f"cancelled by {request.user.get_username()} (staff)" + (f": {note}" if note else "")
        for order in queryset:
            try:
                services.order_cancel(order_id=order.pk, reason=reason, note=who)
            except DomainError as exc:
                self.message_user(request, f"Order {_short(order)}: {exc.message}", messages.ERROR)
                continue
            self.log_change(request, order, f"Cancelled ({reason}). {note}".strip())
            self.message_user(
                request,
                f"Order {_short(order)} cancelled ({reason}): its stock is released and its "
                "payment refunded within moments.",
                messages.SUCCESS,
            )
        return self._back(request)

    @admin.action(description="Mark shipped", permissions=["manage"])
    def mark_shipped(self, request: HttpRequest, queryset: QuerySet[Order]) -> HttpResponse | None:
        """Hand each paid order's pending shipment to the carrier (through shipping)."""
        for order in queryset:
            if order.status != Order.Status.PAID:
                self._refuse(request, order, "only paid orders are shipped")
                continue
            self._run(
                request,
                order,
                lambda o=order: services.order_shipments_ship(order_id=o.pk),
                done="shipped (tracking {tracking}); the order shows shipped in a moment",
                none="no pending shipment yet: shipping creates it moments after payment",
            )
        return self._back(request)

    @admin.action(description="Mark delivered", permissions=["manage"])
    def mark_delivered(
        self, request: HttpRequest, queryset: QuerySet[Order]
    ) -> HttpResponse | None:
        """Record delivery of each shipped order's parcel (through shipping)."""
        for order in queryset:
            if order.status not in (Order.Status.PAID, Order.Status.SHIPPED):
                self._refuse(request, order, "only shipped orders are delivered")
                continue
            self._run(
                request,
                order,
                lambda o=order: services.order_shipments_deliver(order_id=o.pk),
                done="delivered (tracking {tracking}); the order shows delivered in a moment",
                none="no shipped shipment to deliver",
            )
        return self._back(request)

    @admin.action(description="Refund", permissions=["manage"])
    def refund(self, request: HttpRequest, queryset: QuerySet[Order]) -> HttpResponse | None:
        """Refund the payment of cancelled, shipped or delivered orders (e.g. returned goods)."""
        for order in queryset:
            try:
                payment = services.order_refund(order_id=order.pk)
            except DomainError as exc:
                self.message_user(request, f"Order {_short(order)}: {exc.message}", messages.ERROR)
                continue
            self.log_change(request, order, f"Refund requested: payment {payment.status}.")
            self.message_user(
                request,
                f"Order {_short(order)}: payment of {payment.amount} {payment.currency} is "
                f"{payment.status}.",
                messages.SUCCESS,
            )
        return self._back(request)

    def _refuse(self, request: HttpRequest, order: Order, why: str) -> None:
        self.message_user(
            request, f"Order {_short(order)} is {order.status}: {why}.", messages.WARNING
        )

    def _run(
        self,
        request: HttpRequest,
        order: Order,
        call: Callable[[], list[Any]],
        *,
        done: str,
        none: str,
    ) -> None:
        try:
            marked = call()
        except DomainError as exc:
            self.message_user(request, f"Order {_short(order)}: {exc.message}", messages.ERROR)
            return
        if not marked:
            self.message_user(request, f"Order {_short(order)}: {none}.", messages.WARNING)
            return
        tracking = ", ".join(s.tracking_number or "-" for s in marked)
        self.log_change(request, order, done.format(tracking=tracking).split(";")[0])
        self.message_user(
            request,
            f"Order {_short(order)}: {done.format(tracking=tracking)}.",
            messages.SUCCESS,
        )

    # --- the dashboard -----------------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        dashboard = path(
            "dashboard/",
            self.admin_site.admin_view(self.dashboard_view),
            name="orders_dashboard",
        )
        return [dashboard, *super().get_urls()]

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        """Today's orders and revenue, orders by status, low stock and failed event deliveries."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        figures = selectors.dashboard()
        low_stock, low_stock_error = _ask(
            lambda: inventory.list_low_stock(threshold=LOW_STOCK_THRESHOLD)
        )
        changelist = reverse("admin:orders_order_changelist")
        today = urlencode({"created_at__gte": figures.since.isoformat()})
        context = {
            **self.admin_site.each_context(request),
            "title": "Shop dashboard",
            "opts": self.opts,
            "figures": figures,
            "by_status": [
                (status, count, f"{changelist}?status__exact={status}")
                for status, count in figures.by_status.items()
            ],
            "today_url": f"{changelist}?{today}",
            "awaiting_url": f"{changelist}?status__exact={Order.Status.PAID}",
            "low_stock": low_stock,
            "low_stock_error": low_stock_error,
            "low_stock_threshold": LOW_STOCK_THRESHOLD,
            "stock_url": _reverse("admin:inventory_stockitem_changelist"),
            "dead_letters": selectors.dead_letter_count(),
            "dead_letters_url": _reverse("admin:modkit_deadletter_changelist")
            or _reverse("admin:modkit_delivery_changelist"),
        }
        return TemplateResponse(request, "admin/orders/order/dashboard.html", context)
