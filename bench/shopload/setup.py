"""The bench's fixtures, made inside Django: plenty of stock, customers and their access tokens.

    DJANGO_SETTINGS_MODULE=bench.shopload.settings python -m bench.shopload.setup \
        --customers 40 --stock 1000000 --sku COF-FLT-01 --sku ...

Prints one JSON line: ``{"tokens": [...]}``. Customers are registered through the customers
module's interface, but with a fast password hasher in this process only, and get their JWT
minted here rather than by ``POST /api/v1/auth/token/``: on a two-core machine, forty PBKDF2
registrations and logins would take most of the bench's time budget, and neither endpoint is
measured. Stock goes through ``inventory.adjust_stock`` like any delivery.
"""

from __future__ import annotations

import argparse
import json
import secrets

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--stock", type=int, required=True)
    parser.add_argument("--sku", action="append", default=[])
    args = parser.parse_args()

    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.test.utils import override_settings
    from rest_framework_simplejwt.tokens import AccessToken

    from modules.customers.interface import customers
    from modules.inventory.interface import inventory

    for sku in args.sku:
        inventory.adjust_stock(sku=sku, delta=args.stock, reason="bench: plenty of stock")

    run = secrets.token_hex(4)
    users = get_user_model()._default_manager
    tokens = []
    with override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
        for number in range(args.customers):
            customer = customers.register(
                email=f"bench-{run}-{number}@example.com",
                password=secrets.token_urlsafe(16),
                name=f"Bench Customer {number}",
            )
            tokens.append(str(AccessToken.for_user(users.get(pk=customer.user_id))))
    print(json.dumps({"tokens": tokens}))


if __name__ == "__main__":
    main()
