from modkit.modules import ModuleConfig

PACKAGE = __name__.rpartition(".")[0]


class AuditConfig(ModuleConfig):
    name = PACKAGE
    label = "audit"
    interface = f"{PACKAGE}.interface.AuditService"
    implementation = f"{PACKAGE}.impl.AuditServiceImpl"
