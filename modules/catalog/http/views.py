"""The catalog's public REST API: read-only, open to anyone."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors


class ProductOutputSerializer(serializers.Serializer):
    """A product for sale. `available` is null when inventory cannot be asked right now."""

    sku = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    category = serializers.CharField(source="category.slug")
    available = serializers.SerializerMethodField()

    class Meta:
        ref_name = "CatalogProduct"

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=0))
    def get_available(self, product: Any) -> int | None:
        availability = self.context["availability"]
        return None if availability is None else availability[product.sku]


class ProductListApi(generics.ListAPIView):
    """Products for sale, by sku; `available` comes from inventory, one call per page."""

    serializer_class = ProductOutputSerializer
    filterset_class = selectors.ProductFilter

    def get_queryset(self) -> Any:
        return selectors.product_list_active()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        availability = selectors.product_availability(skus=[p.sku for p in page])
        data = ProductOutputSerializer(page, many=True, context={"availability": availability}).data
        return self.get_paginated_response(data)


class ProductDetailApi(APIView):
    """One product for sale; an unknown or withdrawn sku is a 404 `unknown_product`."""

    @extend_schema(responses=ProductOutputSerializer, operation_id="catalog_products_retrieve")
    def get(self, request: Request, sku: str) -> Response:
        product = selectors.product_get(sku=sku, active_only=True)
        availability = selectors.product_availability(skus=[product.sku])
        serializer = ProductOutputSerializer(product, context={"availability": availability})
        return Response(serializer.data)


class CategoryListApi(generics.ListAPIView):
    """Every category, by name."""

    class OutputSerializer(serializers.Serializer):
        slug = serializers.CharField()
        name = serializers.CharField()

        class Meta:
            ref_name = "CatalogCategory"

    serializer_class = OutputSerializer

    def get_queryset(self) -> Any:
        return selectors.category_list()
