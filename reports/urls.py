"""URLs of the daily report (under /reports/) and of the public bulletin (under /bulletin/)."""

from __future__ import annotations

from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("figures/", views.figures_page, name="figures"),
    path("requests/", views.request_list, name="requests"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/fragment/", views.dashboard_fragment, name="dashboard_fragment"),
    path("dashboard/events/", views.dashboard_events, name="dashboard_events"),
    path("<int:issue>/", views.report_detail, name="report"),
    path("<int:issue>/v<int:version>/", views.report_detail, name="report_version"),
    path(
        "<int:issue>/v<int:version>/report.<str:kind>",
        views.report_document,
        name="document",
    ),
]

#: Mounted at /bulletin/ with the namespace "bulletin": public, no sign-in.
bulletin_patterns = (
    [
        path("", views.bulletin, name="latest"),
        path("latest.json", views.bulletin_json, name="latest_json"),
    ],
    "bulletin",
)
