"""Top-level URLs: the console, the public pages, the API and the admin."""

from django.contrib import admin
from django.urls import include, path

from api.api import api
from huying import health, metrics, overload
from public import attachments as public_attachments
from public import views as public_views
from reports.urls import bulletin_patterns

# A call that cannot reach the database answers 503 with Retry-After, not the API's 500.
overload.install_api_handlers(api)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", public_views.home, name="home"),
    path("console/green-channel/", include("greenchannel.urls")),
    path("console/", include("console.urls")),
    path("board/", include("board.urls")),
    path("reports/", include("reports.urls")),
    path("bulletin/", include(bulletin_patterns)),
    path("federation/", include("federation.urls")),
    path("passes/", include("greenchannel.urls_passes")),
    path("track/", include("public.urls")),
    path("app/", include("citizen.urls")),
    path("enterprise/", include("enterprise.urls")),
    path("media/", include("media.urls")),
    path("attachments/<int:pk>/", public_attachments.attachment, name="attachment"),
    path("open311/v2/", include("open311.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
