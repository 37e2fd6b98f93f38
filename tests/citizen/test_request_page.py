"""A resident's own requests: the list, a request's page in plain words, its photos, the
rating, and nothing of anyone else's."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from core.access import Actor
from core.models import Event, Group, HelpRequest, Satisfaction, Status
from core.services import (
    request_accept,
    request_dispatch,
    request_resolve,
    request_start,
)
from tests.portal_helpers import exif_of

pytestmark = pytest.mark.django_db

ANSWER = "已协调120今晚8点接送到市人民医院透析，司机会提前电话联系。"
INTERNAL_NOTE = "内部备注：请优先安排"


def resolve(hr: HelpRequest, dispatcher: User, group: Group, member: User) -> HelpRequest:
    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group, note=INTERNAL_NOTE)
    hr = request_accept(hr, actor=Actor(user=member), note=INTERNAL_NOTE)
    hr = request_start(hr, actor=Actor(user=member))
    return request_resolve(hr, actor=Actor(user=member), answer=ANSWER, answer_method="app")


def page(client: Client, hr: HelpRequest) -> str:
    response = client.get(f"/app/requests/{hr.number}/")
    assert response.status_code == 200
    return response.content.decode()


def rate(client: Client, hr: HelpRequest, satisfaction: str, note: str = ""):
    return client.post(
        f"/app/requests/{hr.number}/rate/", {"satisfaction": satisfaction, "note": note}
    )


def test_the_list_shows_my_requests_newest_first(
    resident_client: Client, file_request, neighbour: User, make_request
):
    first = file_request(description="第一件事")
    second = file_request(description="第二件事")
    make_request()  # someone else's, by the hotline

    response = resident_client.get("/app/")

    numbers = [hr.number for hr in response.context["page"].object_list]
    assert numbers == [second.number, first.number]


def test_the_page_shows_status_steps_and_answer_in_plain_words(
    resident_client: Client, file_request, dispatcher, group_a, member_a
):
    hr = resolve(file_request(), dispatcher, group_a, member_a)

    text = page(resident_client, hr)

    assert 'data-status="resolved"' in text
    assert "The team has answered your request." in text
    assert ANSWER in text
    for step in ("Received", "Dispatched", "Accepted", "Work started", "Resolved"):
        assert f'<span class="step-label">{step}</span>' in text
    # No staff, no internal notes, no group.
    for hidden in (INTERNAL_NOTE, "dispatcher", "member_a", group_a.name, group_a.name_en):
        assert hidden not in text


def test_the_rating_form_appears_only_once_answered(
    resident_client: Client, file_request, dispatcher, group_a, member_a
):
    hr = file_request()
    assert 'name="satisfaction"' not in page(resident_client, hr)

    response = rate(resident_client, hr, Satisfaction.SATISFIED)

    assert response.status_code == 409
    assert HelpRequest.objects.get(pk=hr.pk).status == Status.RECEIVED

    resolve(hr, dispatcher, group_a, member_a)
    assert 'name="satisfaction"' in page(resident_client, hr)


def test_a_satisfied_rating_closes_it(
    resident_client: Client, file_request, dispatcher, group_a, member_a
):
    hr = resolve(file_request(), dispatcher, group_a, member_a)

    response = rate(resident_client, hr, Satisfaction.SATISFIED, "谢谢！")

    assert response.status_code == 302
    hr.refresh_from_db()
    assert (hr.status, hr.satisfaction) == (Status.CLOSED, Satisfaction.SATISFIED)
    closed = hr.events.get(kind=Event.Kind.CLOSED)
    assert closed.note == "谢谢！"
    assert closed.actor is not None and closed.actor.phone == "13903910168"
    text = page(resident_client, hr)
    assert "Thank you for rating the answer." in text
    assert "Your rating:" in text
    assert 'name="satisfaction"' not in text


def test_a_first_unsatisfied_rating_reopens_and_says_so(
    resident_client: Client, file_request, dispatcher, group_a, member_a
):
    hr = resolve(file_request(), dispatcher, group_a, member_a)

    rate(resident_client, hr, Satisfaction.UNSATISFIED, "车没来")

    hr.refresh_from_db()
    assert hr.status == Status.IN_PROGRESS
    assert hr.reopen_count == 1
    text = page(resident_client, hr)
    assert "Your request is reopened and the team will work on it again." in text
    # Still said on a later visit, when the flash message is gone.
    text = page(resident_client, hr)
    assert "so your request was reopened" in text
    assert '<span class="step-label">Reopened</span>' in text

    # The group answers again; a second 不满意 closes it.
    hr = request_resolve(hr, actor=Actor(user=member_a), answer="已改派车辆", answer_method="app")
    rate(resident_client, hr, Satisfaction.UNSATISFIED)
    hr.refresh_from_db()
    assert (hr.status, hr.satisfaction) == (Status.CLOSED, Satisfaction.UNSATISFIED)


def test_a_rating_must_be_chosen(
    resident_client: Client, file_request, dispatcher, group_a, member_a
):
    hr = resolve(file_request(), dispatcher, group_a, member_a)

    response = rate(resident_client, hr, "", "<b>comment</b>")

    assert response.status_code == 422
    assert response.context["rating_form"].errors["satisfaction"]
    assert "&lt;b&gt;comment&lt;/b&gt;" in response.content.decode()
    assert HelpRequest.objects.get(pk=hr.pk).status == Status.RESOLVED


def test_my_photos_are_served_to_me_without_exif(resident_client: Client, file_request):
    hr = file_request()
    attachment = hr.attachments.get()
    url = f"/attachments/{attachment.pk}/"
    assert url in page(resident_client, hr)

    response = resident_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert exif_of(response.getvalue()) == {}


def test_another_resident_gets_404_for_my_request_and_my_photo(file_request, neighbour: User):
    hr = file_request()
    attachment = hr.attachments.get()
    client = Client()
    client.force_login(neighbour)

    assert client.get(f"/app/requests/{hr.number}/").status_code == 404
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404
    assert rate(client, hr, Satisfaction.SATISFIED).status_code == 404
    assert hr.number not in client.get("/app/").content.decode()


def test_signed_out_visitors_get_no_photo(file_request):
    hr = file_request()
    attachment = hr.attachments.get()

    response = Client().get(f"/attachments/{attachment.pk}/")

    assert response.status_code == 302
    assert not response.has_header("Content-Disposition")


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, file_request):
    hr = file_request()
    client.logout()

    response = client.get(f"/app/requests/{hr.number}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/app/sign-in/?next=")


def test_an_unknown_number_is_404(resident_client: Client):
    assert resident_client.get("/app/requests/20220114-9999/").status_code == 404
    assert resident_client.get("/app/requests/nonsense/").status_code == 404
