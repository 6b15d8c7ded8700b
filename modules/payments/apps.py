from modkit.modules import ModuleConfig


class PaymentsConfig(ModuleConfig):
    name = "modules.payments"
    label = "payments"
    verbose_name = "Payments"
    interface = "modules.payments.interface.PaymentsService"
    implementation = "modules.payments.impl.PaymentsServiceImpl"
    depends_on = ()
