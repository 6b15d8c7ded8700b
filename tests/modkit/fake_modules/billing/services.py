"""Billing writes (empty: here for the layer tests)."""
