from modkit.modules import ModuleConfig

PACKAGE = __name__.rpartition(".")[0]


class BillingConfig(ModuleConfig):
    name = PACKAGE
    label = "billing"
    interface = f"{PACKAGE}.interface.BillingService"
    implementation = f"{PACKAGE}.impl.BillingServiceImpl"
    depends_on = ("ledger",)
