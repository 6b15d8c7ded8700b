from django.urls import path

from .views import StockDetailApi

app_name = "inventory"

urlpatterns = [
    path("stock/<str:sku>/", StockDetailApi.as_view(), name="stock-detail"),
]
