"""The process's copy of the reference data: a change made through the models or the admin
reaches the next create, and a change made by another process is seen by its version token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from core import reference_cache
from core.dispatching import rule_save
from core.models import Category, ClockPolicy, DispatchRule, Status, Urgency
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(integration_key) -> Api:
    return Api(Client(), {"X-API-Key": integration_key[1]})


def medical_rule(lead) -> DispatchRule:
    return rule_save(DispatchRule(category=Category.objects.get(code="medical"), lead_group=lead))


def test_a_rule_added_after_the_copy_was_read_dispatches_the_next_create(make_request, group_a):
    assert make_request().status == Status.RECEIVED  # the copy now holds no rule
    medical_rule(group_a)
    assert make_request().status == Status.DISPATCHED


def test_a_rule_whose_group_closed_since_no_longer_dispatches(make_request, group_a):
    medical_rule(group_a)
    assert make_request().status == Status.DISPATCHED
    group_a.is_active = False
    group_a.save()
    assert make_request().status == Status.RECEIVED


def test_a_changed_clock_policy_sets_the_next_requests_clocks(make_request):
    before = make_request(urgency=Urgency.CRITICAL)
    assert before.dispatch_due_at - before.received_at == timedelta(minutes=5)
    ClockPolicy.objects.create(
        urgency=Urgency.CRITICAL, dispatch_minutes=3, accept_minutes=9, resolve_minutes=100
    )
    after = make_request(urgency=Urgency.CRITICAL)
    assert after.dispatch_due_at - after.received_at == timedelta(minutes=3)


def test_a_key_revoked_by_saving_it_is_refused_at_once(integration, integration_key):
    assert integration.get("/requests").status_code == 200  # the key is in the copy now
    key, _secret = integration_key
    key.revoked_at = key.created_at
    key.save()
    assert integration.get("/requests").status_code == 401


def test_a_key_revoked_by_the_admins_bulk_action_is_refused_at_once(
    integration, integration_key, admin_user
):
    assert integration.get("/requests").status_code == 200
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(
        reverse("admin:accounts_apikey_changelist"),
        {"action": "revoke", "_selected_action": [integration_key[0].pk]},
    )
    assert response.status_code == 302
    assert integration.get("/requests").status_code == 401


def test_an_unknown_key_is_not_remembered(integration_key):
    copy = reference_cache.snapshot()
    assert Api(Client(), {"X-API-Key": "hyk_made-up"}).get("/requests").status_code == 401
    assert copy.api_keys == {}


def test_another_process_change_is_seen_by_the_version_token(monkeypatch):
    monkeypatch.setattr(reference_cache, "CHECK_EVERY_SECONDS", 0)
    first = reference_cache.snapshot()
    assert reference_cache.snapshot() is first  # same token: the same copy
    cache.set(reference_cache.VERSION_KEY, "written-by-another-process", timeout=None)
    assert reference_cache.snapshot() is not first


def test_without_a_shared_cache_a_copy_is_rebuilt_when_old(settings):
    first = reference_cache.snapshot()
    settings.HUYING_REFERENCE_CACHE_SECONDS = 0
    assert reference_cache.snapshot() is not first


def test_a_cache_that_fails_does_not_fail_the_create(monkeypatch, make_request, group_a):
    medical_rule(group_a)

    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(reference_cache, "CHECK_EVERY_SECONDS", 0)
    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    assert make_request().status == Status.DISPATCHED
