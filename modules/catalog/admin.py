from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from . import services
from .models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "product_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, category: Category) -> int:
        return category.product_count


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "price", "currency", "active", "created_at"]
    list_display_links = ["sku", "name"]
    list_editable = ["price", "active"]
    list_filter = ["active", "category", "currency"]
    list_select_related = ["category"]
    search_fields = ["sku", "name", "description"]
    ordering = ["sku"]
    readonly_fields = ["created_at"]
    fields = ["sku", "name", "description", "category", "price", "currency", "active", "created_at"]
    actions = ["activate", "deactivate"]
    list_per_page = 50

    @admin.action(description="Put the selected products on sale")
    def activate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        changed = services.product_set_active(products=queryset, active=True)
        self.message_user(request, f"{changed} product(s) put on sale.")

    @admin.action(description="Withdraw the selected products from sale")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        changed = services.product_set_active(products=queryset, active=False)
        self.message_user(request, f"{changed} product(s) withdrawn from sale.")
