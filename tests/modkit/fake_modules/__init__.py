"""Three tiny modules for the kernel's own tests, kept out of the real ``modules/`` tree.

``ledger`` (no dependencies), ``billing`` (depends on ``ledger``) and ``audit`` (no
dependencies). Their names and paths derive from ``__name__`` and their cross-module imports
are relative, so the same files work here (``MODKIT_MODULES_PACKAGE =
"tests.modkit.fake_modules"``), under any other package name, and copied into a temporary
project's ``modules/`` for the boundary tests.
"""
