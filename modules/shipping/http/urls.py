from django.urls import path

from .views import ShipmentListApi

app_name = "shipping"

urlpatterns = [
    path("shipments/", ShipmentListApi.as_view(), name="shipment-list"),
]
