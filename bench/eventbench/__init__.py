"""Benchmark-only modules for bench/events.py (``MODKIT_MODULES_PACKAGE=bench.eventbench``).

``emitter`` publishes ``emitter.Ticked`` (its ``emit_ticks`` command publishes N of them, in
transactions of K, optionally at a fixed rate); ``sink`` is its only subscriber: ``sink.record``
writes one ``Received`` row per event with the event's ``occurred_at`` and the time it was
handled, in the handler's transaction. ``sink.tasks`` also holds ``eventbench.noop``, the raw
Celery baseline: a task that only counts its completion in Redis.
"""
