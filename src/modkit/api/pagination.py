"""Pagination with ``limit``/``offset`` that rejects bad values instead of ignoring them."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


class StrictLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100

    def _int_param(self, request: Any, name: str, default: int, minimum: int) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({name: [f"must be an integer, got {raw!r}"]}) from None
        if value < minimum:
            raise ValidationError({name: [f"must be at least {minimum}"]})
        return value

    def get_limit(self, request: Any) -> int:
        return min(self._int_param(request, "limit", self.default_limit, 1), self.max_limit)

    def get_offset(self, request: Any) -> int:
        return self._int_param(request, "offset", 0, 0)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """``limit`` and ``offset`` as they are read: bounded below, and empty means absent."""
        minimums = {self.limit_query_param: 1, self.offset_query_param: 0}
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = minimums[parameter["name"]]
            parameter["allowEmptyValue"] = True
            if parameter["name"] == self.limit_query_param:
                parameter["description"] += (
                    f" Default {self.default_limit}; more than {self.max_limit} gives"
                    f" {self.max_limit}."
                )
        return parameters
