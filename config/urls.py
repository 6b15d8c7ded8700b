from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from modkit.urls import module_api_urls

admin.site.site_header = "modkit shop administration"
admin.site.site_title = "modkit shop"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", include("config.health")),
    path("", include("django_prometheus.urls")),  # /metrics
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/auth/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/v1/auth/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    *module_api_urls(),
]

handler400 = "modkit.api.errors.handler400"
handler403 = "modkit.api.errors.handler403"
handler404 = "modkit.api.errors.handler404"
handler500 = "modkit.api.errors.handler500"
