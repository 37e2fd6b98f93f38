"""URLs of the staff console, under /console/."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, register_converter
from django.views.generic import RedirectView

from accounts import views as account_views
from console import roster, views, workbench
from live import views as live_views


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
    # Sign-in with its lock-out and second step, and the two-factor page (accounts.views).
    path("login/", account_views.ConsoleLoginView.as_view(), name="login"),
    path("login/code/", account_views.login_code, name="login_code"),
    path("account/two-factor/", account_views.two_factor, name="two_factor"),
    path(
        "account/two-factor/disable/", account_views.two_factor_disable, name="two_factor_disable"
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The queue's and the workbench's live stream (live.views): no polling.
    path("events/", live_views.console_events, name="events"),
    path("requests/", views.request_list, name="request_list"),
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
    # Before the actions' pattern, which would take "personal-data" for an action's name.
    path(
        "requests/<request_number:number>/personal-data/",
        views.request_personal_data,
        name="request_personal_data",
    ),
    path(
        "requests/<request_number:number>/<slug:action>/",
        views.request_action,
        name="request_action",
    ),
]
