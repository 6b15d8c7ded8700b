"""Ledger reads (empty: here for the layer tests)."""
