"""Inventory's public REST API: one view per operation, no business logic."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from modkit.api.schema import error_responses

from ..interface import inventory


class StockDetailApi(APIView):
    """Units of one sku on hand, reserved for orders, and available to order."""

    class OutputSerializer(serializers.Serializer):
        sku = serializers.CharField()
        on_hand = serializers.IntegerField()
        reserved = serializers.IntegerField()
        available = serializers.IntegerField()

        class Meta:
            ref_name = "StockLevel"

    @extend_schema(
        operation_id="inventory_stock_retrieve",
        parameters=[
            OpenApiParameter(
                "sku",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The stock keeping unit.",
                # A sku of the demo catalog, which `manage.py seed` stocks.
                examples=[OpenApiExample("A demo product", value="KIT-MUG-01")],
            )
        ],
        responses={
            200: OutputSerializer,
            **error_responses(descriptions={404: "No stock is kept for this sku (`unknown_sku`)."}),
        },
    )
    def get(self, request: Request, sku: str) -> Response:
        stock = inventory.get_stock(sku=sku)
        return Response(self.OutputSerializer(stock).data)
