"""Admin for shop staff: what was emailed to whom, read-only (emails come from events)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import EmailLog


@admin.register(EmailLog)
class EmailLogAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "kind", "recipient", "subject", "order_id"]
    list_filter = ["kind", "sent_at"]
    search_fields = ["recipient", "order_id"]
    date_hierarchy = "sent_at"
    fields = ["sent_at", "kind", "recipient", "subject", "order_id", "event_id"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
