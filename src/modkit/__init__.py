"""modkit: the kernel of a Django modular monolith with extractable service boundaries.

The kernel never imports a business module or the project's ``config``; modules import
the kernel and each other's public files (``interface``, ``contracts``, ``events``).
"""
