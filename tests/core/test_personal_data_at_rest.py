"""Requesters' names, phones and ID numbers at rest: ciphertext in the database, found by
keyed hash, keys rotated without losing a row; the access log nobody can change."""

from __future__ import annotations

import importlib
import os
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from accounts.models import Role, User
from core.access import Actor
from core.models import (
    AppendOnly,
    PersonalDataAccess,
    Requester,
    id_number_lookup_hash,
    phone_lookup_hash,
)
from core.reference_data import ensure_reference_data
from core.selectors import possible_duplicates, requests_by_phone
from core.services import request_create
from lib import fieldcrypt
from tests.conftest import new_request

pytestmark = pytest.mark.django_db

KEY_A = fieldcrypt.new_key()
KEY_B = fieldcrypt.new_key()
LOOKUP_1 = fieldcrypt.new_key()
LOOKUP_2 = fieldcrypt.new_key()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # Creating the personas would otherwise take most of each test's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def raw_requesters() -> list[tuple[str, str, str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone, id_number, phone_hash, id_number_hash FROM core_requester "
            "ORDER BY id"
        )
        return list(cursor.fetchall())


def test_the_database_holds_no_plaintext(make_request):
    make_request()
    [(name, phone, id_number, phone_hash, _)] = raw_requesters()
    for stored, plain in (
        (name, "张丽"),
        (phone, "13812341234"),
        (id_number, "410802199001011232"),
    ):
        assert stored.startswith("enc1:") and plain not in stored
    # Nor do the hashes give the value away: they are keyed, not a bare SHA-256.
    assert "13812341234" not in phone_hash and len(phone_hash) == 64
    requester = Requester.objects.get()
    assert (requester.name, requester.phone, requester.id_number) == (
        "张丽",
        "13812341234",
        "410802199001011232",
    )


def test_the_same_value_encrypts_differently_each_time(make_request):
    make_request()
    make_request(requester_name="李强")  # same phone, another person of the family
    [first, second] = raw_requesters()
    assert first[1] != second[1]  # random nonces: equal phones do not show as equal
    assert first[3] == second[3]  # …but their lookup hashes match


def test_callers_are_found_by_the_keyed_hash(make_request, dispatcher, operator):
    filed = make_request()
    make_request(requester_phone="13900000000", requester_name="王五")
    actor = Actor(user=dispatcher)
    assert [hr.pk for hr in requests_by_phone(actor=actor, phone="13812341234")] == [filed.pk]
    # Spacing and dashes are not a different phone.
    assert [hr.pk for hr in requests_by_phone(actor=actor, phone="138 1234-1234")] == [filed.pk]
    assert list(requests_by_phone(actor=actor, phone="13812340000")) == []
    found = possible_duplicates(actor=Actor(user=operator), phone="13812341234")
    assert [d.request.pk for d in found if d.same_caller] == [filed.pk]


def test_the_same_caller_keeps_one_requester_and_another_name_gets_their_own(make_request):
    first = make_request()
    again = make_request(description="透析的车还没有来，请再帮忙联系一下。")
    relative = make_request(requester_name="张强")
    assert again.requester_id == first.requester_id
    assert relative.requester_id != first.requester_id
    assert Requester.objects.count() == 2


def test_id_numbers_hash_alike_whatever_the_case_of_the_check_letter():
    assert id_number_lookup_hash("11010519491231002x") == id_number_lookup_hash(
        "11010519491231002X"
    )
    assert id_number_lookup_hash("") == "" and phone_lookup_hash("") == ""
    assert phone_lookup_hash("13812341234") != phone_lookup_hash("13812341235")


def test_filtering_on_an_encrypted_column_is_refused_not_silently_empty(make_request):
    make_request()
    with pytest.raises(FieldError):
        list(Requester.objects.filter(phone="13812341234"))
    with pytest.raises(FieldError):
        list(Requester.objects.filter(name__icontains="张"))


def test_a_changed_phone_gets_a_new_hash_on_save(make_request):
    requester = make_request().requester
    requester.phone = "13900001111"
    requester.save(update_fields=["phone"])
    assert Requester.objects.filter(phone_hash=phone_lookup_hash("13900001111")).count() == 1
    assert not Requester.objects.filter(phone_hash=phone_lookup_hash("13812341234")).exists()


def test_a_tampered_value_does_not_decrypt(make_request):
    requester = make_request().requester
    [(_, phone, *_rest)] = raw_requesters()
    forged = phone[:-6] + ("A" if phone[-6] != "A" else "B") + phone[-5:]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_requester SET phone = %s WHERE id = %s", [forged, requester.pk])
    with pytest.raises(fieldcrypt.DecryptionError):
        Requester.objects.get(pk=requester.pk)


# --- Keys ------------------------------------------------------------------------------------


def test_rows_written_under_one_key_are_read_after_rotating_to_another(settings, make_request):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    for n in range(3):
        make_request(requester_name=f"张{n}号", requester_id_number="")
    id_a = fieldcrypt.key_id(fieldcrypt.decode_key(KEY_A, variable="test"))
    id_b = fieldcrypt.key_id(fieldcrypt.decode_key(KEY_B, variable="test"))

    # B alone cannot read what A wrote: rotating needs both for a while.
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(fieldcrypt.DecryptionError):
        list(Requester.objects.all())
    with pytest.raises(CommandError, match="not configured"):
        call_command("personal_data", "rotate-keys", stdout=_Sink(), stderr=_Sink())

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out = _Sink()
    call_command("personal_data", "rotate-keys", "--batch-size", "2", stdout=out, stderr=_Sink())
    assert '"reencrypted": 3' in out.text and '"rows": 3' in out.text
    # Run again (as after an interruption): nothing left to do.
    out = _Sink()
    call_command("personal_data", "rotate-keys", stdout=out, stderr=_Sink())
    assert '"reencrypted": 0' in out.text

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert sorted(r.name for r in Requester.objects.all()) == ["张0号", "张1号", "张2号"]
    assert {fieldcrypt.key_id_of(value) for row in raw_requesters() for value in row[:2]} == {id_b}
    out = _Sink()
    call_command("personal_data", "status", stdout=out)
    assert id_b in out.text and id_a not in out.text


def test_rehash_makes_lookups_work_after_the_lookup_key_changes(settings, make_request, dispatcher):
    settings.FIELD_LOOKUP_KEY = LOOKUP_1
    filed = make_request()
    settings.FIELD_LOOKUP_KEY = LOOKUP_2
    actor = Actor(user=dispatcher)
    assert list(requests_by_phone(actor=actor, phone="13812341234")) == []
    out = _Sink()
    call_command("personal_data", "rotate-keys", "--rehash", stdout=out, stderr=_Sink())
    assert '"rehashed": 1' in out.text
    assert [hr.pk for hr in requests_by_phone(actor=actor, phone="13812341234")] == [filed.pk]


def test_new_key_prints_a_key_the_settings_accept():
    out = _Sink()
    call_command("personal_data", "new-key", stdout=out)
    assert len(fieldcrypt.decode_key(out.text.strip(), variable="X")) == 32


@pytest.mark.parametrize(
    "value",
    ["not-a-key", "", " , ", KEY_A[:-4], f"{KEY_A},{KEY_A}", f"{KEY_A},oops"],
    # Named, not shown: the keys are new in each process, and parallel workers must agree
    # on the tests' names.
    ids=["not-a-key", "empty", "no-key-in-list", "cut-short", "same-twice", "second-malformed"],
)
def test_a_malformed_key_is_refused_naming_the_variable(monkeypatch, tmp_path, value):
    monkeypatch.setenv("HUYING_PERSONAL_DATA_KEYS", value)
    with pytest.raises(ImproperlyConfigured, match="HUYING_PERSONAL_DATA_KEYS"):
        fieldcrypt.load_keys("HUYING_PERSONAL_DATA_KEYS", tmp_path / "keys")
    assert not (tmp_path / "keys").exists()


def test_the_lookup_key_is_one_key(monkeypatch, tmp_path):
    monkeypatch.setenv("HUYING_LOOKUP_KEY", f"{LOOKUP_1},{LOOKUP_2}")
    with pytest.raises(ImproperlyConfigured, match="HUYING_LOOKUP_KEY"):
        fieldcrypt.load_keys("HUYING_LOOKUP_KEY", tmp_path / "lookup", single=True)


def test_unset_a_key_is_generated_once_readable_only_by_its_owner(monkeypatch, tmp_path):
    monkeypatch.delenv("HUYING_PERSONAL_DATA_KEYS", raising=False)
    first = fieldcrypt.load_keys("HUYING_PERSONAL_DATA_KEYS", tmp_path / "keys")
    again = fieldcrypt.load_keys("HUYING_PERSONAL_DATA_KEYS", tmp_path / "keys")
    assert first == again and len(first) == 1
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["keys"]  # no temporary file left


def test_a_malformed_key_stops_start_up(tmp_path):
    env = {**os.environ, "HUYING_DATA_DIR": str(tmp_path), "HUYING_PERSONAL_DATA_KEYS": "short"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "HUYING_PERSONAL_DATA_KEYS" in result.stderr


def test_the_migration_encrypts_rows_written_before_it(make_request):
    requester = make_request().requester
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_requester SET name = %s, phone = %s, id_number = %s, phone_hash = '', "
            "id_number_hash = '' WHERE id = %s",
            ["赵六", "13700001111", "", requester.pk],
        )
    migration = importlib.import_module("core.migrations.0009_personal_data_at_rest")
    migration.encrypt_requesters(None, SimpleNamespace(connection=connection))
    [(name, phone, id_number, phone_hash, id_hash)] = raw_requesters()
    assert name.startswith("enc1:") and phone.startswith("enc1:") and id_number == ""
    assert (phone_hash, id_hash) == (phone_lookup_hash("13700001111"), "")
    requester.refresh_from_db()
    assert (requester.name, requester.phone) == ("赵六", "13700001111")
    # Run twice (a retried deploy): still readable, not encrypted twice.
    migration.encrypt_requesters(None, SimpleNamespace(connection=connection))
    requester.refresh_from_db()
    assert requester.name == "赵六"


# --- The access log --------------------------------------------------------------------------


@pytest.fixture
def access(make_request, dispatcher) -> PersonalDataAccess:
    return PersonalDataAccess.objects.create(
        user=dispatcher, help_request=make_request(), via="console", reason="回访核实地址"
    )


def test_an_access_row_cannot_be_changed_or_deleted_through_the_orm(access):
    access.reason = "nothing to see"
    with pytest.raises(AppendOnly):
        access.save()
    with pytest.raises(AppendOnly):
        access.delete()
    with pytest.raises(AppendOnly):
        PersonalDataAccess.objects.filter(pk=access.pk).update(reason="")
    with pytest.raises(AppendOnly):
        PersonalDataAccess.objects.all().delete()
    with pytest.raises(AppendOnly):
        PersonalDataAccess.objects.bulk_update([access], ["reason"])
    access.refresh_from_db()
    assert access.reason == "回访核实地址"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_personaldataaccess SET reason = 'forged'",
        "UPDATE core_personaldataaccess SET user_id = user_id",
        "DELETE FROM core_personaldataaccess",
    ],
)
def test_the_database_refuses_raw_sql_that_changes_the_log(access, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert PersonalDataAccess.objects.get().reason == "回访核实地址"


def test_the_admin_lists_the_log_and_allows_nothing_else(access, admin_user, client):
    model_admin = site._registry[PersonalDataAccess]
    request = RequestFactory().get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, access)
    assert not model_admin.has_delete_permission(request, access)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    listing = client.get("/admin/core/personaldataaccess/?via__exact=console")
    assert listing.status_code == 200 and "回访核实地址" in listing.content.decode()
    assert client.get("/admin/core/personaldataaccess/add/").status_code == 403
    deleted = client.post(f"/admin/core/personaldataaccess/{access.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert PersonalDataAccess.objects.filter(pk=access.pk).exists()


class _Sink:
    """A stdout for call_command that keeps what was written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_the_database_still_refuses_deletes_afterwards(access):
    # The test runner flushes between transactional tests (like this one); an administrator
    # may too. On PostgreSQL that is TRUNCATE, on SQLite core's flush lifts the trigger.
    call_command("flush", interactive=False, verbosity=0)
    assert not PersonalDataAccess.objects.exists()
    ensure_reference_data()
    operator = User.objects.create_user(username="operator2", role=Role.OPERATOR)
    help_request, _ = request_create(actor=Actor(user=operator), new=new_request())
    PersonalDataAccess.objects.create(
        user=operator, help_request=help_request, via="api", reason="回访核实"
    )
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM core_personaldataaccess")
    assert PersonalDataAccess.objects.count() == 1


def test_a_phone_without_digits_finds_nobody_not_every_purged_requester(make_request, dispatcher):
    purged = make_request().requester
    purged.name = purged.phone = purged.id_number = ""
    purged.save()
    actor = Actor(user=dispatcher)
    assert list(requests_by_phone(actor=actor, phone="")) == []
    assert list(requests_by_phone(actor=actor, phone="---")) == []
    assert possible_duplicates(actor=actor, phone="--") == []
