from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

currency_code = RegexValidator(r"^[A-Z]{3}\Z", "Use a three-letter ISO 4217 code, e.g. USD.")


class Category(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    currency = models.CharField(max_length=3, default="USD", validators=[currency_code])
    # PROTECT: deleting a category must not silently delete the products filed under it.
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="catalog_product_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"
