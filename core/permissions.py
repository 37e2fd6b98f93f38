"""The role × page matrix: who may open each page and call each API operation, in one table.

``ROUTES`` names every URL of the project (``namespace:name``, an API operation as
``api:<operation id>``) and says which personas may use it. ``docs/security.md`` is this table
written out, and ``tests/security/test_access_matrix.py`` walks the URL resolver and the
API's OpenAPI schema, fails on any route missing here, and makes the real request for every
route and persona to check the answer against the table.

What each gate means in code:
- the *page gate* (signed in, and which role) is the decorator of the view named in
  ``Rule.gate``; the role sets those decorators use are the sets of this module
  (``CONSOLE``, ``SEE_EVERYTHING``, ``REPORT_READERS``, …), and
  ``tests/security/test_access_matrix.py::test_the_views_use_the_matrix_role_sets`` fails
  if a view's own set drifts from them;
- the *object rule* (which request, filing or report) stays in ``core.access``
  (``visible_requests``, ``get_request_for``, ``may_act``) and is named in ``Rule.objects``.

The personas are relative to the object the route is about: "member" is a member of the group
that leads the request, "other_member" a member of another group, "citizen" the one who asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from accounts.models import STAFF_ROLES, Role


class Who(StrEnum):
    """Everyone who may come knocking, as the tests build them."""

    ANONYMOUS = "anonymous"
    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"
    MEDIA = "media"
    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    #: A member of the group the request is dispatched to.
    MEMBER = "member"
    #: A member of another group.
    OTHER_MEMBER = "other_member"
    #: The leader of the group the request is dispatched to.
    LEADER = "leader"
    COMMANDER = "commander"
    AUDITOR = "auditor"
    #: Role admin, with the Django admin's ``is_staff``.
    ADMIN = "admin"
    #: Another command centre: only signed federation messages, no account here.
    PEER = "peer"
    #: An integration holding an API key (its own channel's requests only).
    API_KEY = "api_key"


ALL = frozenset(Who)
STAFF_PERSONAS = frozenset(
    {
        Who.OPERATOR,
        Who.DISPATCHER,
        Who.MEMBER,
        Who.OTHER_MEMBER,
        Who.LEADER,
        Who.COMMANDER,
        Who.AUDITOR,
        Who.ADMIN,
    }
)
NOBODY: frozenset[Who] = frozenset()

# --- Role sets of the page gates (the views' decorators must use exactly these) --------------

#: ``console.views.console_view``: every staff role (``accounts.models.STAFF_ROLES``).
CONSOLE = STAFF_ROLES
#: The whole board and every request: ``board.views.board_view``, ``core.access.SEE_ALL``.
SEE_EVERYTHING = frozenset(
    {Role.ADMIN, Role.DISPATCHER, Role.COMMANDER, Role.AUDITOR, Role.OPERATOR}
)
#: The daily report and its dashboard: ``reports.services.READ_ROLES``.
REPORT_READERS = frozenset({Role.DISPATCHER, Role.LEADER, Role.COMMANDER, Role.AUDITOR, Role.ADMIN})
#: Issuing a daily report: ``reports.services.GENERATE_ROLES``.
REPORT_ISSUERS = frozenset({Role.DISPATCHER, Role.COMMANDER, Role.ADMIN})
#: Green-channel filings, filing and taking steps: ``greenchannel.views.FILING_ROLES``.
FILERS = frozenset({Role.DISPATCHER, Role.COMMANDER, Role.LEADER, Role.ADMIN})
#: Reading filings: ``greenchannel.views.READING_ROLES``.
FILING_READERS = FILERS | {Role.AUDITOR}
#: Keeping the duty roster (import): ``console.roster.ROSTER_KEEPERS``.
ROSTER_KEEPERS = frozenset({Role.ADMIN, Role.DISPATCHER, Role.COMMANDER})
#: Filing a request for someone else: ``core.access.FILE_REQUESTS``.
REQUEST_FILERS = frozenset({Role.ADMIN, Role.DISPATCHER, Role.OPERATOR})
#: The group workbench: ``core.access.GROUP_ROLES``.
GROUP_WORKERS = frozenset({Role.MEMBER, Role.LEADER})
#: A group's load for its leader: ``console.workbench.SEE_ANY_GROUP`` and the leaders.
GROUP_OVERSEERS = frozenset({Role.ADMIN, Role.COMMANDER, Role.LEADER})


def personas_of(roles: frozenset[str]) -> frozenset[Who]:
    """The staff personas a set of roles lets in (member and other member alike)."""
    found = {Who(role) for role in roles if role in {w.value for w in Who}}
    if Role.MEMBER in roles:
        found.add(Who.OTHER_MEMBER)
    return frozenset(found)


@dataclass(frozen=True)
class Rule:
    """Who may use one route, and which code decides it."""

    #: Personas that are let through (for a route about one object: that object).
    allow: frozenset[Who]
    #: The decorator or helper that keeps the others out.
    gate: str
    #: How a refusal looks: "console" (302 to the console sign-in, else 403/404), "portal"
    #: (302 to the channel's sign-in), "media" (302 to its sign-in, else 403), "api"
    #: (401/403/404), "admin" (302 to the admin sign-in), "signed" (401/403 without a valid
    #: signature), "open" (nobody is refused).
    refusal: str
    #: The object-level rule in ``core.access`` or the app's service, if the route is about one.
    objects: str = ""
    #: Unsafe methods the route answers besides GET (checked with the same personas).
    unsafe: tuple[str, ...] = ()
    #: Who may use the unsafe method, when fewer than may read (e.g. an auditor reads only).
    unsafe_allow: frozenset[Who] | None = None
    #: The test sends no GET (an operation that has only an unsafe method).
    no_get: bool = False
    note: str = ""

    @property
    def writers(self) -> frozenset[Who]:
        return self.allow if self.unsafe_allow is None else self.unsafe_allow


_OPEN = Rule(allow=ALL, gate="(none: public)", refusal="open")
_CONSOLE = Rule(allow=personas_of(CONSOLE), gate="console.views.console_view", refusal="console")


def _console(
    roles: frozenset[str] = CONSOLE,
    *,
    gate: str = "console.views.console_view",
    objects: str = "",
    unsafe: tuple[str, ...] = (),
    writers: frozenset[Who] | None = None,
    exclude: frozenset[Who] = NOBODY,
    no_get: bool = False,
    note: str = "",
) -> Rule:
    return Rule(
        allow=personas_of(roles) - exclude,
        gate=gate,
        refusal="console",
        objects=objects,
        unsafe=unsafe,
        unsafe_allow=writers,
        no_get=no_get,
        note=note,
    )


def _portal(who: Who, *, objects: str = "", unsafe: tuple[str, ...] = ()) -> Rule:
    return Rule(
        allow=frozenset({who}),
        gate="public.portal.signed_in",
        refusal="portal",
        objects=objects,
        unsafe=unsafe,
    )


def _api(
    allow: frozenset[Who],
    *,
    objects: str = "",
    unsafe: tuple[str, ...] = (),
    no_get: bool = False,
    note: str = "",
) -> Rule:
    return Rule(
        allow=allow,
        gate="api.auth (TokenAuth, KeyAuth, SessionAuth)",
        refusal="api",
        objects=objects,
        unsafe=unsafe,
        no_get=no_get,
        note=note,
    )


def _transition(action: str, *who: Who) -> Rule:
    """A POST that takes one step of a request's life: the role gate, then ``may_act``."""
    return _api(
        frozenset(who), objects=f"core.access.may_act('{action}')", unsafe=("POST",), no_get=True
    )


_USERS = ALL - {Who.ANONYMOUS, Who.PEER}
_SIGNED_IN = _USERS  # any credential: a user's token or an API key
#: Who sees group A's request (filed on the hotline, led by group A).
_SEE_REQUEST = personas_of(SEE_EVERYTHING) | {Who.MEMBER, Who.LEADER}
_ADMINS = frozenset({Who.ADMIN})

ROUTES: dict[str, Rule] = {
    # --- Public pages -------------------------------------------------------------------------
    "home": _OPEN,
    "public:track": Rule(
        allow=ALL, gate="(none: number and phone tail)", refusal="open", unsafe=("POST",)
    ),
    "attachment": Rule(
        allow=frozenset({Who.OPERATOR, Who.DISPATCHER, Who.MEMBER, Who.LEADER, Who.ADMIN}),
        gate="public.attachments.attachment",
        refusal="console",
        objects="core.access.visible_requests + core.access.may_see_personal_data",
        note="A file of group A's request: staff who see it and its requester's data in full "
        "(and the requester); 404 for everyone else, 302 to sign in when anonymous.",
    ),
    "set_language": Rule(allow=ALL, gate="(none)", refusal="open", unsafe=("POST",), no_get=True),
    "bulletin:latest": _OPEN,
    "bulletin:latest_json": _OPEN,
    "passes:verify": _OPEN,
    "passes:keys": _OPEN,
    "passes:status": Rule(allow=ALL, gate="(none: the pass id is the secret)", refusal="open"),
    "passes:detail": _console(
        gate="greenchannel.views_passes.pass_detail",
        note="The printable pass carries a valid token: console users only.",
    ),
    "passes:service_worker": _OPEN,
    # --- Operations (health probes are open; metrics by address or token, else 404) ----------
    "healthz": _OPEN,
    "readyz": _OPEN,
    "metrics": Rule(
        allow=NOBODY,
        gate="huying.metrics.metrics_view (HUYING_METRICS_ALLOW / HUYING_METRICS_TOKEN)",
        refusal="api",
        note="No persona: only the scraper's address or token, answered 404 to anyone else.",
    ),
    # --- Staff console ------------------------------------------------------------------------
    "console:home": Rule(allow=ALL, gate="(redirect to the queue, which is gated)", refusal="open"),
    "console:login": Rule(
        allow=ALL,
        gate="accounts.views.ConsoleLoginView (lock-out in accounts.backends)",
        refusal="open",
        unsafe=("POST",),
    ),
    "console:login_code": Rule(
        allow=ALL,
        gate="accounts.views.login_code (pending sign-in)",
        refusal="open",
        unsafe=("POST",),
    ),
    "console:logout": Rule(allow=ALL, gate="(none)", refusal="open", unsafe=("POST",), no_get=True),
    "console:two_factor": _console(gate="accounts.views.two_factor", unsafe=("POST",)),
    "console:two_factor_disable": _console(
        gate="accounts.views.two_factor_disable", unsafe=("POST",), no_get=True
    ),
    "console:request_list": _CONSOLE,
    "console:events": _console(CONSOLE, gate="live.views.console_audience"),
    "console:request_new": _console(
        REQUEST_FILERS,
        gate="console.views.console_view + core.access.may_file_requests",
        unsafe=("POST",),
        writers=personas_of(REQUEST_FILERS),
    ),
    "console:intake_history": _console(
        REQUEST_FILERS, gate="console.views.console_view + core.access.may_file_requests"
    ),
    "console:intake_triage": _console(
        REQUEST_FILERS,
        gate="console.views.console_view + core.access.may_file_requests",
        unsafe=("POST",),
        no_get=True,
    ),
    "console:intake_duplicates": _console(
        REQUEST_FILERS,
        gate="console.views.console_view + core.access.may_file_requests",
        unsafe=("POST",),
        no_get=True,
    ),
    "console:workbench": _console(GROUP_WORKERS, gate="console.workbench.workbench"),
    "console:workbench_leader": _console(
        GROUP_OVERSEERS, gate="console.workbench.leader_view (SEE_ANY_GROUP or a leader)"
    ),
    "console:roster": _CONSOLE,
    "console:roster_export": _CONSOLE,
    "console:roster_import": _console(
        gate="console.roster (ROSTER_KEEPERS)",
        unsafe=("POST",),
        no_get=True,
        writers=personas_of(ROSTER_KEEPERS),
    ),
    "console:policy_search": _console(
        REQUEST_FILERS, gate="console.views.console_view + core.access.may_file_requests"
    ),
    "console:request_detail": _console(
        objects="core.access.get_request_for",
        exclude=frozenset({Who.OTHER_MEMBER}),
    ),
    "console:request_personal_data": _console(
        objects="core.access.get_request_for, core.personal_data.requester_reveal",
        exclude=frozenset({Who.OTHER_MEMBER}),
        unsafe=("POST",),
        writers=frozenset({Who.OPERATOR, Who.DISPATCHER, Who.MEMBER, Who.LEADER, Who.ADMIN}),
        no_get=True,
    ),
    "console:request_action": _console(
        objects="core.access.get_request_for, core.access.may_act",
        exclude=frozenset({Who.OTHER_MEMBER}),
        unsafe=("POST",),
        writers=frozenset({Who.MEMBER, Who.LEADER, Who.ADMIN}),
        no_get=True,
        note="Tested with 'accept' on group A's dispatched request.",
    ),
    # --- Board, reports, green channel ----------------------------------------------------------
    "board:board": _console(SEE_EVERYTHING, gate="board.views.board_view"),
    "board:fragment": _console(SEE_EVERYTHING, gate="board.views.board_view"),
    "board:events": _console(SEE_EVERYTHING, gate="live.views.board_audience"),
    "reports:list": _console(
        REPORT_READERS,
        gate="reports.views.reports_view",
        unsafe=("POST",),
        writers=personas_of(REPORT_ISSUERS),
    ),
    "reports:figures": _console(REPORT_READERS, gate="reports.views.reports_view"),
    "reports:requests": _console(REPORT_READERS, gate="reports.views.reports_view"),
    "reports:dashboard": _console(REPORT_READERS, gate="reports.views.reports_view"),
    "reports:dashboard_fragment": _console(REPORT_READERS, gate="reports.views.reports_view"),
    "reports:dashboard_events": _console(REPORT_READERS, gate="reports.views.dashboard_audience"),
    "reports:report": _console(REPORT_READERS, gate="reports.views.reports_view"),
    "reports:report_version": _console(REPORT_READERS, gate="reports.views.reports_view"),
    "reports:document": _console(REPORT_READERS, gate="reports.views.reports_view"),
    "greenchannel:list": _console(FILING_READERS, gate="greenchannel.views.green_channel_view"),
    "greenchannel:new": _console(FILERS, gate="greenchannel.views.filer_view", unsafe=("POST",)),
    "greenchannel:detail": _console(FILING_READERS, gate="greenchannel.views.green_channel_view"),
    "greenchannel:amend": _console(FILERS, gate="greenchannel.views.filer_view", unsafe=("POST",)),
    "greenchannel:step": _console(
        FILERS, gate="greenchannel.views.filer_view", unsafe=("POST",), no_get=True
    ),
    "greenchannel:file_add": _console(
        FILERS, gate="greenchannel.views.filer_view", unsafe=("POST",), no_get=True
    ),
    "greenchannel:file": _console(FILING_READERS, gate="greenchannel.views.green_channel_view"),
    "greenchannel:pass_reissue": _console(
        FILERS, gate="greenchannel.views.filer_view", unsafe=("POST",), no_get=True
    ),
    "greenchannel:pass_revoke": _console(
        FILERS, gate="greenchannel.views.filer_view", unsafe=("POST",), no_get=True
    ),
    # --- Citizen app and enterprise portal ------------------------------------------------------
    "citizen:home": Rule(
        allow=ALL,
        gate="(landing page; lists own requests only, core.access.visible_requests)",
        refusal="open",
    ),
    "citizen:sign_up": Rule(allow=ALL, gate="(none)", refusal="open", unsafe=("POST",)),
    "citizen:sign_in": Rule(allow=ALL, gate="(none)", refusal="open", unsafe=("POST",)),
    "citizen:sign_out": Rule(
        allow=ALL, gate="(none)", refusal="open", unsafe=("POST",), no_get=True
    ),
    "citizen:request_new": _portal(Who.CITIZEN, unsafe=("POST",)),
    "citizen:request_detail": _portal(Who.CITIZEN, objects="core.access.get_request_for"),
    "citizen:request_rate": Rule(
        allow=frozenset({Who.CITIZEN}),
        gate="public.portal.signed_in",
        refusal="portal",
        objects="core.access.may_act('close')",
        unsafe=("POST",),
        no_get=True,
    ),
    "citizen:streets": _OPEN,
    "enterprise:home": Rule(
        allow=ALL,
        gate="(landing page; lists own requests only, core.access.visible_requests)",
        refusal="open",
    ),
    "enterprise:sign_up": Rule(allow=ALL, gate="(none)", refusal="open", unsafe=("POST",)),
    "enterprise:sign_in": Rule(allow=ALL, gate="(none)", refusal="open", unsafe=("POST",)),
    "enterprise:sign_out": Rule(
        allow=ALL, gate="(none)", refusal="open", unsafe=("POST",), no_get=True
    ),
    "enterprise:contacts": _portal(Who.ENTERPRISE),
    "enterprise:request_new": _portal(Who.ENTERPRISE, unsafe=("POST",)),
    "enterprise:request_detail": _portal(Who.ENTERPRISE, objects="core.access.get_request_for"),
    "enterprise:request_rate": Rule(
        allow=frozenset({Who.ENTERPRISE}),
        gate="public.portal.signed_in",
        refusal="portal",
        objects="core.access.may_act('close')",
        unsafe=("POST",),
        no_get=True,
    ),
    "enterprise:streets": _OPEN,
    # --- Media channel ----------------------------------------------------------------------------
    "media:home": Rule(allow=ALL, gate="(redirect)", refusal="open"),
    "media:login": Rule(allow=ALL, gate="(none)", refusal="open", unsafe=("POST",)),
    "media:logout": Rule(allow=ALL, gate="(none)", refusal="open", unsafe=("POST",), no_get=True),
    "media:lead_list": Rule(
        allow=frozenset({Who.MEDIA}), gate="media.views.editor_view", refusal="media"
    ),
    "media:lead_new": Rule(
        allow=frozenset({Who.MEDIA}),
        gate="media.views.editor_view",
        refusal="media",
        unsafe=("POST",),
    ),
    "media:lead_detail": Rule(
        allow=frozenset({Who.MEDIA}),
        gate="media.views.editor_view",
        refusal="media",
        objects="core.access.get_request_for (the outlet's leads)",
    ),
    # --- Open311 (public GeoReport v2; filing needs an API key) --------------------------------
    "open311:discovery": _OPEN,
    "open311:services": _OPEN,
    "open311:service_definition": _OPEN,
    "open311:requests": Rule(
        allow=ALL,
        gate="open311.views.service_requests (POST needs api_key)",
        refusal="api",
        unsafe=("POST",),
        unsafe_allow=frozenset({Who.API_KEY}),
    ),
    "open311:request": Rule(
        allow=ALL,
        gate="(none: public fields only)",
        refusal="open",
        note="Only public fields; no personal data.",
    ),
    "open311:token": _OPEN,
    "open311:not_found": _OPEN,
    # --- Federation (signed messages between command centres) ---------------------------------
    "federation:identity": _OPEN,
    "federation:messages": Rule(
        allow=frozenset({Who.PEER}),
        gate="federation.views.messages (Ed25519 signature of a registered peer)",
        refusal="signed",
        unsafe=("POST",),
        no_get=True,
    ),
    # --- The Django admin's own sign-in and sign-out (every other admin route: below) -------
    "admin:login": Rule(
        allow=ALL,
        gate="accounts.forms.AdminLoginForm (lock-out; two-factor accounts sent to the console)",
        refusal="open",
        unsafe=("POST",),
    ),
    "admin:logout": Rule(allow=ALL, gate="(none)", refusal="open"),
    # --- API /api/v1/ -------------------------------------------------------------------------
    "api:api-root": _OPEN,
    "api:openapi-json": _OPEN,
    "api:openapi-view": _OPEN,
    "api:not-found": _OPEN,
    "api:list_requests": _api(_SIGNED_IN, objects="core.access.visible_requests"),
    "api:create_request": _api(
        frozenset(
            {
                Who.OPERATOR,
                Who.DISPATCHER,
                Who.ADMIN,
                Who.ENTERPRISE,
                Who.MEDIA,
                Who.CITIZEN,
                Who.API_KEY,
            }
        ),
        objects="core.access.may_file_requests",
        unsafe=("POST",),
        no_get=True,
    ),
    "api:get_request": _api(_SEE_REQUEST, objects="core.access.get_request_for"),
    "api:list_events": _api(_SEE_REQUEST, objects="core.access.get_request_for"),
    "api:reveal_personal_data": _api(
        frozenset({Who.OPERATOR, Who.DISPATCHER, Who.MEMBER, Who.LEADER, Who.ADMIN}),
        objects="core.access.get_request_for, core.personal_data.requester_reveal",
        unsafe=("POST",),
        no_get=True,
    ),
    "api:dispatch_request": _transition("dispatch", Who.DISPATCHER, Who.ADMIN),
    "api:merge_request": _transition("merge", Who.DISPATCHER, Who.ADMIN),
    "api:resolve_request_at_intake": _transition(
        "resolve_at_intake", Who.OPERATOR, Who.DISPATCHER, Who.ADMIN
    ),
    "api:accept_request": _transition("accept", Who.MEMBER, Who.LEADER, Who.ADMIN),
    "api:return_request": _transition("return", Who.MEMBER, Who.LEADER, Who.ADMIN),
    "api:start_request": _transition("start", Who.MEMBER, Who.LEADER, Who.ADMIN),
    "api:resolve_request": _transition("resolve", Who.MEMBER, Who.LEADER, Who.ADMIN),
    "api:note_request": _transition("note", Who.DISPATCHER, Who.MEMBER, Who.LEADER, Who.ADMIN),
    "api:close_request": _transition("close", Who.OPERATOR, Who.DISPATCHER, Who.ADMIN),
    "api:reopen_request": _transition("reopen", Who.DISPATCHER, Who.LEADER, Who.ADMIN),
    "api:list_categories": _api(_SIGNED_IN),
    "api:list_divisions": _api(_SIGNED_IN),
    "api:list_groups": _api(_SIGNED_IN),
    "api:period_figures": _api(
        personas_of(REPORT_READERS), objects="reports.services.may_read_reports"
    ),
    "api:list_reports": _api(
        personas_of(REPORT_READERS), objects="reports.services.may_read_reports"
    ),
    "api:get_report": _api(
        personas_of(REPORT_READERS), objects="reports.services.may_read_reports"
    ),
    "api:issue_report": _api(
        personas_of(REPORT_ISSUERS),
        objects="reports.services.may_generate_reports",
        unsafe=("POST",),
        no_get=True,
    ),
}

#: Every route of these namespaces has the same rule: the Django admin, for ``is_staff`` users
#: with the model permissions (in practice the administrators, who are superusers).
NAMESPACE_RULES: dict[str, Rule] = {
    "admin": Rule(
        allow=_ADMINS,
        gate="django.contrib.admin.AdminSite.admin_view (is_staff + model permissions)",
        refusal="admin",
    ),
}


def rule_for(route: str) -> Rule | None:
    """The rule of ``route`` (``namespace:name``), or ``None`` if it is not classified."""
    if route in ROUTES:
        return ROUTES[route]
    namespace = route.split(":", 1)[0] if ":" in route else ""
    return NAMESPACE_RULES.get(namespace)


def allowed(route: str, who: Who, *, unsafe: bool = False) -> bool:
    """Whether the matrix lets ``who`` use ``route`` (its unsafe method if ``unsafe``)."""
    rule = rule_for(route)
    if rule is None:
        return False
    return who in (rule.writers if unsafe else rule.allow)
