"""The catalog's public REST API: read-only, open to anyone."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from modkit.api.schema import error_responses

from .. import pages, selectors

UNKNOWN_PRODUCT = {404: "No product for sale has this sku (`unknown_product`)."}
SKU = OpenApiParameter(
    "sku",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The product's stock keeping unit.",
    # One of the demo products `manage.py seed` creates.
    examples=[OpenApiExample("A demo product", value="KIT-MUG-01")],
)


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


@extend_schema_view(
    get=extend_schema(responses={200: ProductOutputSerializer, **error_responses(400)})
)
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

    @extend_schema(
        parameters=[SKU],
        responses={200: ProductOutputSerializer, **error_responses(descriptions=UNKNOWN_PRODUCT)},
        operation_id="catalog_products_retrieve",
    )
    def get(self, request: Request, sku: str) -> Response:
        data = pages.get(sku)
        if data is None:
            product = selectors.product_get(sku=sku, active_only=True)
            availability = selectors.product_availability(skus=[product.sku])
            data = ProductOutputSerializer(product, context={"availability": availability}).data
            pages.keep(sku, data)
        return Response(data)


class CategoryOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()

    class Meta:
        ref_name = "CatalogCategory"


@extend_schema_view(
    get=extend_schema(responses={200: CategoryOutputSerializer, **error_responses(400)})
)
class CategoryListApi(generics.ListAPIView):
    """Every category, by name."""

    serializer_class = CategoryOutputSerializer

    def get_queryset(self) -> Any:
        return selectors.category_list()
