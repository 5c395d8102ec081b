"""Top-level URLs: login and the portals, admin, the REST API under /api/, its schema and docs."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from interventions.health import healthz
from sheba_retention.common.api.auth import TokenObtainApi

admin.site.site_header = "Sheba Retention AI"
admin.site.site_title = "Sheba Retention AI"
admin.site.index_title = "Retention operations"

api_patterns: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenObtainApi.as_view(), name="token"),
    path("", include("customers.urls")),
    path("", include("predictions.urls")),
    path("", include("payments.urls")),
    path("", include("interventions.urls")),
    path("", include("analytics.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

# Errors Django answers itself (no route, an uncaught exception, a refused request): JSON under /api/, HTML elsewhere.
handler400 = "sheba_retention.common.api.errors.bad_request"
handler403 = "sheba_retention.common.api.errors.permission_denied"
handler404 = "sheba_retention.common.api.errors.page_not_found"
handler500 = "sheba_retention.common.api.errors.server_error"

urlpatterns = [
    path("", include("accounts.urls")),
    path("analyst/", include("analytics.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include((api_patterns, "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
]
