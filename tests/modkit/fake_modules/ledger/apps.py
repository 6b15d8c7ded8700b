from modkit.modules import ModuleConfig

PACKAGE = __name__.rpartition(".")[0]


class LedgerConfig(ModuleConfig):
    name = PACKAGE
    label = "ledger"
    interface = f"{PACKAGE}.interface.LedgerService"
    implementation = f"{PACKAGE}.impl.LedgerServiceImpl"
