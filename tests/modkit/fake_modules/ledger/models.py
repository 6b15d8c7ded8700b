"""Ledger models (none: here for the layer tests)."""
