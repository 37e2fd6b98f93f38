"""Revoking a pass and issuing a new one from the filing's page, and who may do either."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from core.access import Actor
from core.errors import InvalidInput, TransitionNotAllowed
from federation.models import OutboxMessage, Peer
from greenchannel import passes
from greenchannel.models import Filing, FilingStatus, Pass
from greenchannel.services import filing_step
from tests.federation.conftest import PeerKeys
from tests.greenchannel.test_filings import from_peer
from tests.greenchannel.test_passes import during
from tests.greenchannel.test_views import signed_in

pytestmark = pytest.mark.django_db


def revoke_url(issued: Pass) -> str:
    return reverse("greenchannel:pass_revoke", args=[issued.filing.number, issued.pid])


def reissue_url(filing: Filing) -> str:
    return reverse("greenchannel:pass_reissue", args=[filing.number])


def test_reissuing_revokes_the_pass_in_force_and_issues_one_new(
    approved: Filing, chief: Actor
) -> None:
    first = approved.passes.get()
    second = passes.pass_reissue(approved, actor=chief, reason="司机换人")
    first.refresh_from_db()
    assert first.revoked_at is not None and "司机换人" in first.revoked_reason
    assert second.revoked_at is None and second.pid != first.pid
    assert passes.verify_token(first.token, now=during(approved)).outcome == "revoked"
    assert passes.verify_token(second.token, now=during(approved)).outcome == "valid"
    # The other side hears of the revocation; the new pass travels with the driver.
    assert OutboxMessage.objects.filter(kind="gc.pass_revoked").count() == 1


def test_reissuing_needs_a_reason(approved: Filing, chief: Actor) -> None:
    approved.passes.get()
    with pytest.raises(InvalidInput) as error:
        passes.pass_reissue(approved, actor=chief, reason="  ")
    assert "reason" in error.value.details
    assert Pass.objects.filter(filing=approved, revoked_at=None).count() == 1


def test_a_refused_reissue_leaves_the_old_pass_in_force(
    approved: Filing, chief: Actor, zhengzhou_keys: PeerKeys
) -> None:
    issued = approved.passes.get()
    filing_step(approved, "depart", actor=chief)
    from_peer(zhengzhou_keys, "gc.step", {"uid": str(approved.uid), "step": "arrive", "version": 1})
    approved.refresh_from_db()
    assert approved.status == FilingStatus.ARRIVED
    with pytest.raises(TransitionNotAllowed):
        passes.pass_reissue(approved, actor=chief, reason="丢失")
    issued.refresh_from_db()
    assert issued.revoked_at is None
    assert not OutboxMessage.objects.filter(kind="gc.pass_revoked").exists()


def test_the_page_shows_the_passes_and_revokes_with_a_reason(
    approved: Filing, dispatcher: User
) -> None:
    issued = approved.passes.get()
    client = signed_in(dispatcher)
    page = client.get(reverse("greenchannel:detail", args=[approved.number])).content.decode()
    assert f'data-pid="{issued.pid}" data-state="in-force"' in page
    assert revoke_url(issued) in page and reissue_url(approved) in page

    refused = client.post(revoke_url(issued), {"reason": ""})
    assert refused.status_code == 422
    assert f'id="id_revoke-{issued.pid}_reason_error"' in refused.content.decode()
    issued.refresh_from_db()
    assert issued.revoked_at is None

    done = client.post(revoke_url(issued), {"reason": "通行证遗失"})
    assert done.status_code == 302
    issued.refresh_from_db()
    assert issued.revoked_reason == "通行证遗失"
    page = client.get(reverse("greenchannel:detail", args=[approved.number])).content.decode()
    assert (
        f'data-pid="{issued.pid}" data-state="revoked"' in page and revoke_url(issued) not in page
    )

    again = client.post(revoke_url(issued), {"reason": "again"})
    assert again.status_code == 422 and "already revoked" in again.content.decode()


def test_the_page_issues_a_new_pass(approved: Filing, dispatcher: User) -> None:
    first = approved.passes.get()
    response = signed_in(dispatcher, "zh-hans").post(reissue_url(approved), {"reason": ""})
    assert response.status_code == 422 and "请说明" in response.content.decode()
    response = signed_in(dispatcher).post(reissue_url(approved), {"reason": "二维码污损"})
    assert response.status_code == 302
    assert Pass.objects.filter(filing=approved, revoked_at=None).exclude(pid=first.pid).count() == 1


def test_an_auditor_sees_the_passes_but_cannot_touch_them(approved: Filing, auditor: User) -> None:
    issued = approved.passes.get()
    client = signed_in(auditor)
    page = client.get(reverse("greenchannel:detail", args=[approved.number])).content.decode()
    assert f'data-pid="{issued.pid}"' in page and revoke_url(issued) not in page
    assert client.post(revoke_url(issued), {"reason": "x"}).status_code == 403
    assert client.post(reissue_url(approved), {"reason": "x"}).status_code == 403
    issued.refresh_from_db()
    assert issued.revoked_at is None


def test_a_pass_of_another_filing_is_404(approved: Filing, dispatcher: User, peer: Peer) -> None:
    issued = approved.passes.get()
    other = Filing.objects.create(
        number="jiaozuo-20220114-099",
        side="origin",
        peer=peer,
        origin_instance="jiaozuo",
        destination_instance="zhengzhou",
        kind="patient",
        origin_place="a",
        destination_place="b",
        cargo="c",
        vehicle_plate="p",
        driver_name="d",
        driver_phone="1",
        route="r",
        window_start=approved.window_start,
        window_end=approved.window_end,
        origin_contact="o",
        origin_contact_phone="2",
    )
    url = reverse("greenchannel:pass_revoke", args=[other.number, issued.pid])
    assert signed_in(dispatcher).post(url, {"reason": "x"}).status_code == 404


def test_the_destination_cannot_reissue(
    dispatcher: User, zhengzhou_keys: PeerKeys, peer: Peer
) -> None:
    from tests.greenchannel.test_filings import stent

    uid = "6f1c1f0e-8d5e-4a55-9d31-2c9d0d6f7a11"
    from_peer(
        zhengzhou_keys,
        "gc.filing",
        {
            "uid": uid,
            "number": "zhengzhou-20220114-001",
            "version": 1,
            "origin": "zhengzhou",
            "destination": "jiaozuo",
            "data": stent(),
        },
    )
    incoming = Filing.objects.get(uid=uid)
    with pytest.raises(TransitionNotAllowed):
        passes.pass_reissue(incoming, actor=Actor(user=dispatcher), reason="x")
