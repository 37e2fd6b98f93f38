from django.urls import path

from board import views
from live import views as live_views

app_name = "board"

urlpatterns = [
    path("", views.board, name="board"),
    path("fragment/", views.board_fragment, name="fragment"),
    path("events/", live_views.board_events, name="events"),
]
