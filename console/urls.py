"""URLs of the staff console, under /console/."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, register_converter
from django.views.generic import RedirectView

from console import roster, views, workbench
from console.forms import ConsoleAuthenticationForm


class RequestNumberConverter:
    """``20220114-0097``: eight digits of the day, a dash, the day's sequence."""

    regex = r"\d{8}-\d{4,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RequestNumberConverter, "request_number")

app_name = "console"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:request_list"), name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=ConsoleAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/pulse/", views.request_pulse, name="request_pulse"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/new/history/", views.intake_history, name="intake_history"),
    path("requests/new/triage/", views.intake_triage, name="intake_triage"),
    path("requests/new/duplicates/", views.intake_duplicates, name="intake_duplicates"),
    path("workbench/", workbench.workbench, name="workbench"),
    path("workbench/leader/", workbench.leader_view, name="workbench_leader"),
    path("roster/", roster.roster, name="roster"),
    path("roster/export/", roster.roster_export, name="roster_export"),
    path("roster/import/", roster.roster_import, name="roster_import"),
    path("policies/search/", views.policy_search, name="policy_search"),
    path("requests/<request_number:number>/", views.request_detail, name="request_detail"),
    path(
        "requests/<request_number:number>/<slug:action>/",
        views.request_action,
        name="request_action",
    ),
]
