from django.urls import path

from .views import OrderCancelApi, OrderDetailApi, OrderListCreateApi

app_name = "orders"

urlpatterns = [
    path("", OrderListCreateApi.as_view(), name="list-create"),
    path("<str:order_id>/", OrderDetailApi.as_view(), name="detail"),
    path("<str:order_id>/cancel/", OrderCancelApi.as_view(), name="cancel"),
]
