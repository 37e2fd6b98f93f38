"""Every route × every persona, against the matrix of ``core.permissions``.

The routes come from the URL resolver (and the API's operations from its OpenAPI schema), so
a page added without a line in the matrix fails ``test_every_route_is_classified``. Each
route is then requested for real by each persona, against real objects (group A's
request, a citizen's, a company's, a media lead, a green-channel filing, a daily report), and
the answer must be a refusal exactly when the matrix says so.

The objects are built once for the module inside a transaction; each test runs in a savepoint
rolled back afterwards, so an allowed POST (which really acts) leaves nothing behind.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import ApiKey, ApiToken, Role, User
from api.api import api
from core import permissions
from core.access import Actor
from core.models import (
    Category,
    Channel,
    Division,
    Enterprise,
    Group,
    GroupMembership,
    HelpRequest,
    MediaOutlet,
    Urgency,
)
from core.permissions import Who
from core.reference_data import ensure_reference_data
from core.services import NewRequest, request_create, request_dispatch
from lib.uploads import clean_document
from tests.enterprise.conftest import USCC

PASSWORD = "correct-horse-battery-staple"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- The routes -------------------------------------------------------------------------------


def _walk(
    resolver: URLResolver, namespaces: tuple[str, ...] = (), prefix: str = ""
) -> Iterator[tuple[str, str]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = (
                ":".join((*namespaces, entry.name))
                if entry.name
                else ":".join((*namespaces, pattern))
            )
            yield name, pattern


def all_routes() -> dict[str, str]:
    """``namespace:name`` → pattern, for every URL the project answers."""
    return dict(_walk(get_resolver()))


ROUTES = all_routes()


def test_every_route_is_classified() -> None:
    missing = sorted(name for name in ROUTES if permissions.rule_for(name) is None)
    assert not missing, f"Routes missing from core.permissions.ROUTES: {missing}"


def test_the_matrix_names_no_route_that_is_gone() -> None:
    gone = sorted(set(permissions.ROUTES) - set(ROUTES))
    assert not gone, f"core.permissions.ROUTES names routes that do not exist: {gone}"


def test_every_api_operation_is_classified() -> None:
    schema = api.get_openapi_schema()
    operations = [
        operation["operationId"]
        for methods in schema["paths"].values()
        for operation in methods.values()
    ]
    assert operations, "the OpenAPI schema lists no operations"
    api_routes = [name for name in ROUTES if name.startswith("api:")]
    unclassified = [
        operation
        for operation in operations
        if not any(
            operation.endswith("_" + name[4:]) and permissions.rule_for(name) is not None
            for name in api_routes
        )
    ]
    assert not unclassified, f"API operations missing from the matrix: {unclassified}"


def test_the_views_use_the_matrix_role_sets() -> None:
    """The page gates' own role sets are the matrix's: a change in one place fails here."""
    from console import roster, workbench
    from core import access
    from greenchannel import views as greenchannel_views
    from reports import services as report_services

    assert access.SEE_ALL == permissions.SEE_EVERYTHING
    assert access.FILE_REQUESTS == permissions.REQUEST_FILERS
    assert report_services.READ_ROLES == permissions.REPORT_READERS
    assert report_services.GENERATE_ROLES == permissions.REPORT_ISSUERS
    assert greenchannel_views.FILING_ROLES == permissions.FILERS
    assert greenchannel_views.READING_ROLES == permissions.FILING_READERS
    assert roster.ROSTER_KEEPERS == permissions.ROSTER_KEEPERS
    assert access.GROUP_ROLES == permissions.GROUP_WORKERS
    assert workbench.SEE_ANY_GROUP | {Role.LEADER} == permissions.GROUP_OVERSEERS


# --- The world --------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[Who, User] = field(default_factory=dict)
    tokens: dict[Who, str] = field(default_factory=dict)
    api_key: str = ""
    request_a: HelpRequest | None = None
    citizen_request: HelpRequest | None = None
    company_request: HelpRequest | None = None
    lead: HelpRequest | None = None
    filing_number: str = ""
    pass_id: str = ""
    report_issue: int = 0
    report_version: int = 1
    attachment_id: int = 0
    peer_keys: Any = None
    #: Each persona's session cookie (a fresh client per test carries it: a sign-out in one
    #: test must not sign the persona out of the next).
    sessions: dict[Who, str] = field(default_factory=dict)


def _user(username: str, role: str, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role, **extra)
    return user


def _new(**overrides: Any) -> NewRequest:
    values: dict[str, Any] = {
        "channel": Channel.HOTLINE,
        "category": Category.objects.get(code="medical"),
        "urgency": Urgency.URGENT,
        "description": "母亲尿毒症需每周三次透析，小区封控出不去。",
        "division": Division.objects.get(code="410802001"),
        "address": "焦南街道幸福里小区3号楼",
        "requester_name": "张丽",
        "requester_phone": "13812341234",
    }
    values.update(overrides)
    return NewRequest(**values)


def _build() -> World:
    ensure_reference_data()
    world = World()
    company = Enterprise.objects.create(
        uscc=USCC, name="焦作市丰源机械有限公司", workforce=160, division_id="410802001"
    )
    outlet = MediaOutlet.objects.create(name="焦作日报", code="jzrb")
    group_a = Group.objects.create(code="sec-a", name="甲组", name_en="Group A")
    group_b = Group.objects.create(code="sec-b", name="乙组", name_en="Group B")
    u = world.users
    u[Who.CITIZEN] = _user("m-citizen", Role.CITIZEN, phone="13900000001")
    u[Who.CITIZEN].phone_confirmed_at = timezone.now()
    u[Who.CITIZEN].save()
    u[Who.ENTERPRISE] = _user("m-contact", Role.ENTERPRISE, enterprise=company)
    u[Who.MEDIA] = _user("m-editor", Role.MEDIA, media_outlet=outlet)
    u[Who.OPERATOR] = _user("m-operator", Role.OPERATOR)
    u[Who.DISPATCHER] = _user("m-dispatcher", Role.DISPATCHER)
    u[Who.MEMBER] = _user("m-member-a", Role.MEMBER)
    u[Who.OTHER_MEMBER] = _user("m-member-b", Role.MEMBER)
    u[Who.LEADER] = _user("m-leader-a", Role.LEADER)
    u[Who.COMMANDER] = _user("m-commander", Role.COMMANDER)
    u[Who.AUDITOR] = _user("m-auditor", Role.AUDITOR)
    u[Who.ADMIN] = _user("m-admin", Role.ADMIN, is_staff=True, is_superuser=True)
    GroupMembership.objects.create(group=group_a, user=u[Who.MEMBER])
    GroupMembership.objects.create(group=group_b, user=u[Who.OTHER_MEMBER])
    group_a.leader = u[Who.LEADER]
    group_a.save()

    operator = Actor(user=u[Who.OPERATOR])
    letter = SimpleUploadedFile("诊断证明.pdf", PDF, content_type="application/pdf")
    world.request_a, _ = request_create(
        actor=operator, new=_new(attachments=(clean_document(letter, max_bytes=100_000),))
    )
    world.attachment_id = world.request_a.attachments.get().pk
    request_dispatch(
        world.request_a, actor=Actor(user=u[Who.DISPATCHER]), group=group_a, note="请甲组办理"
    )
    world.citizen_request, _ = request_create(
        actor=Actor(user=u[Who.CITIZEN]),
        new=_new(channel=Channel.APP, requester_phone="13900000001"),
    )
    world.company_request, _ = request_create(
        actor=Actor(user=u[Who.ENTERPRISE]),
        new=_new(
            channel=Channel.ENTERPRISE,
            category=Category.objects.get(code="enterprise"),
            enterprise=company,
        ),
    )
    world.lead, _ = request_create(
        actor=Actor(user=u[Who.MEDIA]), new=_new(channel=Channel.MEDIA, media_outlet=outlet)
    )
    _build_filing(world)
    _build_report(world)
    for who, user in u.items():
        _token, world.tokens[who] = ApiToken.issue(user=user, name="matrix")
    _key, world.api_key = ApiKey.issue(name="matrix", channel=Channel.API)
    _build_clients(world)
    return world


def _build_filing(world: World) -> None:
    from federation.models import Peer
    from greenchannel.services import filing_create
    from tests.federation.conftest import PeerKeys
    from tests.greenchannel.test_filings import stent

    world.peer_keys = PeerKeys()
    peer = Peer.objects.create(
        code="zhengzhou",
        name="郑州市疫情防控指挥部",
        url="http://127.0.0.1:9",
        public_key=world.peer_keys.public_key,
    )
    filing = filing_create(actor=Actor(user=world.users[Who.DISPATCHER]), peer=peer, data=stent())
    world.filing_number = filing.number
    world.pass_id = str(uuid.uuid4())


def _build_report(world: World) -> None:
    from reports.services import report_generate

    yesterday = timezone.localdate() - timedelta(days=1)
    report = report_generate(yesterday, actor=Actor(user=world.users[Who.DISPATCHER]))
    world.report_issue = report.issue
    world.report_version = report.version


def _build_clients(world: World) -> None:
    for who, user in world.users.items():
        client = Client()
        client.force_login(user)
        world.sessions[who] = client.cookies[settings.SESSION_COOKIE_NAME].value


def _client(world: World, who: Who, *, api: bool) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if api:
        if who in world.tokens:
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[who]}"
        elif who == Who.API_KEY:
            client.defaults["HTTP_X_API_KEY"] = world.api_key
    elif who in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[who]
    return client


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    media = tmp_path_factory.mktemp("media")
    # Fast password hashing for the personas; uploaded files in a temporary directory.
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- The requests -----------------------------------------------------------------------------


def _arguments(route: str, pattern: str, world: World) -> dict[str, Any]:
    """URL arguments for ``route``, pointing at the objects of the world."""
    assert world.request_a and world.citizen_request and world.company_request and world.lead
    by_route: dict[str, dict[str, Any]] = {
        "citizen:request_detail": {"number": world.citizen_request.number},
        "citizen:request_rate": {"number": world.citizen_request.number},
        "enterprise:request_detail": {"number": world.company_request.number},
        "enterprise:request_rate": {"number": world.company_request.number},
        "media:lead_detail": {"number": world.lead.number},
        "console:request_action": {"number": world.request_a.number, "action": "accept"},
        "greenchannel:step": {"number": world.filing_number, "step": "approve_origin"},
        "greenchannel:file": {"number": world.filing_number, "uid": uuid.uuid4()},
        "greenchannel:pass_revoke": {"number": world.filing_number, "pid": uuid.uuid4()},
        "reports:document": {
            "issue": world.report_issue,
            "version": world.report_version,
            "kind": "docx",
        },
        "open311:discovery": {"fmt": "json"},
        "open311:services": {"fmt": "json"},
        "open311:service_definition": {"service_code": "medical", "fmt": "json"},
        "open311:requests": {"fmt": "json"},
        "open311:request": {"service_request_id": world.request_a.number, "fmt": "json"},
        "open311:token": {"token": "nothing", "fmt": "json"},
        "open311:not_found": {"path": "nothing"},
        "api:not-found": {},
        "attachment": {"pk": world.attachment_id},
    }
    if route in by_route:
        return by_route[route]
    arguments: dict[str, Any] = {}
    admin_user = world.users[Who.ADMIN]
    for name in _parameters(pattern):
        if name == "number":
            arguments[name] = (
                world.filing_number if route.startswith("greenchannel:") else world.request_a.number
            )
        elif name in ("issue",):
            arguments[name] = world.report_issue
        elif name == "version":
            arguments[name] = world.report_version
        elif name == "pid":
            arguments[name] = world.pass_id
        elif name in ("object_id", "id"):
            arguments[name] = str(admin_user.pk)
        elif name == "content_type_id":
            arguments[name] = str(ContentType.objects.get_for_model(User).pk)
        elif name == "app_label":
            arguments[name] = "accounts"
        elif name == "url":
            arguments[name] = "nothing/"
        else:
            raise AssertionError(f"{route}: no test value for URL argument {name!r}")
    return arguments


def _parameters(pattern: str) -> list[str]:
    import re

    names = re.findall(r"<(?:\w+:)?(\w+)>", pattern)
    names += re.findall(r"\(\?P<(\w+)>", pattern)
    return names


def _url(route: str, world: World) -> str:
    pattern = ROUTES[route]
    if route == "api:not-found":
        return "/api/v1/nothing-here"
    if route.startswith("admin:") and route[len("admin:") :] == pattern:
        # An unnamed admin pattern: an object's page without "change/" (or the catch-all).
        return f"/admin/accounts/user/{world.users[Who.ADMIN].pk}/"
    return reverse(route, kwargs=_arguments(route, pattern, world))


@functools.cache
def _schema() -> dict[str, Any]:
    return dict(api.get_openapi_schema())


def _api_body(route: str) -> dict[str, Any]:
    """The smallest body the operation's schema accepts in shape (values need not be valid)."""
    schema = _schema()
    operation_name = route[len("api:") :]
    for methods in schema["paths"].values():
        for operation in methods.values():
            if not operation["operationId"].endswith("_" + operation_name):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            body_schema = content.get("application/json", {}).get("schema", {})
            if "$ref" in body_schema:
                body_schema = schema["components"]["schemas"][body_schema["$ref"].split("/")[-1]]
            body: dict[str, Any] = {}
            for name in body_schema.get("required", []):
                body[name] = _sample(name, body_schema["properties"][name])
            return body
    return {}


def _sample(name: str, prop: dict[str, Any]) -> Any:
    """A value of the right shape: the view, not the schema, must be what answers."""
    kind, fmt = prop.get("type"), prop.get("format")
    if name == "day":
        # A day typed as text (the report's): a real one, so only the role decides.
        fmt = "date"
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    if fmt == "date":
        return (timezone.localdate() - timedelta(days=1)).isoformat()
    if fmt == "date-time":
        return timezone.now().isoformat()
    return "x"


def _request(route: str, who: Who, world: World, *, unsafe: bool) -> HttpResponseBase:
    rule = permissions.rule_for(route)
    assert rule is not None
    url = _url(route, world)
    client = _client(world, who, api=route.startswith(("api:", "open311:")))
    if route == "federation:messages":
        return _federation(who, world)
    if route == "metrics":
        # From outside the scrapers' addresses (the test client is 127.0.0.1, which may be one).
        return client.get(url, REMOTE_ADDR="203.0.113.9")
    if not unsafe:
        return client.get(url)
    if route.startswith("api:"):
        return client.post(url, data=json.dumps(_api_body(route)), content_type="application/json")
    return client.post(url, data={})


def _federation(who: Who, world: World) -> HttpResponseBase:
    if who == Who.PEER:
        raw, signature = world.peer_keys.message()
    else:
        raw, signature = world.peer_keys.message()
        signature = "A" * 88  # not this peer's signature
    return Client().post(
        "/federation/v1/messages",
        data=raw,
        content_type="application/json",
        headers={"Huying-Signature": signature},
    )


# --- The verdicts -----------------------------------------------------------------------------

_LOGINS = (
    "/console/login/",
    "/admin/login/",
    "/media/login/",
    "/app/sign-in/",
    "/enterprise/sign-in/",
)


def _to_login(response: HttpResponseBase) -> bool:
    location = str(response.get("Location", ""))
    return response.status_code in (301, 302, 303) and any(path in location for path in _LOGINS)


#: Routes about an object the world has none of (an uploaded filing file, a pass): their gate
#: answers 403 before the look-up, so for them a 404 means the gate let the persona by.
GATE_ONLY = frozenset({"greenchannel:file", "greenchannel:pass_revoke", "passes:detail"})
#: Routes whose honest answer in a test process may be a 5xx (no worker is running).
MAY_BE_UNAVAILABLE = frozenset({"readyz"})


def _refused(rule: permissions.Rule, response: HttpResponseBase, route: str = "") -> bool:
    status = response.status_code
    if route in GATE_ONLY:
        return _to_login(response) or status == 403
    if rule.refusal == "admin":
        # The site's gate sends outsiders to its sign-in; a 403 for an administrator is a
        # model admin refusing that action for everyone (e.g. adding an event by hand).
        return _to_login(response)
    if rule.refusal in ("console", "media"):
        return _to_login(response) or status in (403, 404)
    if rule.refusal == "portal":
        return _to_login(response) or status == 404
    if rule.refusal in ("api", "signed"):
        return status in (401, 403, 404)
    # Open routes refuse nobody; a redirect to a sign-in page is how they send people on.
    return status in (401, 403)


#: The admin's pages per model (add, change, delete, history) all pass the one gate of
#: ``AdminSite.admin_view``; they are requested for this model, the changelists for every model.
ADMIN_SAMPLE = "accounts_user_"


def _sampled(route: str) -> bool:
    if not route.startswith("admin:"):
        return True
    name = route[len("admin:") :]
    return name.endswith("_changelist") or name.startswith(ADMIN_SAMPLE) or "_" not in name


def _cases() -> list[Any]:
    cases = []
    for route in sorted(ROUTES):
        rule = permissions.rule_for(route)
        if rule is None or not _sampled(route):
            continue
        if not rule.no_get:
            cases.append(pytest.param(route, False, id=f"GET {route}"))
        if rule.unsafe:
            cases.append(pytest.param(route, True, id=f"{rule.unsafe[0]} {route}"))
    return cases


#: Personas with no account here, and the routes where their credentials mean something.
NO_SESSION = frozenset({Who.PEER, Who.API_KEY})
CREDENTIALED = ("api:", "open311:", "federation:")


@pytest.mark.parametrize(("route", "unsafe"), _cases())
def test_the_matrix_holds(route: str, unsafe: bool, world: World, db: Any) -> None:
    rule = permissions.rule_for(route)
    assert rule is not None
    wrong = []
    anonymous: HttpResponseBase | None = None
    for who in Who:
        if who in NO_SESSION and anonymous is not None and not route.startswith(CREDENTIALED):
            # Outside the API and federation a peer or an integration sends no cookie and no
            # header a page looks at: the very request the anonymous visitor sent.
            response = anonymous
        else:
            # Each persona meets the objects as built: what an allowed one did is undone.
            with transaction.atomic():
                response = _request(route, who, world, unsafe=unsafe)
                transaction.set_rollback(True)
        if who == Who.ANONYMOUS:
            anonymous = response
        if route not in MAY_BE_UNAVAILABLE:
            assert response.status_code < 500, f"{route} as {who}: {response.status_code}"
        expected = who in (rule.writers if unsafe else rule.allow)
        if _refused(rule, response, route) == expected:
            verdict = "allowed" if expected else "refused"
            wrong.append(
                f"{who}: expected {verdict}, got {response.status_code} "
                f"{response.get('Location', '')}".rstrip()
            )
    assert not wrong, f"{'POST' if unsafe else 'GET'} {route}:\n  " + "\n  ".join(wrong)


def test_an_unknown_persona_is_allowed_nowhere() -> None:
    assert not permissions.allowed("console:request_list", Who.ANONYMOUS)
    assert not permissions.allowed("no:such-route", Who.ADMIN)
    assert permissions.allowed("console:request_list", Who.OTHER_MEMBER)
    assert not permissions.allowed("console:request_detail", Who.OTHER_MEMBER)
