"""A company's requests: filed with documents by any contact, seen by all of them, and by no
other company."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from core.access import Actor
from core.models import (
    Attachment,
    Channel,
    Enterprise,
    HelpRequest,
    RequesterKind,
    Satisfaction,
    Status,
)
from core.selectors import RequestFilters, request_queue
from core.services import request_accept, request_dispatch, request_resolve
from lib.uploads import PDF_TYPE, XLSX_TYPE
from tests.enterprise.conftest import USCC, client_for, request_data
from tests.portal_helpers import exif_of, jpeg_with_exif, pdf_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

URL = "/enterprise/requests/new/"


def post(client: Client, **overrides: Any):
    return client.post(URL, request_data(**overrides))


def test_the_form_starts_from_the_company(contact_client: Client):
    response = contact_client.get(URL)

    assert response.status_code == 200
    form = response.context["form"]
    assert form["category"].value() == "enterprise"
    assert form["workforce"].value() == 160
    assert form["county"].value() == "410802"
    assert form["street"].value() == "410802001"
    assert form["address"].value() == "焦南街道工业路8号"
    page = response.content.decode()
    assert 'hx-get="/enterprise/streets/"' in page
    # Without scripts the street list already holds the company's county's streets only.
    assert 'value="410802001" selected' in page
    assert 'value="4108110' not in page  # no street of 山阳区


def test_it_files_with_a_pdf_a_workbook_and_a_photo(
    contact_client: Client, contact: User, company: Enterprise, dispatcher: User
):
    response = contact_client.post(
        URL,
        request_data(
            attachments=[
                upload("通行证申请.pdf", pdf_bytes(), "application/pdf"),
                upload("员工名单.xlsx", xlsx_bytes()),
                upload("车辆.jpg", jpeg_with_exif(), "image/jpeg"),
            ]
        ),
    )

    assert response.status_code == 302
    hr = HelpRequest.objects.get()
    assert response["Location"] == f"/enterprise/requests/{hr.number}/"
    assert (hr.channel, hr.enterprise, hr.workforce, hr.created_by) == (
        Channel.ENTERPRISE,
        company,
        180,
        contact,
    )
    requester = hr.requester
    assert (requester.kind, requester.name, requester.phone) == (
        RequesterKind.ENTERPRISE,
        "郭建军",
        "13513916688",
    )
    assert (requester.organisation, requester.uscc) == ("焦作市丰源机械有限公司", USCC)
    # The head count was this request's; the company's stays as registered.
    company.refresh_from_db()
    assert company.workforce == 160
    files = {a.original_name: a for a in hr.attachments.all()}
    assert files["通行证申请.pdf"].content_type == PDF_TYPE
    assert files["员工名单.xlsx"].content_type == XLSX_TYPE
    assert files["车辆.jpg"].kind == Attachment.Kind.PHOTO
    assert exif_of(files["车辆.jpg"].file.read()) == {}

    page = contact_client.get(response["Location"]).content.decode()
    assert f'<p class="filed-number">{hr.number}</p>' in page
    assert "通行证申请.pdf" in page and "员工名单.xlsx" in page

    queue = request_queue(actor=Actor(user=dispatcher), filters=RequestFilters())
    assert [item.number for item in queue.items] == [hr.number]


def test_a_pdf_that_is_not_a_pdf_is_refused_naming_the_file(contact_client: Client):
    response = contact_client.post(
        URL, request_data(attachments=[upload("合同.pdf", b"MZ\x90\x00not a pdf")])
    )

    assert response.status_code == 422
    assert response.context["form"].errors["attachments"] == [
        "合同.pdf is not a PDF, an Excel workbook (.xlsx) or an image."
    ]
    assert not HelpRequest.objects.exists()


def test_six_files_are_refused(contact_client: Client):
    response = contact_client.post(
        URL,
        request_data(attachments=[upload(f"{n}.pdf", pdf_bytes()) for n in range(6)]),
    )

    assert response.status_code == 422
    assert response.context["form"].errors["attachments"] == ["Send at most 5 files (you chose 6)."]


def test_an_oversize_document_is_refused(contact_client: Client, settings):
    settings.HUYING_MAX_DOCUMENT_BYTES = 1024

    response = contact_client.post(
        URL, request_data(attachments=[upload("big.pdf", pdf_bytes() + b"0" * 4096)])
    )

    assert response.status_code == 422
    assert "big.pdf is larger than" in response.context["form"].errors["attachments"][0]


def test_the_head_count_must_be_a_number_of_people(contact_client: Client):
    response = post(contact_client, workforce="0", description="")

    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"workforce", "description"}


def test_html_in_the_text_is_shown_escaped(contact_client: Client, file_request):
    hr = file_request(description="<script>alert(1)</script>急需通行证")

    page = contact_client.get(f"/enterprise/requests/{hr.number}/").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;急需通行证" in page
    assert "<script>alert(1)" not in page


def test_the_second_contact_sees_the_first_contacts_request(
    file_request, colleague: User, contact: User
):
    hr = file_request()
    document = hr.attachments.get()
    browser = client_for(colleague)

    listed = browser.get("/enterprise/").context["page"].object_list
    assert [item.number for item in listed] == [hr.number]
    page = browser.get(f"/enterprise/requests/{hr.number}/").content.decode()
    assert "郭建军" in page  # who in the company filed it
    assert f'href="/attachments/{document.pk}/"' in page
    response = browser.get(f"/attachments/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == PDF_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert response.getvalue() == pdf_bytes()


def test_another_company_gets_404_for_our_request_and_our_file(file_request, stranger: User):
    hr = file_request()
    document = hr.attachments.get()
    browser = client_for(stranger)

    assert browser.get(f"/enterprise/requests/{hr.number}/").status_code == 404
    assert browser.get(f"/attachments/{document.pk}/").status_code == 404
    assert (
        browser.post(
            f"/enterprise/requests/{hr.number}/rate/", {"satisfaction": "satisfied"}
        ).status_code
        == 404
    )
    assert list(browser.get("/enterprise/").context["page"].object_list) == []


def test_a_citizen_cannot_open_a_companys_file(file_request, db):
    from tests.citizen.conftest import make_resident

    hr = file_request()
    document = hr.attachments.get()
    resident = make_resident("app-13903910168", "李娟", "13903910168", "410802198807150026")

    assert client_for(resident).get(f"/attachments/{document.pk}/").status_code == 404
    assert client_for(resident).get(f"/app/requests/{hr.number}/").status_code == 404


def test_any_contact_rates_the_answer_and_unsatisfied_reopens(
    file_request, colleague: User, dispatcher: User, group_a, member_a
):
    hr = file_request()
    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    hr = request_resolve(
        hr,
        actor=Actor(user=member_a),
        answer="通行证已办好，请到园区管委会领取",
        answer_method="phone",
    )
    browser = client_for(colleague)
    page = browser.get(f"/enterprise/requests/{hr.number}/").content.decode()
    assert "通行证已办好" in page
    assert 'name="satisfaction"' in page

    browser.post(
        f"/enterprise/requests/{hr.number}/rate/", {"satisfaction": Satisfaction.UNSATISFIED}
    )

    hr.refresh_from_db()
    assert hr.status == Status.IN_PROGRESS
    assert (
        "so your request was reopened"
        in browser.get(f"/enterprise/requests/{hr.number}/").content.decode()
    )


def test_filing_is_rate_limited(contact_client: Client, monkeypatch):
    from public import portal

    monkeypatch.setattr(portal, "FILINGS_PER_ACCOUNT_PER_HOUR", 1)
    assert post(contact_client).status_code == 302

    response = post(contact_client)

    assert response.status_code == 429
    assert response.has_header("Retry-After")
