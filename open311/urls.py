"""URLs of the Open311 GeoReport v2 endpoint, under /open311/v2/.

Each resource ends in its format, ``.xml`` or ``.json``; the views answer any other
extension with a 404.
"""

from __future__ import annotations

from django.urls import URLPattern, re_path

from open311 import views

app_name = "open311"

#: A format extension: letters and digits after the last dot; the view checks which.
_FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"
#: A path segment without a dot, so the extension is never swallowed by the name.
_NAME = r"[^/.]+"

urlpatterns: list[URLPattern] = [
    re_path(r"^discovery" + _FMT, views.discovery, name="discovery"),
    re_path(r"^services" + _FMT, views.services, name="services"),
    re_path(
        rf"^services/(?P<service_code>{_NAME})" + _FMT,
        views.service_definition,
        name="service_definition",
    ),
    re_path(r"^requests" + _FMT, views.service_requests, name="requests"),
    re_path(
        rf"^requests/(?P<service_request_id>{_NAME})" + _FMT,
        views.service_request,
        name="request",
    ),
    re_path(rf"^tokens/(?P<token>{_NAME})" + _FMT, views.token, name="token"),
    # Last: whatever else is asked for under the endpoint gets the errors body, not HTML.
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
