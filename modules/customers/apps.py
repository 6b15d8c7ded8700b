from modkit.modules import ModuleConfig


class CustomersConfig(ModuleConfig):
    name = "modules.customers"
    label = "customers"
    verbose_name = "Customers"
    interface = "modules.customers.interface.CustomersService"
    implementation = "modules.customers.impl.CustomersServiceImpl"
    depends_on = ()
    seed = "modules.customers.seed.seed"
