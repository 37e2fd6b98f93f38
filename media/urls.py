"""URLs of the media channel, under /media/."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, re_path
from django.views.generic import RedirectView

from media import views
from media.forms import MediaAuthenticationForm

app_name = "media"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="media:lead_list"), name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="media/login.html",
            authentication_form=MediaAuthenticationForm,
            redirect_authenticated_user=True,
            next_page="media:lead_list",
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="media:login"), name="logout"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_new, name="lead_new"),
    re_path(r"^leads/(?P<number>\d{8}-\d{4,})/$", views.lead_detail, name="lead_detail"),
]
