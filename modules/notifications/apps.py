from modkit.modules import ModuleConfig


class NotificationsConfig(ModuleConfig):
    name = "modules.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    interface = "modules.notifications.interface.NotificationsService"
    implementation = "modules.notifications.impl.NotificationsServiceImpl"
    depends_on = ("orders", "shipping")  # listens to their events
