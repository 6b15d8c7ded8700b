from modkit.modules import ModuleConfig


class SourceConfig(ModuleConfig):
    name = __name__.rpartition(".")[0]
    label = "source"
