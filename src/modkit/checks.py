"""System checks enforcing module boundaries (filled in by the boundary-checks work)."""
