from django.apps import AppConfig


class ModkitConfig(AppConfig):
    """The kernel's own app: management commands, system checks, settings listeners."""

    name = "modkit"
    label = "modkit"
    verbose_name = "modkit kernel"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from . import checks  # noqa: F401  (registers the system checks)
        from .modules import registry

        def on_change(*, setting: str, **kwargs: object) -> None:
            if setting.startswith("MODKIT_"):
                registry.reset(keep_overrides=True)

        setting_changed.connect(on_change, weak=False, dispatch_uid="modkit-settings")
