from modkit.modules import ModuleConfig


class OrdersConfig(ModuleConfig):
    name = "modules.orders"
    label = "orders"
    verbose_name = "Orders"
    interface = "modules.orders.interface.OrdersService"
    implementation = "modules.orders.impl.OrdersServiceImpl"
    # Calls catalog, customers, inventory, payments and shipping; listens to shipping's events;
    # the admin's order page reads notifications' sent emails.
    depends_on = ("catalog", "customers", "inventory", "notifications", "payments", "shipping")
