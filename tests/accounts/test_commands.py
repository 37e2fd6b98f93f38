"""Operators issue tokens and keys from the command line; bad input says what is wrong."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiKey, ApiToken

pytestmark = pytest.mark.django_db


def test_issue_token_prints_a_secret_that_looks_up_the_user(dispatcher):
    out = StringIO()
    call_command("issue_token", "dispatcher", "--name", "scripts", stdout=out)
    secret = out.getvalue().strip()
    token = ApiToken.lookup(secret)
    assert token is not None
    assert token.user == dispatcher
    assert secret not in token.token_hash


def test_issue_token_for_unknown_user_fails_clearly(db):
    with pytest.raises(CommandError, match="nobody"):
        call_command("issue_token", "nobody")


def test_issue_api_key_binds_the_channel(db):
    out = StringIO()
    call_command("issue_api_key", "citizen-app", "--channel", "app", stdout=out)
    key = ApiKey.lookup(out.getvalue().strip())
    assert key is not None
    assert key.channel == "app"


def test_issue_api_key_refuses_unknown_channel(db):
    with pytest.raises(CommandError, match="channel"):
        call_command("issue_api_key", "x", "--channel", "fax")


def test_revoked_token_no_longer_looks_up(dispatcher):
    from django.utils import timezone

    token, secret = ApiToken.issue(user=dispatcher, name="old")
    token.revoked_at = timezone.now()
    token.save()
    assert ApiToken.lookup(secret) is None
