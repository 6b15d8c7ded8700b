"""Where one request's time goes: cProfile and the SQL queries of each benchmarked endpoint.

    DJANGO_SETTINGS_MODULE=bench.shopload.settings python -m bench.shopload.profile \
        --data locust-data.json [--requests 30] [--top 25]

Run by ``bench/shop_load.py --profile`` against the bench's database once the load is over.
Each endpoint is requested through Django's test client (the whole middleware stack, the URL
resolver and the view, no network and no gunicorn), a few times to warm up, then ``--requests``
times timed, then as many times under cProfile with a CPU-time clock. Prints, per endpoint: the
mean CPU and wall time of one request, its SQL queries and the functions with the most
cumulative and own CPU time (the test client's own work is in there too, a small part).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import time
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the locust data file of the bench")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    data = json.loads(Path(args.data).read_text())

    import django

    django.setup()

    from django.db import connection
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    me = data["customers"][0]
    auth = {"Authorization": f"Bearer {me['token']}"}
    order = {
        "lines": [{"sku": data["plenty"][0], "quantity": 1}],
        "shipping_address": {
            "name": "Profile",
            "line1": "1 Load Street",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
        "payment_token": "tok_ok",
    }
    endpoints: dict[str, Any] = {
        "bare view": lambda: client.get("/bench/bare/"),
        "product page": lambda: client.get(
            f"/api/v1/catalog/products/{random.choice(data['skus'])}/"
        ),
        "product list": lambda: client.get("/api/v1/catalog/products/?limit=20&offset=0"),
        "order view": lambda: client.get(f"/api/v1/orders/{me['order_id']}/", headers=auth),
        "place order": lambda: client.post(
            "/api/v1/orders/", order, content_type="application/json", headers=auth
        ),
    }
    for name, call in endpoints.items():
        for _ in range(3):
            response = call()
            assert response.status_code in (200, 201), (name, response.content[:300])
        # Django clears connection.queries at each request's start: record through a wrapper.
        queries: list[tuple[float, str]] = []

        def record(
            execute: Any, sql: str, params: Any, many: bool, context: Any, log: list = queries
        ) -> Any:
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                log.append((time.perf_counter() - began, sql))

        with connection.execute_wrapper(record):
            call()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            call()
        wall_ms = (time.perf_counter() - wall) * 1000 / args.requests
        cpu_ms = (time.process_time() - cpu) * 1000 / args.requests
        # Profiled on CPU time: what the process computes, not what it waits for (the database,
        # Redis, or its turn on a busy machine).
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.requests):
            call()
        profiler.disable()
        print(
            f"=== {name}: {cpu_ms:.1f} ms CPU, {wall_ms:.1f} ms wall per request, "
            f"{len(queries)} SQL queries"
        )
        for seconds, sql in queries:
            print(f"  sql {seconds * 1000:6.1f} ms  {sql[:150]}")
        for order_by in ("cumulative", "tottime"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order_by)
            stats.print_stats(args.top)
            body = out.getvalue()
            print(f"--- by {order_by}")
            print(body[body.find("   ncalls") :])


if __name__ == "__main__":
    main()
