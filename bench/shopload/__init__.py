"""The pieces of ``bench/shop_load.py``: settings, URLconf, setup and the locust users."""
