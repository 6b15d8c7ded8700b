from modkit.modules import ModuleConfig


class BetaConfig(ModuleConfig):
    name = __name__.rpartition(".")[0]
    label = "beta"
    depends_on = ("source",)
