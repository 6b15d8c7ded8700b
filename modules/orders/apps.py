from modkit.modules import ModuleConfig


class OrdersConfig(ModuleConfig):
    name = "modules.orders"
    label = "orders"
    verbose_name = "Orders"
    interface = "modules.orders.interface.OrdersService"
    implementation = "modules.orders.impl.OrdersServiceImpl"
    # Calls catalog, customers, inventory, payments and shipping; listens to shipping's events.
    depends_on = ("catalog", "customers", "inventory", "payments", "shipping")
