from modkit.modules import ModuleConfig


class CatalogConfig(ModuleConfig):
    name = "modules.catalog"
    label = "catalog"
    verbose_name = "Catalog"
    interface = "modules.catalog.interface.CatalogService"
    implementation = "modules.catalog.impl.CatalogServiceImpl"
    depends_on = ("inventory",)
    seed = "modules.catalog.seed.seed"
