"""One rate limit per request: by user when authenticated, by client address otherwise.

DRF's ``AnonRateThrottle`` and ``UserRateThrottle`` side by side do the same job with twice the
work: for an anonymous request both key on the client's address (the user throttle falls back to
it) and each reads and writes its history in the cache, four cache round trips per request.
``ClientRateThrottle`` applies the ``anon`` rate to anonymous clients and the ``user`` rate to
authenticated users, as the pair does, with one history and two round trips. When the cache
cannot be reached it lets the request through (logged) rather than failing it: a cache outage
must not take the API down with it.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class ClientRateThrottle(SimpleRateThrottle):
    """``DEFAULT_THROTTLE_RATES["user"]`` per authenticated user, ``["anon"]`` per address."""

    scope = "anon"

    def allow_request(self, request: Request, view: Any) -> bool:
        user = getattr(request, "user", None)
        scope = "user" if user is not None and user.is_authenticated else "anon"
        if scope != self.scope:
            self.scope = scope
            self.rate = self.get_rate()
            self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache is down: serve unthrottled rather than fail
            logger.warning("throttle: cache unavailable, request not counted: %s", exc)
            return True

    def get_cache_key(self, request: Request, view: Any) -> str:
        ident = request.user.pk if self.scope == "user" else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
