from modkit.modules import ModuleConfig


class ShippingConfig(ModuleConfig):
    name = "modules.shipping"
    label = "shipping"
    verbose_name = "Shipping"
    interface = "modules.shipping.interface.ShippingService"
    implementation = "modules.shipping.impl.ShippingServiceImpl"
    # Listens to orders' OrderPaid and OrderCancelled, and asks orders whose an order is; asks
    # customers who the caller of its API is.
    depends_on = ("customers", "orders")
