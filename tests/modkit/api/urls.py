"""A URLconf for exercising the shared API conventions with views the shop doesn't have."""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from modkit.api.throttling import ClientRateThrottle
from modkit.errors import Conflict, ModuleUnavailable


class OnePerMinute(AnonRateThrottle):
    scope = "test-one-per-minute"
    rate = "1/min"


class EchoApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=20)
        quantity = serializers.IntegerField(min_value=1)

    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(data.validated_data, status=201)


class BoomApi(APIView):
    def get(self, request):
        raise RuntimeError("secret internal detail: password=hunter2")


class ConflictApi(APIView):
    def get(self, request):
        raise Conflict("Order already shipped.", details={"status": "shipped"})


class UnavailableApi(APIView):
    def get(self, request):
        raise ModuleUnavailable()


class ThrottledApi(APIView):
    throttle_classes = [OnePerMinute]

    def get(self, request):
        return Response({"ok": True})


class TightClientRate(ClientRateThrottle):
    THROTTLE_RATES = {"anon": "2/min", "user": "3/min"}


class ClientThrottledApi(APIView):
    throttle_classes = [TightClientRate]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/test/echo/", EchoApi.as_view()),
    path("api/test/boom/", BoomApi.as_view()),
    path("api/test/conflict/", ConflictApi.as_view()),
    path("api/test/unavailable/", UnavailableApi.as_view()),
    path("api/test/throttled/", ThrottledApi.as_view()),
    path("api/test/client-throttled/", ClientThrottledApi.as_view()),
    path("", include("config.urls")),
]
handler404 = "modkit.api.errors.handler404"
handler500 = "modkit.api.errors.handler500"
