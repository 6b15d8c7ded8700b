from modkit.modules import ModuleConfig


class InventoryConfig(ModuleConfig):
    name = "modules.inventory"
    label = "inventory"
    verbose_name = "Inventory"
    interface = "modules.inventory.interface.InventoryService"
    implementation = "modules.inventory.impl.InventoryServiceImpl"
    depends_on = ()
    periodic_tasks = {
        "release-expired-reservations": {
            "task": "modules.inventory.tasks.release_expired_reservations",
            "schedule": 60.0,
        },
    }
