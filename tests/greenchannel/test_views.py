"""The green channel screens: who may open them, filing with mistakes and without, the steps
from a filing's page, and one timeline with both sides' steps."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from core.access import Actor
from core.models import HelpRequest
from federation.models import OutboxMessage, Peer
from greenchannel.models import Filing, FilingEvent, FilingStatus, Side
from greenchannel.services import filing_create, filing_step
from tests.conftest import _user
from tests.greenchannel.test_filings import stent

pytestmark = pytest.mark.django_db

LIST = reverse("greenchannel:list")
NEW = reverse("greenchannel:new")


@pytest.fixture
def zhengzhou(db: Any) -> Peer:
    return Peer.objects.create(
        code="zhengzhou",
        name="郑州市疫情防控指挥部",
        url="http://127.0.0.1:9",
        public_key="x" * 44,
    )


def signed_in(user: User, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def local(moment: Any) -> str:
    """As a ``datetime-local`` input sends it."""
    return str(timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M"))


def typed(peer: Peer, **overrides: Any) -> dict[str, Any]:
    """What a dispatcher types into the form for the stent transfer."""
    start = timezone.now() + timedelta(hours=1)
    data = stent(window_start=local(start), window_end=local(start + timedelta(hours=6)))
    data.update(peer=str(peer.pk), help_request_number="")
    data.update(overrides)
    return data


def field_error(response: Any, field: str) -> bool:
    return f'id="id_{field}_error"' in response.content.decode()


def detail(filing: Filing) -> str:
    return reverse("greenchannel:detail", args=[filing.number])


def step(filing: Filing, name: str) -> str:
    return reverse("greenchannel:step", args=[filing.number, name])


@pytest.fixture
def filed(dispatcher: User, zhengzhou: Peer) -> Filing:
    return filing_create(actor=Actor(user=dispatcher), peer=zhengzhou, data=stent())


# --- Who may open the pages -------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.COMMANDER, Role.LEADER, Role.ADMIN])
def test_it_lets_the_filing_roles_in(role: str, filed: Filing) -> None:
    client = signed_in(_user(f"gc-{role}", role))
    for url in (LIST, NEW, detail(filed)):
        assert client.get(url).status_code == 200, url
    assert 'href="/console/green-channel/"' in client.get(LIST).content.decode()  # the nav link


def test_it_lets_the_auditor_read_but_not_file_or_act(auditor: User, filed: Filing) -> None:
    client = signed_in(auditor)
    assert client.get(LIST).status_code == 200
    page = client.get(detail(filed))
    assert page.status_code == 200 and 'data-step="' not in page.content.decode()
    assert client.get(NEW).status_code == 403
    assert client.post(step(filed, "approve_origin")).status_code == 403
    assert Filing.objects.get().status == FilingStatus.FILED


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MEMBER, Role.MEDIA, Role.CITIZEN])
def test_it_refuses_other_roles(role: str, filed: Filing) -> None:
    client = signed_in(_user(f"gc-{role}", role))
    for url in (LIST, NEW, detail(filed)):
        assert client.get(url).status_code == 403, url
    assert (
        "/console/green-channel/"
        not in signed_in(_user("op2", Role.OPERATOR)).get("/console/").content.decode()
    )


def test_it_sends_the_anonymous_to_sign_in(filed: Filing) -> None:
    for url in (LIST, NEW, detail(filed)):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# --- The list ---------------------------------------------------------------------------------


def test_it_lists_both_directions_and_filters_them(
    dispatcher: User, filed: Filing, zhengzhou: Peer
) -> None:
    incoming = Filing.objects.create(
        side=Side.DESTINATION,
        number="zhengzhou-20220114-001",
        peer=zhengzhou,
        origin_instance="zhengzhou",
        destination_instance="jiaozuo",
        status=FilingStatus.ORIGIN_APPROVED,
        **_fields(),
    )
    client = signed_in(dispatcher)
    page = client.get(LIST).content.decode()
    assert page.index(incoming.number) < page.index(filed.number)  # newest first
    assert "Outgoing" in page and "Incoming" in page and "豫H·A1234" in page
    only_in = client.get(LIST, {"direction": "destination"}).content.decode()
    assert incoming.number in only_in and filed.number not in only_in
    only_filed = client.get(LIST, {"status": "filed"}).content.decode()
    assert filed.number in only_filed and incoming.number not in only_filed


# --- Filing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"vehicle_plate": ""}, "vehicle_plate"),
        ({"kind": "tank"}, "kind"),
        ({"help_request_number": "20220114-9999"}, "help_request_number"),
    ],
)
def test_a_bad_filing_names_its_field_and_keeps_what_was_typed(
    dispatcher: User, zhengzhou: Peer, overrides: dict[str, str], field: str
) -> None:
    response = signed_in(dispatcher).post(NEW, typed(zhengzhou, **overrides))
    assert response.status_code == 422
    assert field_error(response, field)
    assert "郑州大学第一附属医院" in response.content.decode()  # nothing typed is lost
    assert not Filing.objects.exists() and not FilingEvent.objects.exists()


def test_a_window_that_ends_before_it_starts_is_refused_in_chinese(
    dispatcher: User, zhengzhou: Peer
) -> None:
    start = timezone.now() + timedelta(hours=5)
    data = typed(zhengzhou, window_start=local(start), window_end=local(start - timedelta(hours=2)))
    response = signed_in(dispatcher, "zh-hans").post(NEW, data)
    assert response.status_code == 422 and field_error(response, "window_end")
    assert "通行时段的结束时间必须晚于开始时间" in response.content.decode()
    assert not Filing.objects.exists()


def test_a_missing_plate_is_named_in_chinese_by_default(dispatcher: User, zhengzhou: Peer) -> None:
    client = Client()
    client.force_login(dispatcher)
    response = client.post(NEW, typed(zhengzhou, vehicle_plate=""))
    assert response.status_code == 422 and "这个字段是必填项" in response.content.decode()


def test_a_good_filing_goes_to_its_page(
    dispatcher: User, zhengzhou: Peer, make_request: Any
) -> None:
    help_request: HelpRequest = make_request()
    response = signed_in(dispatcher).post(
        NEW, typed(zhengzhou, help_request_number=help_request.number)
    )
    filing = Filing.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(filing)
    assert (filing.side, filing.status, filing.help_request_id) == (
        "origin",
        "filed",
        help_request.pk,
    )
    assert filing.window_end - filing.window_start == timedelta(hours=6)
    assert not OutboxMessage.objects.exists()


# --- Steps from the page ----------------------------------------------------------------------


def test_the_page_offers_exactly_our_steps(dispatcher: User, filed: Filing) -> None:
    page = signed_in(dispatcher).get(detail(filed)).content.decode()
    assert 'data-step="approve_origin"' in page and 'data-step="amend"' in page
    assert 'data-step="reject_origin"' in page and 'name="reason"' in page
    assert 'data-step="approve"' not in page and 'data-step="depart"' not in page


def test_approving_at_origin_sends_the_filing(dispatcher: User, filed: Filing) -> None:
    response = signed_in(dispatcher).post(step(filed, "approve_origin"))
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.status == FilingStatus.ORIGIN_APPROVED
    assert OutboxMessage.objects.get().kind == "gc.filing"


def test_a_step_the_status_does_not_allow_answers_422_with_why(
    dispatcher: User, filed: Filing
) -> None:
    response = signed_in(dispatcher).post(step(filed, "depart"))
    assert response.status_code == 422
    assert "Not possible while the filing is" in response.content.decode()
    filed.refresh_from_db()
    assert filed.status == FilingStatus.FILED and not OutboxMessage.objects.exists()


def test_a_rejection_without_a_reason_is_named_on_the_reason(
    dispatcher: User, filed: Filing
) -> None:
    response = signed_in(dispatcher).post(step(filed, "reject_origin"), {"reason": " "})
    assert response.status_code == 422 and field_error(response, "reject_origin_reason")
    assert "Give the reason" in response.content.decode()


def test_an_amendment_before_approval_makes_a_new_version(
    dispatcher: User, filed: Filing, zhengzhou: Peer
) -> None:
    client = signed_in(dispatcher)
    amend = reverse("greenchannel:amend", args=[filed.number])
    assert "豫H·A1234" in client.get(amend).content.decode()  # prefilled
    response = client.post(amend, typed(zhengzhou, vehicle_plate="豫H·B9999"))
    assert response.status_code == 302
    filed.refresh_from_db()
    assert (filed.vehicle_plate, filed.version) == ("豫H·B9999", 2)


def test_an_amendment_after_approval_is_refused_with_why(
    dispatcher: User, filed: Filing, zhengzhou: Peer
) -> None:
    actor = Actor(user=dispatcher)
    filing_step(filed, "approve_origin", actor=actor)
    Filing.objects.filter(pk=filed.pk).update(status=FilingStatus.APPROVED)
    response = signed_in(dispatcher).post(
        reverse("greenchannel:amend", args=[filed.number]),
        typed(zhengzhou, vehicle_plate="豫H·B9999"),
    )
    assert response.status_code == 422
    assert "cannot be amended once it is approved at both ends" in response.content.decode()
    filed.refresh_from_db()
    assert (filed.vehicle_plate, filed.version) == ("豫H·A1234", 1)


# --- One timeline, both sides -----------------------------------------------------------------


def _fields() -> dict[str, Any]:
    data = stent()
    for name in ("window_start", "window_end"):
        data[name] = timezone.now() + timedelta(hours=1 if name == "window_start" else 7)
    return data


def test_the_timeline_shows_both_sides_and_what_came_by_message(
    dispatcher: User, zhengzhou: Peer
) -> None:
    filing = Filing.objects.create(
        side=Side.DESTINATION,
        number="zhengzhou-20220114-002",
        peer=zhengzhou,
        origin_instance="zhengzhou",
        destination_instance="jiaozuo",
        status=FilingStatus.IN_TRANSIT,
        **_fields(),
    )
    now = timezone.now()
    FilingEvent.objects.create(
        filing=filing,
        kind="approve_origin",
        side=Side.ORIGIN,
        to_status="origin_approved",
        actor_name="郑州市疫情防控指挥部",
        message_id=uuid.uuid4(),
        created_at=now - timedelta(hours=2),
    )
    FilingEvent.objects.create(
        filing=filing,
        kind="approve",
        side=Side.DESTINATION,
        from_status="origin_approved",
        to_status="approved",
        actor=dispatcher,
        actor_name="dispatcher",
        created_at=now - timedelta(hours=1),
    )
    FilingEvent.objects.create(
        filing=filing,
        kind="depart",
        side=Side.ORIGIN,
        from_status="approved",
        to_status="in_transit",
        actor_name="郑州 · zz-duty",
        message_id=uuid.uuid4(),
        created_at=now,
    )
    page = signed_in(dispatcher).get(detail(filing)).content.decode()
    timeline = page[page.index("gc-timeline") :]
    assert (
        timeline.index('data-kind="approve_origin"')
        < timeline.index('data-kind="approve"')
        < timeline.index('data-kind="depart"')
    )
    assert timeline.count('data-ours="false"') == 2 and timeline.count('data-ours="true"') == 1
    assert timeline.count("by message") == 2
    assert 'data-step="arrive"' in page and 'data-step="close"' not in page  # our step only


def test_an_unknown_filing_is_404(dispatcher: User) -> None:
    assert (
        signed_in(dispatcher).get(reverse("greenchannel:detail", args=["nope-1"])).status_code
        == 404
    )


def test_the_form_says_what_to_do_when_no_peer_is_registered(client: Client, db: Any) -> None:
    user = User.objects.create_user(username="hq-chief", password="x", role=Role.DISPATCHER)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("greenchannel:new")).content.decode()
    assert 'id="no-peer"' in page and "make run-zhengzhou" in page
