"""Filing a request from the console with ``core.intake.IntakeForm``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import Event, HelpRequest, PersonalDataAccess, Requester, Status

pytestmark = pytest.mark.django_db

NEW = reverse("console:request_new")


def intake(**overrides: str) -> dict[str, str]:
    values = {
        "channel": "hotline",
        "category": "medical",
        "urgency": "critical",
        "description": "父亲心脏支架术后需复查，小区封控，需要120转运到市人民医院。",
        "division": "410802001",
        "address": "焦南街道幸福里小区3号楼",
        "requester_kind": "person",
        "requester_name": "王建国",
        "requester_phone": "139 1234 5678",
        "requester_id_number": "",
    }
    values.update(overrides)
    return values


def test_it_shows_the_form_with_divisions_grouped_by_county(client, operator):
    client.force_login(operator)
    response = client.get(NEW)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<optgroup label="Shanyang District">' in page
    assert '<optgroup label="Qinyang City">' in page
    assert page.count("太行街道") == 2  # one in each, told apart by their county


def test_it_files_a_request_and_shows_its_number_large(client, operator):
    client.force_login(operator)
    response = client.post(NEW, intake())
    hr = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("console:request_detail", args=[hr.number])
    assert hr.status == Status.RECEIVED
    assert hr.created_by == operator
    assert hr.requester.phone == "13912345678"  # normalised by the intake form
    assert list(hr.events.values_list("kind", flat=True)) == [Event.Kind.CREATED]

    page = client.get(response.url).content.decode()
    assert f'<p class="filed-number">{hr.number}</p>' in page
    assert "Read the number back to the caller" in page
    # Shown once: a reload does not announce it again.
    assert "filed-number" not in client.get(response.url).content.decode()


def test_bad_input_re_renders_with_errors_keeps_values_and_writes_nothing(client, operator):
    client.force_login(operator)
    response = client.post(
        NEW,
        intake(
            requester_phone="12345",
            requester_id_number="410802199001011231",
            division="999999",
            description="   ",
        ),
    )
    assert response.status_code == 422
    page = response.content.decode()
    for field in ("requester_phone", "requester_id_number", "division", "description"):
        assert f'id="id_{field}_error"' in page, field
    assert "Enter a mobile number of 11 digits" in page
    assert "Unknown division code." in page
    assert 'value="王建国"' in page  # what was typed stays
    assert 'value="焦南街道幸福里小区3号楼"' in page
    assert HelpRequest.objects.count() == 0
    assert Requester.objects.count() == 0
    assert Event.objects.count() == 0


def test_an_enterprise_request_needs_the_enterprise_and_its_code(client, operator):
    client.force_login(operator)
    response = client.post(NEW, intake(requester_kind="enterprise", category="enterprise"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "An enterprise request needs the enterprise name." in page
    assert "An enterprise request needs the unified social credit code." in page
    assert HelpRequest.objects.count() == 0


@pytest.mark.parametrize("persona", ["member_a", "commander", "auditor"])
def test_roles_that_do_not_file_get_403_and_file_nothing(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, intake()).status_code == 403
    assert HelpRequest.objects.count() == 0


def test_the_dispatcher_may_file_too(client, dispatcher):
    client.force_login(dispatcher)
    assert client.post(NEW, intake()).status_code == 302
    assert HelpRequest.objects.get().created_by == dispatcher


def test_the_filed_request_shows_the_requester_masked_and_records_nothing(client, operator):
    client.force_login(operator)
    response = client.post(NEW, intake(), follow=True)
    assert "王**" in response.content.decode()
    assert "王建国" not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()
