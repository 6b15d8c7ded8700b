"""Audit DTOs (none)."""
