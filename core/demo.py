"""Demo data: the 1991N organisation, one account per role, and realistic request histories.

``ensure_demo_organisation`` is idempotent and cheap, so ``make run`` can call it every time.
``seed_requests`` writes a large history fast: every row is computed in Python and written in
batches (``COPY`` on PostgreSQL, ``executemany`` elsewhere) without calling the services. The
rows it writes are the ones the services would have written, step by step (see ``_Life``), so
the data obeys the same rules: each request's events end in its status, its clocks follow
``core.clocks`` and ``HelpRequest.due_at``, and its number is taken from the day's sequence.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from stdnum.cn import ric

from accounts.models import ApiKey, Role, User
from core import clocks
from core.demo_text import (
    CLOSE_NOTES,
    COMMUNITIES,
    COMPANIES,
    DISPATCH_NOTES,
    HOTELS,
    MERGE_NOTE,
    REOPEN_REASONS,
    RETURN_REASONS,
    ROADS,
    START_NOTES,
    TEMPLATES,
    TOLLS,
    Place,
    Template,
    person_name,
)
from core.dispatching import rule_save
from core.models import (
    URGENCY_RANK,
    AnswerMethod,
    Category,
    Channel,
    DispatchRule,
    Division,
    Enterprise,
    Event,
    Group,
    GroupMembership,
    HelpRequest,
    LeadSource,
    MediaOutlet,
    Requester,
    RequesterKind,
    Satisfaction,
    Status,
    Urgency,
    id_number_lookup_hash,
    phone_lookup_hash,
)
from lib.fieldcrypt import encrypt

# --- The organisation -----------------------------------------------------------------------

#: (code, 中文, English). "1991N": nine working groups and nine task forces.
WORKING_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("coordination", "综合协调组", "General coordination group"),
    ("medical", "医疗救治组", "Medical care group"),
    ("supplies", "物资保障组", "Supplies group"),
    ("traffic", "交通管控组", "Traffic control group"),
    ("community", "社区防控组", "Community prevention group"),
    ("publicity", "宣传舆情组", "Publicity and public opinion group"),
    ("enterprise", "企业服务组", "Enterprise services group"),
    ("mental-health", "心理援助组", "Psychological support group"),
    ("inspection", "督导检查组", "Supervision and inspection group"),
)
TASK_FORCES: tuple[tuple[str, str, str], ...] = (
    ("quarantine", "隔离管控专班", "Quarantine control task force"),
    ("testing", "核酸检测专班", "Nucleic acid testing task force"),
    ("health-code", "健康码转码专班", "Health code task force"),
    ("green-channel", "绿色通道专班", "Green channel task force"),
    ("tracing", "流调溯源专班", "Epidemiological tracing task force"),
    ("vaccination", "疫苗接种专班", "Vaccination task force"),
    ("key-persons", "重点人员管控专班", "Key persons control task force"),
    ("petitions", "信访维稳专班", "Petitions and stability task force"),
    ("transfer", "应急转运专班", "Emergency transfer task force"),
)

#: The group the demo ``member`` and ``leader`` accounts belong to.
DEMO_GROUP = "medical"

#: Each group's county-level leader (县级领导), in the order of WORKING_GROUPS + TASK_FORCES.
_LEADER_NAMES = (
    "王建国",
    "李卫东",
    "张秀兰",
    "刘志强",
    "陈国庆",
    "杨建华",
    "赵德胜",
    "黄丽萍",
    "周振华",
    "吴海涛",
    "徐明亮",
    "孙红梅",
    "胡永刚",
    "朱文斌",
    "高玉兰",
    "林志勇",
    "何建平",
    "郭春生",
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    name: str
    what: str
    phone: str = ""
    superuser: bool = False


#: One account per role; all share ``settings.HUYING_DEMO_PASSWORD``.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("operator", Role.OPERATOR, "马晓燕", "12345话务员：录入来电、直办答复、回访"),
    DemoAccount("dispatcher", Role.DISPATCHER, "韩立新", "指挥部值班调度：派单、合并、催办"),
    DemoAccount("member", Role.MEMBER, "宋佳", "医疗救治组A岗成员：接单、办理、答复"),
    DemoAccount("leader", Role.LEADER, "吴海波", "医疗救治组组长"),
    DemoAccount("commander", Role.COMMANDER, "葛志远", "指挥长：看板和日报"),
    DemoAccount("auditor", Role.AUDITOR, "邵文静", "审计：查看办理记录"),
    DemoAccount("admin", Role.ADMIN, "系统管理员", "管理员（/admin/）", superuser=True),
    DemoAccount(
        "citizen",
        Role.CITIZEN,
        "李娟",
        "群众：APP求助（/app/，手机验证码登录）",
        phone="13903910168",
    ),
    DemoAccount(
        "enterprise",
        Role.ENTERPRISE,
        "郭建军",
        "企业联系人（/enterprise/，验证码登录）",
        phone="13513916688",
    ),
    DemoAccount(
        "enterprise2", Role.ENTERPRISE, "崔丽华", "同一企业的第二位联系人", phone="13513916699"
    ),
    DemoAccount("media", Role.MEDIA, "冯新瑞", "焦作日报编辑：媒体救助通道（/media/）"),
    DemoAccount("media2", Role.MEDIA, "秦朗", "焦作日报记者"),
)

#: The demo citizen's real-name identity (a valid checksum, not a real person's number).
DEMO_CITIZEN_ID = "410802198807150026"
#: The demo media outlet, whose editors are ``media`` and ``media2``.
DEMO_OUTLET = ("jiaozuo-daily", "焦作日报")
#: County-level division of each demo company, by the place in its name.
_COMPANY_COUNTIES = (
    ("武陟县", "410823"),
    ("温县", "410825"),
    ("孟州市", "410883"),
    ("沁阳市", "410882"),
    ("博爱县", "410822"),
    ("修武县", "410821"),
    ("云台铝业", "410811"),
)

#: The integrations whose requests arrive through the API, by channel.
DEMO_API_KEYS: dict[str, str] = {
    Channel.APP: "焦我办APP",
    Channel.ENTERPRISE: "企业纾困360",
    Channel.MEDIA: "抗疫互助媒体救助通道",
    Channel.API: "Open311网关",
}

#: The demo Open311 integrator's api_key: demo data, like the demo password; issue real
#: keys with ``manage.py issue_api_key``.
DEMO_OPEN311_KEY = "hyk_demo-open311-gateway"

#: The demo enterprise contact's company, shared by the account and its requests.
DEMO_COMPANY = COMPANIES[0]


@dataclass
class DemoOrganisation:
    groups: dict[str, Group]
    users: dict[str, User]
    #: Each group's staff: leader first, then the A post, then the B post.
    staff: dict[str, list[User]]
    api_keys: dict[str, ApiKey]
    enterprises: dict[str, Enterprise]
    outlet: MediaOutlet


def _ensure_user(
    username: str,
    *,
    role: str,
    name: str,
    password_hash: Callable[[], str],
    phone: str = "",
    superuser: bool = False,
) -> User:
    """Create the account, or bring an existing one back to its demo role and name.

    The password is set only on creation: resetting it would cost a slow hash per account on
    every ``make run`` and would undo a password someone changed on purpose.
    """
    wanted: dict[str, Any] = {
        "role": role,
        # The whole Chinese name in one field, so get_full_name() gives 李娟 and not "娟 李".
        "first_name": name,
        "last_name": "",
        "phone": phone,
        "is_staff": superuser,
        "is_superuser": superuser,
        "is_active": True,
    }
    user = User.objects.filter(username=username).first()
    if user is None:
        return User.objects.create(username=username, password=password_hash(), **wanted)
    changed = [key for key, value in wanted.items() if getattr(user, key) != value]
    if changed:
        for key in changed:
            setattr(user, key, wanted[key])
        user.save(update_fields=changed)
    return user


def ensure_demo_organisation() -> DemoOrganisation:
    """The 18 groups, a leader and an A/B post for each, the demo accounts and API keys.

    Safe to run any number of times: everything is looked up by its code or username first.
    """
    hashed: list[str] = []

    def password_hash() -> str:
        # One hash for every account: hashing is deliberately slow (~0.3 s each).
        if not hashed:
            hashed.append(make_password(settings.HUYING_DEMO_PASSWORD))
        return hashed[0]

    with transaction.atomic():
        enterprises = _ensure_demo_enterprises()
        outlet, _created = MediaOutlet.objects.get_or_create(
            code=DEMO_OUTLET[0], defaults={"name": DEMO_OUTLET[1]}
        )
        users = {
            account.username: _ensure_user(
                account.username,
                role=account.role,
                name=account.name,
                phone=account.phone,
                superuser=account.superuser,
                password_hash=password_hash,
            )
            for account in DEMO_ACCOUNTS
        }
        _link_channel_accounts(users, enterprises[DEMO_COMPANY], outlet)
        groups: dict[str, Group] = {}
        staff: dict[str, list[User]] = {}
        specs = [(spec, Group.Kind.WORKING_GROUP) for spec in WORKING_GROUPS] + [
            (spec, Group.Kind.TASK_FORCE) for spec in TASK_FORCES
        ]
        for index, ((code, name, name_en), kind) in enumerate(specs):
            if code == DEMO_GROUP:
                leader, post_a = users["leader"], users["member"]
            else:
                leader = _ensure_user(
                    f"{code}-leader",
                    role=Role.LEADER,
                    name=_LEADER_NAMES[index],
                    password_hash=password_hash,
                )
                post_a = _ensure_user(
                    f"{code}-a",
                    role=Role.MEMBER,
                    name=person_name(Random(f"{code}-a")),
                    password_hash=password_hash,
                )
            post_b = _ensure_user(
                f"{code}-b",
                role=Role.MEMBER,
                name=person_name(Random(f"{code}-b")),
                password_hash=password_hash,
            )
            group, created = Group.objects.get_or_create(
                code=code,
                defaults={"name": name, "name_en": name_en, "kind": kind, "leader": leader},
            )
            if not created and (
                group.name,
                group.name_en,
                group.kind,
                group.leader_id,
                group.is_active,
            ) != (name, name_en, kind, leader.pk, True):
                group.name, group.name_en, group.kind = name, name_en, kind
                group.leader, group.is_active = leader, True
                group.save()
            for person in (leader, post_a, post_b):
                GroupMembership.objects.get_or_create(group=group, user=person)
            groups[code] = group
            staff[code] = [leader, post_a, post_b]
        _ensure_dispatch_rules(groups)
        api_keys = {}
        for channel, key_name in DEMO_API_KEYS.items():
            key = ApiKey.objects.filter(name=key_name, channel=channel, revoked_at=None).first()
            if channel == Channel.API:
                # The Open311 gateway's key is fixed so that ``make run`` can print it.
                key = ApiKey.lookup(DEMO_OPEN311_KEY)
                if key is None:
                    key, _secret = ApiKey.issue(
                        name=key_name, channel=channel, secret=DEMO_OPEN311_KEY
                    )
            elif key is None:
                key, _secret = ApiKey.issue(name=key_name, channel=channel)
            api_keys[channel] = key
    return DemoOrganisation(
        groups=groups,
        users=users,
        staff=staff,
        api_keys=api_keys,
        enterprises=enterprises,
        outlet=outlet,
    )


#: The demo's dispatch rules: (category, urgency or "", lead group, assisting groups).
#: ``policy`` and ``other`` have none: the hotline answers most policy questions itself, and
#: the rest needs a dispatcher's judgment, so those requests wait in the dispatcher's queue.
DISPATCH_RULES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("medical", "", "medical", ()),
    # 生命高于一切: a critical patient usually needs a vehicle too.
    ("medical", Urgency.CRITICAL, "medical", ("transfer",)),
    ("supplies", "", "supplies", ("community",)),
    ("health_code", "", "health-code", ()),
    ("quarantine", "", "quarantine", ("community",)),
    ("testing", "", "testing", ()),
    ("travel", "", "traffic", ()),
    # A critical trip is mostly a patient crossing a checkpoint or the city line.
    ("travel", Urgency.CRITICAL, "traffic", ("green-channel",)),
    ("enterprise", "", "enterprise", ()),
    ("mental", "", "mental-health", ()),
    ("report", "", "inspection", ("tracing",)),
)


def _ensure_dispatch_rules(groups: dict[str, Group]) -> None:
    """Add the demo's rules that are missing; a rule already there (even switched off by an
    administrator) is left as it is."""
    categories = {c.code: c for c in Category.objects.all()}
    existing = set(DispatchRule.objects.filter(division=None).values_list("category_id", "urgency"))
    for position, (category, urgency, lead, assisting) in enumerate(DISPATCH_RULES):
        if (category, urgency) in existing or category not in categories:
            continue
        rule_save(
            DispatchRule(
                category=categories[category],
                urgency=urgency,
                lead_group=groups[lead],
                position=position,
            ),
            assisting=[groups[code] for code in assisting],
        )


def _ensure_demo_enterprises() -> dict[str, Enterprise]:
    """One ``Enterprise`` per demo company, each with a fixed valid USCC and a head count."""
    found = {e.name: e for e in Enterprise.objects.filter(name__in=COMPANIES)}
    for name in COMPANIES:
        if name in found:
            continue
        rng = Random(f"company-{name}")
        county = next((code for word, code in _COMPANY_COUNTIES if word in name), "410802")
        first17 = "91" + county + "MA" + "".join(rng.choice(_USCC_ALPHABET) for _ in range(7))
        uscc = first17 + uscc_check_digit(first17)
        found[name] = Enterprise.objects.get_or_create(
            uscc=uscc,
            defaults={
                "name": name,
                "workforce": rng.choice((35, 80, 160, 420, 860, 1500)),
                "division_id": county,
            },
        )[0]
    return found


def _link_channel_accounts(
    users: dict[str, User], company: Enterprise, outlet: MediaOutlet
) -> None:
    """The citizen's real name and confirmed phone; the contacts' company; the editors' paper."""
    wanted: dict[str, dict[str, Any]] = {
        "citizen": {"id_number": DEMO_CITIZEN_ID},
        "enterprise": {"enterprise_id": company.pk},
        "enterprise2": {"enterprise_id": company.pk},
        "media": {"media_outlet_id": outlet.pk},
        "media2": {"media_outlet_id": outlet.pk},
    }
    for username, fields in wanted.items():
        user = users[username]
        if user.role in (Role.CITIZEN, Role.ENTERPRISE) and user.phone_confirmed_at is None:
            fields = {**fields, "phone_confirmed_at": timezone.now()}
        changed = [key for key, value in fields.items() if getattr(user, key) != value]
        for key in changed:
            setattr(user, key, fields[key])
        if changed:
            user.save(update_fields=changed)


def demo_accounts_text() -> str:
    """The demo sign-ins, for ``make run`` to print."""
    password = settings.HUYING_DEMO_PASSWORD
    lines = [
        f"Demo accounts (password for all: {password})",
        f"  {'username':<12} {'role':<11} who",
    ]
    for account in DEMO_ACCOUNTS:
        lines.append(f"  {account.username:<12} {account.role:<11} {account.name}，{account.what}")
    lines.append(
        "  Every group also has <code>-leader, <code>-a and <code>-b accounts "
        "(e.g. supplies-a), same password."
    )
    lines.append("  Staff console: /console/   Admin: /admin/")
    lines += [
        "",
        "The five channels in:",
        "  12345 hotline       /console/requests/new/   as operator",
        "  citizen app         /app/          sign in with phone 13903910168 and a one-time code",
        "  enterprise portal   /enterprise/   phone 13513916688 or 13513916699 and a code",
        "      (codes go to the local SMS log: read them in /admin/ under Outbound messages)",
        "  media channel       /media/        as media or media2, same password",
        f"  Open311 GeoReport   /open311/v2/discovery.json   api_key {DEMO_OPEN311_KEY}",
        "  Anyone can follow a request at /track/ with its number and the phone's last 4 digits.",
    ]
    return "\n".join(lines)


# --- Requests: who, what, where -------------------------------------------------------------

CATEGORY_WEIGHTS: dict[str, float] = {
    # The seed: "mainly epidemic policy, travel, health-code changes and hospital access".
    "policy": 22,
    "travel": 17,
    "health_code": 16,
    "medical": 15,
    "supplies": 9,
    "quarantine": 7,
    "testing": 6,
    "enterprise": 3,
    "mental": 2,
    "report": 2,
    "other": 1,
}

_BASE_CHANNELS: dict[str, float] = {
    Channel.HOTLINE: 42,
    Channel.APP: 28,
    Channel.ENTERPRISE: 1,
    Channel.MEDIA: 7,
    Channel.API: 6,
    Channel.VISIT: 7,
    Channel.CHECKPOINT: 4,
    Channel.QUARANTINE: 5,
}
_CHANNEL_BIAS: dict[str, dict[str, float]] = {
    "enterprise": {Channel.ENTERPRISE: 70, Channel.HOTLINE: 20},
    "travel": {Channel.CHECKPOINT: 18},
    "quarantine": {Channel.QUARANTINE: 35, Channel.CHECKPOINT: 0.5},
    "mental": {Channel.QUARANTINE: 15},
    "testing": {Channel.VISIT: 15},
}

#: The groups that usually lead a category's requests when its template names none.
CATEGORY_GROUPS: dict[str, tuple[str, ...]] = {
    "policy": ("coordination", "publicity"),
    "travel": ("traffic",),
    "health_code": ("health-code",),
    "medical": ("medical",),
    "supplies": ("supplies",),
    "quarantine": ("quarantine",),
    "testing": ("testing",),
    "enterprise": ("enterprise",),
    "mental": ("mental-health",),
    "report": ("inspection", "tracing"),
    "other": ("coordination",),
}

_ANSWER_METHOD_BY_CHANNEL: dict[str, str] = {
    Channel.HOTLINE: AnswerMethod.PHONE,
    Channel.APP: AnswerMethod.APP,
    Channel.ENTERPRISE: AnswerMethod.APP,
    Channel.MEDIA: AnswerMethod.PHONE,
    Channel.API: AnswerMethod.SMS,
    Channel.VISIT: AnswerMethod.IN_PERSON,
    Channel.CHECKPOINT: AnswerMethod.IN_PERSON,
    Channel.QUARANTINE: AnswerMethod.IN_PERSON,
}

#: Calls by hour of the local day: quiet at night, busiest mid-morning and early evening.
_HOUR_WEIGHTS = (
    0.15,
    0.1,
    0.08,
    0.06,
    0.08,
    0.15,
    0.35,
    0.7,
    1.0,
    1.0,
    0.95,
    0.85,
    0.7,
    0.75,
    0.85,
    0.9,
    0.9,
    0.85,
    0.8,
    0.8,
    0.7,
    0.55,
    0.4,
    0.25,
)

_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "199",
)
#: Jiaozuo's GB/T 2260 codes as they appear on ID cards; 410800 (the city) for any year.
_ID_AREAS = (
    "410802",
    "410803",
    "410804",
    "410811",
    "410821",
    "410822",
    "410823",
    "410825",
    "410882",
    "410883",
)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def ric_check_digit(first17: str) -> str:
    """The 18th character of a resident ID card number (GB 11643), as stdnum checks it."""
    return ric.calc_check_digit(first17 + "0")  # type: ignore[no-any-return]


def uscc_check_digit(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total) % 31]


class _Identities:
    """Phones, ID card numbers and USCCs that pass the same checks as the intake form."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.phones: set[str] = set()
        self._area_ok: dict[tuple[str, int], bool] = {}

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def id_number(self, *, age: int, today: date) -> str:
        rng = self.rng
        born = date(today.year - age, 1, 1) + timedelta(days=rng.randrange(365))
        area = rng.choice(_ID_AREAS)
        # stdnum checks that the county code existed in the birth year (孟州市 only from 1996).
        key = (area, born.year)
        if key not in self._area_ok:
            probe = area + f"{born:%Y%m%d}" + "001"
            self._area_ok[key] = ric.is_valid(probe + ric_check_digit(probe))
        if not self._area_ok[key]:
            area = "410800"
        first17 = area + f"{born:%Y%m%d}" + f"{rng.randrange(1000):03d}"
        return first17 + ric_check_digit(first17)

    def uscc(self) -> str:
        body = (
            "91"
            + "4108"
            + self.rng.choice(("00", "02", "03", "04", "11", "21", "22", "23", "25", "82", "83"))
        )
        body += "".join(self.rng.choice(_USCC_ALPHABET) for _ in range(9))
        return body + uscc_check_digit(body)


class _Person:
    """A requester, new or already in the database (then ``id`` is known)."""

    __slots__ = ("created_at", "id", "id_number", "kind", "name", "organisation", "phone", "uscc")

    def __init__(
        self,
        *,
        kind: str,
        name: str,
        phone: str,
        id_number: str = "",
        organisation: str = "",
        uscc: str = "",
        created_at: float = 0.0,
        id: int | None = None,
    ) -> None:
        self.kind = kind
        self.name = name
        self.phone = phone
        self.id_number = id_number
        self.organisation = organisation
        self.uscc = uscc
        self.created_at = created_at
        self.id = id


# --- Requests: what happened to each one ----------------------------------------------------

_MIN = 60.0
_HOUR = 3600.0


def _lognormal(rng: Random, median_minutes: float, sigma: float = 0.7) -> float:
    """A delay in seconds: most near the median, a long tail of slow ones, never under 20 s."""
    return max(20.0, rng.lognormvariate(math.log(median_minutes * _MIN), sigma))


#: Median minutes for each step, by urgency.
_DISPATCH: dict[str, float] = {Urgency.CRITICAL: 2.5, Urgency.URGENT: 12.0, Urgency.NORMAL: 45.0}
_ACCEPT: dict[str, float] = {Urgency.CRITICAL: 3.0, Urgency.URGENT: 15.0, Urgency.NORMAL: 60.0}
_RESOLVE: dict[str, float] = {
    Urgency.CRITICAL: 55.0,
    Urgency.URGENT: 8 * 60.0,
    Urgency.NORMAL: 20 * 60.0,
}

#: Steps at which a request can stall (nobody acted yet), in life-cycle order.
_STALL_STEPS = ("dispatch", "accept", "start", "resolve", "close")


class _Stop(Exception):
    """The next step would happen after ``now``: the request is in its current state."""


@dataclass
class _Actor:
    id: int | None
    name: str


@dataclass
class _Life:
    """One request's fields and events, built by replaying the services' transitions."""

    now: float
    received_at: float
    dispatch_due: float
    accept_due: float
    resolve_due: float
    windows: clocks.Windows
    #: Empty until the ``created`` event, which comes from no state, as in the services.
    status: str = ""
    due: float = 0.0
    lead_group: Group | None = None
    assisting: list[Group] = field(default_factory=list)
    dispatched_at: float | None = None
    accepted_at: float | None = None
    accepted_by: int | None = None
    resolved_at: float | None = None
    answer: str = ""
    answer_method: str = ""
    closed_at: float | None = None
    satisfaction: str = ""
    reopen_count: int = 0
    return_count: int = 0
    merged_into: int | None = None
    last_at: float = 0.0
    #: (kind, from, to, actor id, actor name, note, data, at)
    events: list[tuple[str, str, str, int | None, str, str, str, float]] = field(
        default_factory=list
    )

    def __post_init__(self) -> None:
        self.due = self.dispatch_due
        self.last_at = self.received_at

    def step(
        self,
        kind: str,
        to: str,
        at: float,
        actor: _Actor,
        note: str = "",
        data: dict[str, Any] | None = None,
        apply: Callable[[], None] | None = None,
    ) -> None:
        """One service call at ``at``: set the fields, move the clock, write the event."""
        if at > self.now:
            raise _Stop
        before = self.status
        self.status = to
        if apply is not None:
            apply()
        self.due = self._current_due()
        self.last_at = at
        self.events.append(
            (
                kind,
                before,
                to,
                actor.id,
                actor.name,
                note,
                json.dumps(data or {}, ensure_ascii=False),
                at,
            )
        )

    def _current_due(self) -> float:
        # Mirrors core.clocks.current_due: the deadline of the step now waited on.
        if self.status == Status.RECEIVED:
            return self.dispatch_due
        if self.status == Status.DISPATCHED:
            return self.accept_due
        if self.status in (Status.ACCEPTED, Status.IN_PROGRESS):
            return self.resolve_due
        return self.due


@dataclass
class SeedResult:
    requests: int
    events: int
    requesters: int
    seconds: float
    first_day: date | None = None
    last_day: date | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- Writing rows fast ----------------------------------------------------------------------

HR_COLUMNS = (
    "id",
    "number",
    "channel",
    "urgency",
    "priority",
    "status",
    "summary",
    "description",
    "address",
    "external_ref",
    "received_at",
    "dispatch_due_at",
    "accept_due_at",
    "resolve_due_at",
    "due_at",
    "dispatched_at",
    "accepted_at",
    "resolved_at",
    "answer",
    "answer_method",
    "closed_at",
    "satisfaction",
    "reopen_count",
    "return_count",
    "updated_at",
    "accepted_by_id",
    "api_key_id",
    "category_id",
    "created_by_id",
    "division_id",
    "lead_group_id",
    "merged_into_id",
    "requester_id",
    "enterprise_id",
    "workforce",
    "media_outlet_id",
    "lead_source",
)
EVENT_COLUMNS = (
    "help_request_id",
    "kind",
    "from_status",
    "to_status",
    "actor_id",
    "actor_name",
    "note",
    "data",
    "created_at",
)
REQUESTER_COLUMNS = (
    "id",
    "kind",
    "name",
    "phone",
    "id_number",
    "organisation",
    "uscc",
    "created_at",
    "phone_hash",
    "id_number_hash",
    "purged_at",
)
ASSIST_COLUMNS = ("helprequest_id", "group_id")
#: Where the row holds the ``_Person`` until its id is known.
_REQUESTER = HR_COLUMNS.index("requester_id")
_HR_DATETIMES = frozenset(
    HR_COLUMNS.index(c)
    for c in (
        "received_at",
        "dispatch_due_at",
        "accept_due_at",
        "resolve_due_at",
        "due_at",
        "dispatched_at",
        "accepted_at",
        "resolved_at",
        "closed_at",
        "updated_at",
    )
)


def check_columns() -> None:
    """Fail loudly if the models gained or lost a column this writer does not know about."""
    assisting = HelpRequest.assisting_groups.through
    for model, columns, skip in (
        (HelpRequest, HR_COLUMNS, set()),
        (Event, EVENT_COLUMNS, {"id"}),
        (Requester, REQUESTER_COLUMNS, set()),
        (assisting, ASSIST_COLUMNS, {"id"}),
    ):
        actual = {str(f.column) for f in model._meta.concrete_fields} - skip
        if actual != set(columns):
            raise RuntimeError(
                f"core.demo writes {model._meta.db_table} with columns {sorted(columns)} but the "
                f"model has {sorted(actual)}; update core/demo.py."
            )


class _Sink:
    """Allocates ids and inserts rows on the current connection, the fastest way it knows."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def to_db(self, ts: float) -> Any:
        moment = datetime.fromtimestamp(ts, tz=UTC)
        if self.postgres:
            return moment
        # What Django's SQLite backend stores: naive UTC text, compared as text.
        return str(moment.replace(tzinfo=None))

    def allocate_ids(self, table: str, count: int) -> list[int]:
        if count == 0:
            return []
        with connection.cursor() as cursor:
            if self.postgres:
                # nextval() per id rather than one setval(): safe beside live inserts.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the write lock is held since BEGIN IMMEDIATE, so max(id) cannot move.
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
            top = int(cursor.fetchone()[0])
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, int(row[0]) if row else 0)
            return list(range(top + 1, top + 1 + count))

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608


# --- Numbers --------------------------------------------------------------------------------


def _existing_max_numbers(days: Iterable[date]) -> dict[date, int]:
    """The highest sequence number already used on each day, read from the requests."""
    days = sorted(days)
    if not days:
        return {}
    rows = (
        HelpRequest.objects.filter(
            number__gte=f"{days[0]:%Y%m%d}-", number__lt=f"{days[-1] + timedelta(days=1):%Y%m%d}-"
        )
        .annotate(day=Substr("number", 1, 8), seq=Cast(Substr("number", 10), IntegerField()))
        .values("day")
        .annotate(top=Max("seq"))
        .values_list("day", "top")
    )
    return {datetime.strptime(day, "%Y%m%d").date(): int(top) for day, top in rows}  # noqa: DTZ007


def reserve_numbers(counts: dict[date, int]) -> dict[date, int]:
    """Take ``counts[day]`` numbers on each day; return the last number before each block.

    The day's sequence row is bumped past the block in one statement before any row is
    written, so a request filed live while seeding runs gets a number after the block. The
    block also starts after any number already in the table, in case a sequence row is
    missing or behind.
    """
    existing = _existing_max_numbers(counts)
    # The one piece of SQL that differs: both name a constant, never input.
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    starts: dict[date, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for day, count in sorted(counts.items()):
            floor = existing.get(day, 0)
            cursor.execute(
                "INSERT INTO core_dailysequence (day, last) VALUES (%s, %s) ON CONFLICT (day) "  # noqa: S608
                f"DO UPDATE SET last = {greatest}(core_dailysequence.last, %s) + %s RETURNING last",
                [day.isoformat(), floor + count, floor, count],
            )
            row = cursor.fetchone()
            if row is None:  # pragma: no cover - RETURNING always yields the row it wrote
                raise RuntimeError("the daily sequence upsert returned nothing")
            starts[day] = int(row[0]) - count
    return starts


# --- The generator --------------------------------------------------------------------------


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


class _Generator:
    """Makes one batch of requests at a time, in order of receipt."""

    def __init__(
        self, *, org: DemoOrganisation, rng: Random, now: float, count: int, sink: _Sink
    ) -> None:
        self.org = org
        self.rng = rng
        self.now = now
        self.sink = sink
        self.identities = _Identities(rng)
        self.today = timezone.localdate()
        self.categories = {c.code: c for c in Category.objects.filter(code__in=CATEGORY_WEIGHTS)}
        missing = set(CATEGORY_WEIGHTS) - set(self.categories)
        if missing:
            raise RuntimeError(f"Categories missing (run migrate first): {sorted(missing)}")
        self.category_codes = list(CATEGORY_WEIGHTS)
        self.category_cum = _cumulative([CATEGORY_WEIGHTS[c] for c in self.category_codes])
        self.channel_tables: dict[str, tuple[list[str], list[float]]] = {}
        for code in self.category_codes:
            weights = dict(_BASE_CHANNELS) | _CHANNEL_BIAS.get(code, {})
            self.channel_tables[code] = (list(weights), _cumulative(list(weights.values())))
        self.windows = {
            (code, urgency): clocks.windows_for(category_code=code, urgency=urgency)
            for code in self.category_codes
            for urgency in Urgency.values
        }
        divisions = list(Division.objects.select_related("parent"))
        self.places: list[tuple[Division, str, str]] = []
        place_weights: list[float] = []
        for division in divisions:
            county = division.county
            # Requests name a street nine times in ten; the city districts are busiest.
            urban = county.code in ("410802", "410803", "410804", "410811", "410871")
            weight = (3.0 if urban else 2.0) * (1.0 if division.parent_id else 0.8)
            street = division.name if division.parent_id else county.name
            self.places.append((division, county.name, street))
            place_weights.append(weight)
        self.place_cum = _cumulative(place_weights)
        users = org.users
        self.operator = _Actor(users["operator"].pk, users["operator"].username)
        self.dispatcher = _Actor(users["dispatcher"].pk, users["dispatcher"].username)
        self.citizen_user = users["citizen"]
        self.enterprise_user = users["enterprise"]
        self.staff = {
            code: [_Actor(u.pk, u.username) for u in people] for code, people in org.staff.items()
        }
        self.key_actors = {ch: _Actor(None, f"api:{key.name}") for ch, key in org.api_keys.items()}
        names = {account.username: account.name for account in DEMO_ACCOUNTS}
        self.citizen = self._known_person(
            RequesterKind.PERSON, names["citizen"], self.citizen_user.phone
        )
        self.enterprise = self._known_person(
            RequesterKind.ENTERPRISE,
            names["enterprise"],
            self.enterprise_user.phone,
            organisation=DEMO_COMPANY,
        )
        # The demo citizen and enterprise accounts each get a handful of their own requests.
        self.own_share = min(0.05, 12.0 / max(count, 1))
        self.recent_people: list[_Person | None] = [None] * 4000
        self.recent_pos = 0
        self.recent_filled = 0
        self.merge_targets: dict[str, list[tuple[int, str, float]]] = {
            c: [] for c in self.category_codes
        }

    def _known_person(self, kind: str, name: str, phone: str, *, organisation: str = "") -> _Person:
        # Drawn whether needed or not, so that a seed gives the same data on every database.
        id_number = self.identities.id_number(age=38, today=self.today)
        uscc = self.identities.uscc()
        self.identities.phones.add(phone)
        # Name and phone are encrypted at rest: find by the phone's keyed hash.
        existing = next(
            (
                r
                for r in Requester.objects.filter(
                    kind=kind, phone_hash=phone_lookup_hash(phone)
                ).order_by("id")
                if r.name == name
            ),
            None,
        )
        if existing is not None:
            return _Person(
                kind=kind,
                name=name,
                phone=phone,
                id_number=existing.id_number,
                organisation=existing.organisation,
                uscc=existing.uscc,
                id=existing.pk,
            )
        return _Person(
            kind=kind,
            name=name,
            phone=phone,
            id_number=id_number,
            organisation=organisation,
            uscc=(
                self.org.enterprises[organisation].uscc
                if organisation in self.org.enterprises
                else uscc
            )
            if kind == RequesterKind.ENTERPRISE
            else "",
        )

    # -- choices --

    def _pick(self, items: Sequence[Any], cum: list[float]) -> Any:
        """One of ``items``, weighted; ``cum`` holds the running totals of the weights."""
        return items[bisect_left(cum, self.rng.random() * cum[-1])]

    def _person(self, *, enterprise: bool, at: float, new: list[_Person]) -> _Person:
        rng = self.rng
        kind = RequesterKind.ENTERPRISE if enterprise else RequesterKind.PERSON
        # About one call in five comes from someone who called before, usually recently.
        if self.recent_filled and rng.random() < 0.2:
            candidate = self.recent_people[rng.randrange(self.recent_filled)]
            if candidate is not None and candidate.kind == kind:
                return candidate
        phone = self.identities.phone()
        if self.recent_filled and rng.random() < 0.04:
            # A family member calling from the same phone, under their own name.
            relative = self.recent_people[rng.randrange(self.recent_filled)]
            if relative is not None and relative.kind == kind:
                phone = relative.phone
        person = _Person(
            kind=kind,
            name=person_name(rng),
            phone=phone,
            created_at=at,
            id_number=(
                self.identities.id_number(age=rng.randint(18, 88), today=self.today)
                if rng.random() < 0.6
                else ""
            ),
        )
        if enterprise:
            person.organisation = rng.choice(COMPANIES)
            person.uscc = self.identities.uscc()
            # The registry's code for a known company, so its requests and its record agree.
            company = self.org.enterprises.get(person.organisation)
            if company is not None:
                person.uscc = company.uscc
        new.append(person)
        self.recent_people[self.recent_pos] = person
        self.recent_pos = (self.recent_pos + 1) % len(self.recent_people)
        self.recent_filled = min(self.recent_filled + 1, len(self.recent_people))
        return person

    def _urgency(self, template: Template) -> str:
        x = self.rng.random()
        critical, urgent = template.urgency
        if x < critical:
            return Urgency.CRITICAL
        if x < critical + urgent:
            return Urgency.URGENT
        return Urgency.NORMAL

    def _member(self, group: Group) -> _Actor:
        people = self.staff[group.code]
        x = self.rng.random()
        # The A post takes most, the B post covers, the leader steps in now and then.
        return people[1] if x < 0.6 else people[2] if x < 0.9 else people[0]

    # -- one request --

    def make(
        self, received: float, hr_id: int, number: str, new_people: list[_Person]
    ) -> tuple[list[Any], list[tuple[Any, ...]], list[tuple[int, int]]]:
        rng = self.rng
        code = self._pick(self.category_codes, self.category_cum)
        template = rng.choice(TEMPLATES[code])
        channels, cum = self.channel_tables[code]
        channel = self._pick(channels, cum)
        urgency = self._urgency(template)
        division, county_name, street_name = self._pick(self.places, self.place_cum)
        place = Place(county=county_name, street=street_name, community=rng.choice(COMMUNITIES))
        summary, description, answer = template.fill(rng, place)

        created_by: int | None = None
        api_key: int | None = None
        if channel in self.org.api_keys:
            api_key = self.org.api_keys[channel].pk
            creator = self.key_actors[channel]
        elif channel == Channel.HOTLINE:
            created_by, creator = self.operator.id, self.operator
        else:
            created_by, creator = self.dispatcher.id, self.dispatcher
        enterprise = channel == Channel.ENTERPRISE or (code == "enterprise" and rng.random() < 0.8)
        person: _Person
        if channel == Channel.APP and not enterprise and rng.random() < self.own_share:
            person, api_key = self.citizen, None
            created_by = self.citizen_user.pk
            creator = _Actor(self.citizen_user.pk, self.citizen_user.username)
        elif channel == Channel.ENTERPRISE and rng.random() < self.own_share * 5:
            person, api_key = self.enterprise, None
            created_by = self.enterprise_user.pk
            creator = _Actor(self.enterprise_user.pk, self.enterprise_user.username)
        else:
            person = self._person(enterprise=enterprise, at=received, new=new_people)
        # Requests on the enterprise portal belong to the company, so all its contacts see them.
        company = (
            self.org.enterprises.get(person.organisation)
            if channel == Channel.ENTERPRISE and person.kind == RequesterKind.ENTERPRISE
            else None
        )
        if person.id is None and person.created_at == 0.0:
            person.created_at = received
            new_people.append(person)

        if channel == Channel.CHECKPOINT:
            address = rng.choice(TOLLS)
        elif channel == Channel.QUARANTINE:
            address = place.county + rng.choice(HOTELS)
        elif enterprise:
            address = f"{place.street}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
        else:
            address = (
                f"{place.street}{place.community}小区"
                f"{rng.randint(1, 28)}号楼{rng.randint(1, 4)}单元"
            )
        external_ref = f"OPEN311-{rng.randrange(10**9):09d}" if channel == Channel.API else ""

        windows = self.windows[(code, urgency)]
        life = _Life(
            now=self.now,
            received_at=received,
            dispatch_due=received + windows.dispatch.total_seconds(),
            accept_due=received + windows.accept.total_seconds(),
            resolve_due=received + windows.resolve.total_seconds(),
            windows=windows,
        )
        life.step(Event.Kind.CREATED, Status.RECEIVED, received, creator)
        with contextlib.suppress(_Stop):
            self._live(life, code, template, urgency, channel, answer)
        if life.status != Status.MERGED:
            targets = self.merge_targets[code]
            targets.append((hr_id, number, received))
            if len(targets) > 50:
                del targets[:25]

        to_db = self.sink.to_db
        row: list[Any] = [
            hr_id,
            number,
            channel,
            urgency,
            URGENCY_RANK[urgency],  # type: ignore[index]
            life.status,
            summary[:200],
            description,
            address[:200],
            external_ref,
            received,
            life.dispatch_due,
            life.accept_due,
            life.resolve_due,
            life.due,
            life.dispatched_at,
            life.accepted_at,
            life.resolved_at,
            life.answer,
            life.answer_method,
            life.closed_at,
            life.satisfaction,
            life.reopen_count,
            life.return_count,
            life.last_at,
            life.accepted_by,
            api_key,
            code,
            created_by,
            division.code,
            life.lead_group.pk if life.lead_group else None,
            life.merged_into,
            person,
            company.pk if company else None,
            company.workforce if company else None,
            self.org.outlet.pk if channel == Channel.MEDIA else None,
            rng.choice(LeadSource.values) if channel == Channel.MEDIA else "",
        ]
        for index in _HR_DATETIMES:
            if row[index] is not None:
                row[index] = to_db(row[index])
        events = [
            (hr_id, kind, before, to, actor_id, actor_name, note, data, to_db(at))
            for kind, before, to, actor_id, actor_name, note, data, at in life.events
        ]
        return row, events, [(hr_id, g.pk) for g in life.assisting]

    def _live(
        self,
        life: _Life,
        code: str,
        template: Template,
        urgency: str,
        channel: str,
        answer: str,
    ) -> None:
        """Replay the request's life up to now; raise ``_Stop`` at the first future step."""
        rng = self.rng
        age_hours = (self.now - life.received_at) / _HOUR
        # Recent requests may still be waiting on someone; old ones were chased to the end.
        stall: str | None = None
        if rng.random() < (0.16 if age_hours < 72 else 0.0015):
            stall = rng.choice(_STALL_STEPS)
        # A late step: the clock ran out before someone acted.
        slow = 4.0 if rng.random() < 0.1 else 1.0
        t = life.received_at
        method = _ANSWER_METHOD_BY_CHANNEL[channel]

        # 直办: an operator answers a policy-type question while the caller is on the line.
        if template.intake and channel == Channel.HOTLINE and rng.random() < 0.6:
            if stall == "dispatch":
                raise _Stop
            t += rng.uniform(2 * _MIN, 15 * _MIN)

            def answer_on_line() -> None:
                life.resolved_at, life.answer, life.answer_method = t, answer, method

            life.step(
                Event.Kind.RESOLVED_AT_INTAKE,
                Status.RESOLVED,
                t,
                self.operator,
                answer,
                {"answer_method": method},
                answer_on_line,
            )
            self._close(life, t, stall, allow_reopen=False)
            return

        # A duplicate (the same person calling twice, or two channels): merged, not handled.
        targets = self.merge_targets[code]
        if targets and rng.random() < 0.04:
            into_id, into_number, into_received = rng.choice(targets)
            if into_received < life.received_at:
                t += _lognormal(rng, 25)
                if rng.random() < 0.3:
                    t, _ = self._dispatch(life, t, code, template, urgency, slow=1.0)
                    t += _lognormal(rng, 10)

                def merge() -> None:
                    life.merged_into = into_id

                life.step(
                    Event.Kind.MERGED,
                    Status.MERGED,
                    t,
                    self.dispatcher,
                    MERGE_NOTE.format(number=into_number),
                    {"into": into_number},
                    merge,
                )
                return

        if stall == "dispatch":
            raise _Stop
        # 退单: sent to the wrong group first, handed back, sent again.
        if rng.random() < 0.03:
            wrong = rng.choice(
                [
                    g
                    for g in self.org.groups.values()
                    if g.code not in self._groups_for(code, template)
                ]
            )
            t, _ = self._dispatch(life, t, code, template, urgency, slow=slow, group=wrong)
            t += _lognormal(rng, 30)
            right = self.org.groups[self._groups_for(code, template)[0]]
            member = self._member(wrong)

            def give_back() -> None:
                life.lead_group = None
                life.assisting = []
                life.accepted_by = None
                life.accepted_at = None
                life.return_count += 1
                life.dispatch_due = t + life.windows.dispatch.total_seconds()
                life.accept_due = t + life.windows.accept.total_seconds()

            life.step(
                Event.Kind.RETURNED,
                Status.RECEIVED,
                t,
                member,
                rng.choice(RETURN_REASONS).format(group=right.name),
                {"group": wrong.code},
                give_back,
            )
        t, lead = self._dispatch(life, t, code, template, urgency, slow=slow)
        if stall == "accept":
            raise _Stop
        t += _lognormal(rng, _ACCEPT[urgency] * slow)
        member = self._member(lead)

        def accept() -> None:
            life.accepted_at, life.accepted_by = t, member.id

        life.step(Event.Kind.ACCEPTED, Status.ACCEPTED, t, member, apply=accept)
        if stall == "start":
            raise _Stop
        t += _lognormal(rng, 12)
        life.step(Event.Kind.STARTED, Status.IN_PROGRESS, t, member, rng.choice(START_NOTES))
        if stall == "resolve":
            raise _Stop
        t = self._resolve(life, t, urgency, member, method, answer, slow)
        self._close(life, t, stall, allow_reopen=True, member=member, urgency=urgency)

    def _groups_for(self, code: str, template: Template) -> tuple[str, ...]:
        return template.groups or CATEGORY_GROUPS[code]

    def _dispatch(
        self,
        life: _Life,
        t: float,
        code: str,
        template: Template,
        urgency: str,
        *,
        slow: float,
        group: Group | None = None,
    ) -> tuple[float, Group]:
        rng = self.rng
        t += _lognormal(rng, _DISPATCH[urgency] * slow)
        candidates = self._groups_for(code, template)
        if group is None:
            chosen = (
                candidates[0]
                if len(candidates) == 1 or rng.random() < 0.75
                else rng.choice(candidates[1:])
            )
            group = self.org.groups[chosen]
        helpers: list[Group] = []
        if rng.random() < 0.08:
            others = [c for c in candidates if c != group.code] or [
                rng.choice(("community", "transfer", "coordination"))
            ]
            helper = self.org.groups[rng.choice(others)]
            if helper.pk != group.pk:
                helpers.append(helper)
        lead = group

        def dispatch() -> None:
            life.lead_group, life.assisting, life.dispatched_at = lead, helpers, t

        life.step(
            Event.Kind.DISPATCHED,
            Status.DISPATCHED,
            t,
            self.dispatcher,
            rng.choice(DISPATCH_NOTES),
            {"group": lead.code, "assisting": [g.code for g in helpers]},
            dispatch,
        )
        return t, lead

    def _resolve(
        self,
        life: _Life,
        t: float,
        urgency: str,
        member: _Actor,
        method: str,
        answer: str,
        slow: float,
    ) -> float:
        t += _lognormal(self.rng, _RESOLVE[urgency] * slow, 0.8)

        def resolve() -> None:
            life.resolved_at, life.answer, life.answer_method = t, answer, method

        life.step(
            Event.Kind.RESOLVED,
            Status.RESOLVED,
            t,
            member,
            answer,
            {"answer_method": method},
            resolve,
        )
        return t

    def _close(
        self,
        life: _Life,
        t: float,
        stall: str | None,
        *,
        allow_reopen: bool,
        member: _Actor | None = None,
        urgency: str = "",
    ) -> None:
        """回访: the requester rates the answer; a first 不满意 reopens the request once."""
        rng = self.rng
        if stall == "close" or rng.random() < 0.02:
            raise _Stop  # never reached for the callback: stays resolved
        closer = self.operator if rng.random() < 0.8 else self.dispatcher
        t += _lognormal(rng, 6 * 60, 1.0)
        x = rng.random()
        if allow_reopen and member is not None and x < 0.05 and life.reopen_count == 0:

            def reopen() -> None:
                life.satisfaction = Satisfaction.UNSATISFIED
                life.reopen_count += 1
                life.resolve_due = t + life.windows.resolve.total_seconds()
                life.resolved_at = None
                life.closed_at = None

            life.step(
                Event.Kind.REOPENED,
                Status.IN_PROGRESS,
                t,
                closer,
                rng.choice(REOPEN_REASONS),
                {"satisfaction": Satisfaction.UNSATISFIED, "automatic_reopen": True},
                reopen,
            )
            # Tried again: the new answer says what was done the second time.
            t = self._resolve(
                life,
                t,
                urgency,
                member,
                life.answer_method or AnswerMethod.PHONE,
                "经重新核实办理，" + life.answer,
                1.0,
            )
            t += _lognormal(rng, 6 * 60, 1.0)
            x = rng.random() * 0.97 + 0.03  # rated again: mostly satisfied now
        if x < 0.08 and allow_reopen:
            rating = Satisfaction.UNSATISFIED
        elif x < 0.25:
            rating = Satisfaction.BASICALLY_SATISFIED
        else:
            rating = Satisfaction.SATISFIED
        if rating == Satisfaction.UNSATISFIED and life.reopen_count == 0:
            rating = Satisfaction.BASICALLY_SATISFIED  # the service would reopen it instead

        def close() -> None:
            life.satisfaction, life.closed_at = rating, t

        life.step(
            Event.Kind.CLOSED,
            Status.CLOSED,
            t,
            closer,
            rng.choice(CLOSE_NOTES),
            {"satisfaction": rating, "automatic_reopen": False},
            close,
        )


def _receipt_times(rng: Random, *, count: int, start: float, end: float) -> list[float]:
    """``count`` moments between start and end, more by day than by night, in order."""
    tz = ZoneInfo(settings.TIME_ZONE)
    offset = datetime.fromtimestamp(end, tz=tz).utcoffset()
    shift = offset.total_seconds() if offset else 0.0
    top = max(_HOUR_WEIGHTS)
    span = end - start
    times: list[float] = []
    while len(times) < count:
        t = start + rng.random() * span
        hour = int(((t + shift) % 86400) // 3600)
        if rng.random() * top < _HOUR_WEIGHTS[hour]:
            times.append(t)
    times.sort()
    return times


def seed_requests(
    *,
    count: int,
    days: float,
    seed: int | None = None,
    now: datetime | None = None,
    batch_size: int = 5000,
    progress: bool = False,
    stream: TextIO | None = None,
) -> SeedResult:
    """Write ``count`` requests received over the ``days`` before ``now``, with their events.

    Each batch is one transaction. The numbers continue each day's sequence, which is moved
    past them first, so requests filed live while this runs never collide with them.
    """
    check_columns()
    started = time.monotonic()
    org = ensure_demo_organisation()
    rng = Random(seed)
    now_ts = (now or timezone.now()).timestamp()
    times = _receipt_times(rng, count=count, start=now_ts - days * 86400, end=now_ts)
    tz = ZoneInfo(settings.TIME_ZONE)
    local_days = [datetime.fromtimestamp(t, tz=tz).date() for t in times]
    counts: dict[date, int] = {}
    for day in local_days:
        counts[day] = counts.get(day, 0) + 1
    next_seq = reserve_numbers(counts)

    sink = _Sink()
    generator = _Generator(org=org, rng=rng, now=now_ts, count=count, sink=sink)
    total_events = total_people = 0
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=count, unit="req", unit_scale=True, file=stream, smoothing=0.1)
    try:
        for begin in range(0, count, batch_size):
            end = min(begin + batch_size, count)
            with transaction.atomic():
                ids = sink.allocate_ids("core_helprequest", end - begin)
                new_people: list[_Person] = []
                rows: list[list[Any]] = []
                events: list[tuple[Any, ...]] = []
                assisting: list[tuple[int, int]] = []
                for index in range(begin, end):
                    day = local_days[index]
                    next_seq[day] += 1
                    row, evs, helps = generator.make(
                        times[index],
                        ids[index - begin],
                        f"{day:%Y%m%d}-{next_seq[day]:04d}",
                        new_people,
                    )
                    rows.append(row)
                    events.extend(evs)
                    assisting.extend(helps)
                fresh = [p for p in new_people if p.id is None]
                for person, person_id in zip(
                    fresh, sink.allocate_ids("core_requester", len(fresh)), strict=True
                ):
                    person.id = person_id
                sink.insert(
                    "core_requester",
                    REQUESTER_COLUMNS,
                    [
                        # Written past the ORM, so encrypted and hashed here (lib.fieldcrypt).
                        (
                            p.id,
                            p.kind,
                            encrypt(p.name),
                            encrypt(p.phone),
                            encrypt(p.id_number),
                            p.organisation,
                            p.uscc,
                            sink.to_db(p.created_at),
                            phone_lookup_hash(p.phone),
                            id_number_lookup_hash(p.id_number),
                            None,
                        )
                        for p in fresh
                    ],
                )
                for row in rows:
                    row[_REQUESTER] = row[_REQUESTER].id
                sink.insert("core_helprequest", HR_COLUMNS, rows)
                sink.insert("core_event", EVENT_COLUMNS, events)
                sink.insert("core_helprequest_assisting_groups", ASSIST_COLUMNS, assisting)
            total_events += len(events)
            total_people += len(fresh)
            if bar is not None:
                bar.update(end - begin)
    finally:
        if bar is not None:
            bar.close()
    if connection.vendor == "postgresql":
        # Fresh statistics, or the planner guesses on a table it last saw empty.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_helprequest, core_event, core_requester")
    return SeedResult(
        requests=count,
        events=total_events,
        requesters=total_people,
        seconds=time.monotonic() - started,
        first_day=min(counts) if counts else None,
        last_day=max(counts) if counts else None,
    )
