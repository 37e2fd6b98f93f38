"""URLs of the enterprise portal, under /enterprise/."""

from __future__ import annotations

from django.urls import path

from enterprise import views
from public.portal import streets

app_name = "enterprise"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("contacts/", views.contacts, name="contacts"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<str:number>/", views.request_detail, name="request_detail"),
    path("requests/<str:number>/rate/", views.request_rate, name="request_rate"),
    path("streets/", streets, name="streets"),
]
