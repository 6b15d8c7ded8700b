from django.urls import path

from .views import CategoryListApi, ProductDetailApi, ProductListApi

app_name = "catalog"

urlpatterns = [
    path("products/", ProductListApi.as_view(), name="product-list"),
    path("products/<str:sku>/", ProductDetailApi.as_view(), name="product-detail"),
    path("categories/", CategoryListApi.as_view(), name="category-list"),
]
