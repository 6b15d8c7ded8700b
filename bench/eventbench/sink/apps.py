from modkit.modules import ModuleConfig


class SinkConfig(ModuleConfig):
    name = __name__.rpartition(".")[0]
    label = "sink"
    depends_on = ("emitter",)
