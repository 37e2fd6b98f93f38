"""URLs of the green channel screens, under /console/green-channel/."""

from django.urls import path

from greenchannel import views

app_name = "greenchannel"

urlpatterns = [
    path("", views.filing_list, name="list"),
    path("new/", views.filing_new, name="new"),
    path("<str:number>/", views.filing_detail, name="detail"),
    path("<str:number>/amend/", views.filing_amend, name="amend"),
    path("<str:number>/steps/<slug:step>/", views.filing_step_view, name="step"),
    path("<str:number>/files/", views.file_add, name="file_add"),
    path("<str:number>/files/<uuid:uid>/", views.file_download, name="file"),
    path("<str:number>/passes/new/", views.pass_reissue, name="pass_reissue"),
    path("<str:number>/passes/<uuid:pid>/revoke/", views.pass_revoke, name="pass_revoke"),
]
