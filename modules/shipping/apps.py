from modkit.modules import ModuleConfig


class ShippingConfig(ModuleConfig):
    name = "modules.shipping"
    label = "shipping"
    verbose_name = "Shipping"
    interface = "modules.shipping.interface.ShippingService"
    implementation = "modules.shipping.impl.ShippingServiceImpl"
    depends_on = ("orders",)  # listens to OrderPaid and OrderCancelled
