from modkit.modules import ModuleConfig


class AlphaConfig(ModuleConfig):
    name = __name__.rpartition(".")[0]
    label = "alpha"
    depends_on = ("source",)
