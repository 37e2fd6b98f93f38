from django.urls import path

from board import views

app_name = "board"

urlpatterns = [
    path("", views.board, name="board"),
    path("fragment/", views.board_fragment, name="fragment"),
    path("events/", views.events, name="events"),
]
