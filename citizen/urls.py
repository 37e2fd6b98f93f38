"""URLs of the citizen app, under /app/."""

from __future__ import annotations

from django.urls import path

from citizen import views
from public.portal import streets

app_name = "citizen"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<str:number>/", views.request_detail, name="request_detail"),
    path("requests/<str:number>/rate/", views.request_rate, name="request_rate"),
    path("streets/", streets, name="streets"),
]
