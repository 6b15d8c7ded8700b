"""Billing DTOs (none of its own: it returns the ledger's ``Balance``)."""
