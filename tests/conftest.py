pytest_plugins = ["modkit.testing"]
