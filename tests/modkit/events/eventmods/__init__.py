"""Test modules for the events machinery on the real stack (MODKIT_MODULES_PACKAGE points here).

``source`` publishes ``source.ThingHappened``; ``alpha`` and ``beta`` each record one effect row
per event they handle. ``beta.flaky`` fails the first ``fail_times`` attempts of an event, and
``beta.fragile`` fails while the file ``$MODKIT_TEST_STATE_DIR/broken`` exists. Attempts are
counted in files, outside any transaction, so the test can see the retries.
"""
