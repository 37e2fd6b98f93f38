"""Passes: the pass itself (staff), the public verify page, and the keys and status it reads."""

from django.urls import path

from greenchannel import views_passes as views

app_name = "passes"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("keys.json", views.keys_json, name="keys"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("status/<uuid:pid>.json", views.status_json, name="status"),
    path("<uuid:pid>/", views.pass_detail, name="detail"),
]
