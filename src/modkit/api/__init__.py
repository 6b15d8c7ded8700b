"""Conventions every module's REST API shares: the error shape, pagination, auth."""
