"""URL wiring for hosted modules: each module's ``http/urls.py`` under ``/api/v1/<module>/``."""

from __future__ import annotations

import importlib.util

from django.urls import URLPattern, URLResolver, include, path

from .modules import registry


def module_api_urls(prefix: str = "api/v1/") -> list[URLPattern | URLResolver]:
    patterns: list[URLPattern | URLResolver] = []
    for spec in registry.ordered(registry.hosted):
        urls = f"{spec.package}.http.urls"
        if importlib.util.find_spec(f"{spec.package}.http") and importlib.util.find_spec(urls):
            patterns.append(path(f"{prefix}{spec.name}/", include(urls)))
    return patterns
