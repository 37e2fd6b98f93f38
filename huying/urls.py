"""Top-level URLs: the console, the public pages, the API and the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from api.api import api
from public import attachments as public_attachments

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:request_list", permanent=False)),
    path("console/", include("console.urls")),
    path("track/", include("public.urls")),
    path("attachments/<int:pk>/", public_attachments.attachment, name="attachment"),
    path("open311/v2/", include("open311.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
