from modkit.modules import ModuleConfig


class EmitterConfig(ModuleConfig):
    name = __name__.rpartition(".")[0]
    label = "emitter"
