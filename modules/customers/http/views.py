"""The customers' public REST API: registration, and the caller's own profile."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from modkit.api.schema import error_responses

from .. import selectors, services


class StrictCharField(serializers.CharField):
    """A ``CharField`` that refuses numbers instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(StrictCharField, serializers.EmailField):
    pass


class CustomerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Customer"


class CustomerRegisterApi(APIView):
    """Register a customer: a login (username = email) and its profile."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        email = StrictEmailField(max_length=services.EMAIL_MAX_LENGTH)
        password = StrictCharField(
            max_length=services.PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True
        )
        name = StrictCharField(max_length=services.NAME_MAX_LENGTH)

        class Meta:
            ref_name = "CustomerRegistration"

    @extend_schema(
        request=InputSerializer,
        responses={
            201: CustomerOutputSerializer,
            **error_responses(
                body=True,
                descriptions={
                    400: "Invalid input: `validation_error` (wrong types, missing fields) or "
                    "`invalid_customer` (a bad email, name or password); `details` names "
                    "each field.",
                    409: "The email is already registered (`email_taken`).",
                },
            ),
        },
        operation_id="customers_register",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = services.customer_register(**serializer.validated_data)
        return Response(CustomerOutputSerializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerMeApi(APIView):
    """The profile of the customer the bearer token belongs to."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: CustomerOutputSerializer,
            **error_responses(
                descriptions={404: "The login has no customer profile (`unknown_customer`)."}
            ),
        },
        operation_id="customers_me",
    )
    def get(self, request: Request) -> Response:
        customer = selectors.customer_get_by_user(user_id=int(request.user.id))
        return Response(CustomerOutputSerializer(customer).data)
