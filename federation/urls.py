from django.urls import path

from federation import views

app_name = "federation"

urlpatterns = [
    path("v1/identity", views.identity, name="identity"),
    path("v1/messages", views.messages, name="messages"),
]
