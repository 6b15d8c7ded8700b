from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "user_id", "created_at"]
    search_fields = ["email", "name"]
    list_filter = ["created_at"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    # The email is also the login's username: changing it here would break the login.
    readonly_fields = ["email", "user_id", "created_at"]
    fields = ["email", "name", "user_id", "created_at"]

    def has_add_permission(self, request: object) -> bool:
        # A customer comes with a login; only registration creates both together.
        return False
