from typing import Any

from modkit.modules import ModuleConfig


class CatalogConfig(ModuleConfig):
    name = "modules.catalog"
    label = "catalog"
    verbose_name = "Catalog"
    interface = "modules.catalog.interface.CatalogService"
    implementation = "modules.catalog.impl.CatalogServiceImpl"
    depends_on = ("inventory",)
    seed = "modules.catalog.seed.seed"

    def ready(self) -> None:
        super().ready()
        from django.db.models.signals import post_delete, post_save

        from .models import Category, Product

        # Any write, wherever it comes from (services, admin, shell), drops the kept pages.
        for signal in (post_save, post_delete):
            signal.connect(_product_changed, sender=Product, dispatch_uid=f"catalog-{signal}-p")
            signal.connect(_category_changed, sender=Category, dispatch_uid=f"catalog-{signal}-c")


def _product_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from . import pages

    pages.forget([instance.sku])


def _category_changed(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if created:  # no product has it yet
        return
    from . import pages
    from .models import Product

    pages.forget(Product.objects.filter(category_id=instance.pk).values_list("sku", flat=True))
