"""Filing a lead: checked like any intake, filed on the media channel for the editor's outlet."""

from __future__ import annotations

import re

import pytest

from core.models import Channel, Event, HelpRequest, LeadSource, Status
from tests.media.conftest import lead_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, editor):
    client.force_login(editor)
    return client


def test_the_form_asks_what_an_editor_knows(signed_in):
    body = signed_in.get("/media/leads/new/").content.decode()
    for name in (
        "lead_source",
        "external_ref",
        "category",
        "urgency",
        "description",
        "division",
        "address",
        "requester_name",
        "requester_phone",
        "requester_id_number",
    ):
        assert f'name="{name}"' in body, name
    # The channel is not the editor's to choose, nor is an enterprise.
    for name in ("channel", "uscc", "organisation", "requester_kind"):
        assert f'name="{name}"' not in body, name


def test_a_lead_is_filed_for_the_outlet_and_its_number_shown_large(signed_in, editor, outlet):
    response = signed_in.post("/media/leads/new/", lead_form())
    lead = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/media/leads/{lead.number}/"
    assert lead.channel == Channel.MEDIA
    assert lead.media_outlet == outlet
    assert lead.lead_source == LeadSource.READER_MESSAGE
    assert lead.external_ref == "读者来信 2022-017"
    assert lead.created_by == editor
    assert lead.status == Status.RECEIVED
    assert lead.requester.phone == "13912345678"  # spaces taken out by core.intake
    assert lead.events.get().kind == Event.Kind.CREATED

    page = signed_in.get(response["Location"]).content.decode()
    shown = re.search(r'<p class="filed-number">([^<]+)</p>', page)
    assert shown and shown.group(1) == lead.number


def test_a_bad_phone_is_refused_and_nothing_is_filed(signed_in):
    response = signed_in.post("/media/leads/new/", lead_form(requester_phone="12345"))
    assert response.status_code == 422
    assert "Enter a mobile number of 11 digits" in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_a_landline_with_its_area_code_is_accepted(signed_in):
    response = signed_in.post("/media/leads/new/", lead_form(requester_phone="0391-3568888"))
    assert response.status_code == 302
    assert HelpRequest.objects.get().requester.phone == "0391-3568888"


def test_the_source_of_the_lead_is_required(signed_in):
    response = signed_in.post("/media/leads/new/", lead_form(lead_source=""))
    assert response.status_code == 422
    assert "Choose where the lead came from." in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_an_unknown_source_is_refused(signed_in):
    response = signed_in.post("/media/leads/new/", lead_form(lead_source="rumour"))
    assert response.status_code == 422
    assert not HelpRequest.objects.exists()


def test_an_unknown_division_is_refused(signed_in):
    response = signed_in.post("/media/leads/new/", lead_form(division="999999"))
    assert response.status_code == 422
    assert "Unknown division code." in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_a_wrong_id_number_is_refused_but_none_is_fine(signed_in):
    response = signed_in.post(
        "/media/leads/new/", lead_form(requester_id_number="410802199001011233")
    )
    assert response.status_code == 422
    assert "not a valid resident ID card number" in response.content.decode()
    response = signed_in.post("/media/leads/new/", lead_form(requester_id_number=""))
    assert response.status_code == 302


def test_what_the_editor_typed_is_kept_as_text_and_shown_escaped(signed_in, outlet):
    script = '<script>alert("x")</script><b>急</b>'
    response = signed_in.post(
        "/media/leads/new/", lead_form(description=f"老人没药了{script}", external_ref=script)
    )
    lead = HelpRequest.objects.get()
    assert lead.description == f"老人没药了{script}"
    assert lead.external_ref == script
    for page in (signed_in.get(response["Location"]), signed_in.get("/media/leads/")):
        body = page.content.decode()
        assert "<script>alert" not in body
        assert "<b>急</b>" not in body
    body = signed_in.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_an_invalid_form_keeps_what_was_typed(signed_in):
    response = signed_in.post("/media/leads/new/", lead_form(requester_phone="12345"))
    body = response.content.decode()
    assert "氯吡格雷只剩两天" in body
    assert 'value="王建国"' in body
