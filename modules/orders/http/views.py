"""The orders' public REST API: a customer places, lists, reads and cancels their own orders.

Views validate the shape of a request and call one service or selector; a login without a
customer profile (an operator, say) is refused with 403.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from modkit.api.schema import error_responses
from modules.customers.contracts import Customer, UnknownCustomer
from modules.customers.interface import customers

from .. import selectors, services
from ..contracts import CANCEL_REASONS, STATUSES
from ..models import Order

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII, optionally as a structured-field string ("..."), like the IETF draft's examples.
_IDEMPOTENCY_KEY = re.compile(
    r'^"?([\x21\x23-\x7e]{1,' + str(services.IDEMPOTENCY_KEY_MAX_LENGTH) + r'})"?$'
)


class StrictCharField(serializers.CharField):
    """A ``CharField`` that refuses numbers and other non-strings instead of converting them."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An ``IntegerField`` that takes JSON integers only (not ``"3"``, ``3.0`` or ``true``)."""

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class OrderLineOutputSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    quantity = serializers.IntegerField()

    class Meta:
        ref_name = "OrderLine"


class OrderHistoryOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUSES)
    at = serializers.DateTimeField()

    class Meta:
        ref_name = "OrderHistoryEntry"


class OrderOutputSerializer(serializers.Serializer):
    """An order as its customer sees it (CONTRACT §5)."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=STATUSES)
    cancel_reason = serializers.SerializerMethodField()
    lines = OrderLineOutputSerializer(many=True)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    history = OrderHistoryOutputSerializer(many=True)

    class Meta:
        ref_name = "Order"

    @extend_schema_field(serializers.ChoiceField(choices=CANCEL_REASONS, allow_null=True))
    def get_cancel_reason(self, order: Order) -> str | None:
        return order.cancel_reason or None  # stored as "" until cancelled


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as ``{"lines[1].quantity": [...], "shipping_address.city": [...]}``
    (a ``ListField`` reports its items' errors by index, a nested serializer by field)."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            if key == "non_field_errors":
                path = prefix
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for name, messages in _flatten(value, path).items():
                flat.setdefault(name, []).extend(messages)
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


def _validated(serializer: serializers.Serializer) -> Any:
    if not serializer.is_valid():
        raise ValidationError(_flatten(serializer.errors))
    return serializer.validated_data


class CustomerApi(APIView):
    """An endpoint for customers: a bearer token of a login with a customer profile."""

    permission_classes = [IsAuthenticated]

    def customer(self, request: Request) -> Customer:
        try:
            return customers.get_customer_by_user(user_id=int(request.user.id))
        except UnknownCustomer:
            raise PermissionDenied(
                "Only customers have orders: this login has no customer profile."
            ) from None


class LineInputSerializer(serializers.Serializer):
    sku = StrictCharField(max_length=64)
    quantity = StrictIntegerField(min_value=1, max_value=services.MAX_QUANTITY)

    class Meta:
        ref_name = "OrderLineInput"


class AddressInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=services.ADDRESS_FIELDS["name"])
    line1 = StrictCharField(max_length=services.ADDRESS_FIELDS["line1"])
    city = StrictCharField(max_length=services.ADDRESS_FIELDS["city"])
    postal_code = StrictCharField(max_length=services.ADDRESS_FIELDS["postal_code"])
    country = StrictCharField(
        min_length=2, max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. DE."
    )

    class Meta:
        ref_name = "ShippingAddress"

    def validate_country(self, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise serializers.ValidationError("Use a two-letter country code, e.g. DE.")
        return value.upper()


class OrderInputSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=LineInputSerializer(), min_length=1, max_length=services.MAX_LINES
    )
    shipping_address = AddressInputSerializer()
    payment_token = StrictCharField(max_length=services.PAYMENT_TOKEN_MAX_LENGTH)

    class Meta:
        ref_name = "OrderInput"

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        skus = [line["sku"] for line in lines]
        repeated = sorted({sku for sku in skus if skus.count(sku) > 1})
        if repeated:
            raise serializers.ValidationError(
                f"Each sku may appear on one line only: {', '.join(repeated)}."
            )
        return lines


class OrderListCreateApi(CustomerApi, generics.GenericAPIView):
    """Place an order (`POST`), or list your orders, newest first (`GET`)."""

    serializer_class = OrderOutputSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator, not a customer
            return Order.objects.none()
        return selectors.order_list_for_customer(customer_id=self.customer(self.request).id)

    @extend_schema(
        operation_id="orders_list",
        responses={
            200: OrderOutputSerializer(many=True),
            **error_responses(
                400,
                403,
                503,
                descriptions={400: "A bad `limit` or `offset` (`validation_error`)."},
            ),
        },
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OrderOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="orders_create",
        request=OrderInputSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                type=str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="Makes placing safe to retry: 1 to "
                f"{services.IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters (a UUID, say). "
                "The same key with the same body answers with the order it first created (201 "
                "again, with `Idempotent-Replayed: true`); with another body, 422 "
                "`idempotency_key_reused`.",
            ),
            OpenApiParameter(
                REPLAYED_HEADER,
                type=str,
                location=OpenApiParameter.HEADER,
                response=[201],
                description="`true` when the order was created by an earlier request with "
                "the same Idempotency-Key (absent otherwise).",
            ),
        ],
        responses={
            (201, "application/json"): OpenApiResponse(
                response=OrderOutputSerializer,
                description="The order, `pending`: the stock is reserved and the payment "
                "authorized moments later (follow its `status`).",
            ),
            **error_responses(
                403,
                422,
                503,
                body=True,
                descriptions={
                    400: "Invalid input: `validation_error` (`details` names each field, e.g. "
                    "`lines[1].quantity`), `unknown_sku` (skus not for sale, in "
                    "`details.skus`), `mixed_currencies`, `malformed_json`.",
                    403: "The login has no customer profile (`permission_denied`).",
                    422: "The Idempotency-Key was used with another body "
                    "(`idempotency_key_reused`; `details.order_id`).",
                    503: "The catalog or customers module is unavailable (`module_unavailable`).",
                },
            ),
        },
    )
    def post(self, request: Request) -> Response:
        customer = self.customer(request)
        key = self._idempotency_key(request)
        data = _validated(OrderInputSerializer(data=request.data))
        order, created = services.order_place(
            customer_id=customer.id,
            customer_email=customer.email,
            lines=[(line["sku"], line["quantity"]) for line in data["lines"]],
            shipping_address=data["shipping_address"],
            payment_token=data["payment_token"],
            idempotency_key=key,
        )
        headers = {} if created else {REPLAYED_HEADER: "true"}
        return Response(
            OrderOutputSerializer(order).data, status=status.HTTP_201_CREATED, headers=headers
        )

    def _idempotency_key(self, request: Request) -> str:
        raw = request.headers.get(IDEMPOTENCY_HEADER)
        if raw is None:
            return ""
        match = _IDEMPOTENCY_KEY.match(raw.strip())
        if not match:
            raise ValidationError(
                {
                    IDEMPOTENCY_HEADER: [
                        f"Use 1 to {services.IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII "
                        "characters, e.g. a UUID."
                    ]
                }
            )
        return match.group(1)


class OrderDetailApi(CustomerApi):
    """One of your orders; another customer's, an unknown or a malformed id is a 404."""

    @extend_schema(
        operation_id="orders_retrieve",
        responses={
            200: OrderOutputSerializer,
            **error_responses(
                403,
                404,
                503,
                descriptions={404: "No such order of yours (`order_not_found`)."},
            ),
        },
    )
    def get(self, request: Request, order_id: str) -> Response:
        order = selectors.order_get_for_customer(
            order_id=order_id, customer_id=self.customer(request).id
        )
        return Response(OrderOutputSerializer(order).data)


class OrderCancelApi(CustomerApi):
    """Cancel one of your orders before it ships (stock released, payment refunded shortly);
    409 `order_not_cancellable` once shipped or already cancelled."""

    @extend_schema(
        operation_id="orders_cancel",
        request=None,
        responses={
            200: OrderOutputSerializer,
            **error_responses(
                403,
                404,
                409,
                503,
                descriptions={
                    404: "No such order of yours (`order_not_found`).",
                    409: "The order has shipped or is cancelled already "
                    "(`order_not_cancellable`; `details.status`).",
                },
            ),
        },
    )
    def post(self, request: Request, order_id: str) -> Response:
        order = services.order_cancel(
            order_id=order_id,
            reason=Order.CancelReason.CUSTOMER_REQUEST,
            customer_id=self.customer(request).id,
            note="cancelled by the customer",
        )
        return Response(OrderOutputSerializer(order).data)
