from django.urls import path

from .views import CustomerMeApi, CustomerRegisterApi

app_name = "customers"

urlpatterns = [
    path("", CustomerRegisterApi.as_view(), name="register"),
    path("me/", CustomerMeApi.as_view(), name="me"),
]
