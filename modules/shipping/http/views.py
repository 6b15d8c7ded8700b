"""Shipping's public REST API: a customer's view of the shipments of their own orders."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from modules.customers.interface import customers

from .. import selectors


class ShipmentListApi(generics.GenericAPIView):
    """The shipments of one of the caller's orders: `GET /api/v1/shipping/shipments/?order={id}`.

    - **200** with the order's shipments (at most one; paginated like every list of the API)
      when the order is the caller's. The list is empty until the order is paid (shipping
      creates the shipment from `OrderPaid`), and also when the orders module cannot be asked
      whose order it is: the customer then sees no shipment, which is the truth as shipping
      knows it, and an empty list reveals nothing about anybody's order.
    - **404** `order_not_found` when the order is someone else's or does not exist: one answer
      for both, so other customers' order ids cannot be probed. Shipping knows an order's
      customer once the order has a shipment; before that it asks the orders module.
    - **404** `unknown_customer` for a login without a customer profile (an operator account).
    - **400** `validation_error` when `order` is missing or not a UUID; **401** without a
      valid bearer token. Errors have the API's error shape.
    """

    permission_classes = [IsAuthenticated]
    filter_backends = []  # the one query parameter is validated by FilterSerializer

    class FilterSerializer(serializers.Serializer):
        order = serializers.UUIDField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        order_id = serializers.UUIDField()
        status = serializers.CharField()
        tracking_number = serializers.CharField(allow_null=True)

        class Meta:
            ref_name = "Shipment"

    serializer_class = OutputSerializer

    @extend_schema(
        operation_id="shipping_shipments_list",
        parameters=[
            OpenApiParameter(
                "order", type=OpenApiTypes.UUID, required=True, description="The order's id."
            )
        ],
        responses={
            200: OutputSerializer(many=True),
            400: OpenApiResponse(description="`order` is missing or not a UUID."),
            401: OpenApiResponse(description="No valid bearer token."),
            404: OpenApiResponse(description="Not the caller's order, or no such order."),
        },
    )
    def get(self, request: Request) -> Response:
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        customer = customers.get_customer_by_user(user_id=int(request.user.id))
        shipments = selectors.shipments_of_customer_order(
            order_id=query.validated_data["order"], customer_id=customer.id
        )
        page = self.paginate_queryset(shipments)
        return self.get_paginated_response(self.OutputSerializer(page, many=True).data)
