"""What may be told to the public about a request: its outcome, with no one in it.

A media outlet reports back fast ("有呼必有应"), so the summary is written for printing as
it stands. It is built from the fields we control (category, county, dates, the group that
acted) plus the answer's text with every trace of the person taken out: their name (and the
ways a text refers to someone by it: 张女士, 老张, 张某某), phone (also its local part and
"尾号1234", which is what the tracking page asks for), ID number, address (also the
community named in it) and anything in the text that looks like a phone, an ID number, an
e-mail address, a licence plate or a house number.

The answer is written by staff for the person, not for the press, so it names them freely;
what is redacted errs towards too much: a "***" in a newspaper costs nothing, a printed
phone number cannot be taken back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import HelpRequest, RequesterKind, Status

#: A public summary exists only once the group has answered.
PUBLISHABLE = frozenset({Status.RESOLVED, Status.CLOSED})

REPLACEMENT = "***"

#: Phones are often typed on a Chinese keyboard in full-width digits; they are matched (and
#: printed) as ASCII so that no number slips past the patterns below. Full-width brackets
#: are Chinese punctuation and stay as they are; the patterns accept both kinds.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－Ｘｘ", "0123456789+-Xx")

#: 18 digits (the last may be X), also written 6-8-4 with spaces or dashes; or the old 15.
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(?:[1-9][0-9]{5}[\s-]?[0-9]{8}[\s-]?[0-9]{3}[0-9Xx]|[1-9][0-9]{14})"
    r"(?![0-9A-Za-z])"
)
#: 13812341234, 138 1234 1234, 138-1234-1234, +86 138…, (+86)138…, 0086138…
_MOBILE = re.compile(
    r"(?<![0-9])(?:[(（]?(?:\+|00)?86[)）]?[\s-]?)?1[3-9][0-9](?:[\s.-]?[0-9]{4}){2}(?![0-9])"
)
#: A landline with its area code: 0391-3568888, (0391)3568888, 0391 3568888, 03913568888.
_LANDLINE = re.compile(r"(?<![0-9])[(（]?0[1-9][0-9]{1,2}[)）]?[\s-]?[2-9][0-9]{6,7}(?![0-9])")
#: 尾号1234 / 后四位是1234: the digits the tracking page asks for.
_PHONE_TAIL = re.compile(r"((?:尾号|后四位|末四位)(?:为|是)?\s*[:：]?\s*)[0-9]{4}(?![0-9])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: 豫H12345, 豫H·D12345 (new-energy plates have six characters after the letter).
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][·•\s]?"
    r"[A-HJ-NP-Z0-9]{5,6}(?![A-Za-z0-9])"
)

_NUMERAL = r"(?:[0-9]+|[一二三四五六七八九十]+)"
#: 3号楼2单元501, 12栋3单元, 8幢, 501室, 5号院: where someone lives, narrower than their
#: community. A trailing room number goes too, unless it is a date, a time or a count.
_HOUSE = re.compile(
    rf"{_NUMERAL}\s*(?:号楼|栋|幢|座|单元|号院|室)"
    rf"(?:\s*[-之]?\s*{_NUMERAL}\s*(?:号楼|栋|幢|座|单元|层|楼|室|户|号))*"
    r"(?:\s*-?\s*[0-9]{2,5}(?![0-9年月日号时点分秒天周人名个位元岁次])(?:室|房|户)?)?"
)
#: 3-2-501 (building, entrance, flat); a date (2022-01-14) has four digits in front.
_HOUSE_DASHED = re.compile(r"(?<![0-9-])[0-9]{1,3}-[0-9]{1,2}-[0-9]{3,4}(?![0-9-])")
#: 人民路88号, 王庄村3组: a door on a street, a group of households in a village.
_DOOR = re.compile(r"(?<=[路街巷弄道])[0-9]+号(?:院)?|(?<=村)" + _NUMERAL + r"组")

#: Compound family names: 欧阳娜娜 is Ms 欧阳, not Ms 欧.
_COMPOUND_FAMILY_NAMES_TEXT = (
    "欧阳司马上官诸葛东方皇甫尉迟公孙慕容令狐夏侯长孙宇文司徒轩辕端木"
    "独孤南宫西门百里呼延申屠澹台闻人万俟钟离赫连太史公冶濮阳淳于单于"
)
_COMPOUND_FAMILY_NAMES = frozenset(
    _COMPOUND_FAMILY_NAMES_TEXT[i : i + 2] for i in range(0, len(_COMPOUND_FAMILY_NAMES_TEXT), 2)
)
#: How a text names someone by their family name alone: 张女士, 张大爷, 张某某.
_TITLES = (
    "女士",
    "先生",
    "小姐",
    "老人",
    "老太",
    "老太太",
    "老伯",
    "大爷",
    "大娘",
    "大妈",
    "大叔",
    "大姐",
    "大哥",
    "阿姨",
    "叔叔",
    "伯伯",
    "奶奶",
    "爷爷",
    "婆婆",
    "师傅",
    "同志",
    "老师",
    "医生",
    "姐",
    "哥",
    "某",
    "某某",
)
#: Endings of a community's name: the answer says 幸福里小区 or just 幸福里.
_COMMUNITY_SUFFIXES = ("小区", "社区", "家园", "花园", "公寓", "大厦", "新村", "苑", "村")
_ADDRESS_SPLIT = re.compile(r"[\s,，、;；:：()（）\[\]【】#＃/\\.。·-]+|[0-9]+")


def family_name(name: str) -> str:
    name = name.strip()
    return name[:2] if name[:2] in _COMPOUND_FAMILY_NAMES else name[:1]


def name_variants(name: str) -> tuple[str, ...]:
    """``name`` and the ways a text refers to that person by their family name.

    The family name alone is too common to remove everywhere (张 is in 张贴 and 紧张), but
    with a title, or as 老张 / 小张, it points at the person.
    """
    name = name.strip()
    if not name:
        return ()
    family = family_name(name)
    if family == name:
        return (name,) if len(name) >= 2 else ()
    return (
        name,
        *(family + title for title in _TITLES),
        "老" + family,
        "小" + family,
    )


def phone_variants(phone: str) -> tuple[str, ...]:
    """A landline's number without its area code: the answer may give only that."""
    digits = re.sub(r"[^0-9]", "", phone)
    if not digits.startswith("0") or not 10 <= len(digits) <= 12:
        return ()
    # The area code has three or four digits (010, 0391), so both splits are candidates.
    return tuple(local for local in (digits[3:], digits[4:]) if 7 <= len(local) <= 8)


def address_variants(address: str, *, keep: Iterable[str] = ()) -> tuple[str, ...]:
    """The parts of ``address`` that point at a home: 幸福里小区 (and 幸福里) in
    焦南街道幸福里小区3号楼. The division names in ``keep`` are public and stay."""
    address = address.strip()
    if not address:
        return ()
    rest = address
    for public in sorted({k for k in keep if k}, key=len, reverse=True):
        rest = rest.replace(public, " ")
    for pattern in (_HOUSE, _HOUSE_DASHED, _DOOR):
        rest = pattern.sub(" ", rest)
    found = [address]
    for piece in _ADDRESS_SPLIT.split(rest):
        if len(piece) < 2:
            continue
        found.append(piece)
        for suffix in _COMMUNITY_SUFFIXES:
            stem = piece.removesuffix(suffix)
            if stem != piece and len(stem) >= 2:
                found.append(stem)
                break
    return tuple(found)


def _digits_pattern(value: str) -> re.Pattern[str]:
    # 3568888 also written 356 8888 or 356-8888, and never inside a longer number.
    spaced = r"[\s-]?".join(re.escape(digit) for digit in value)
    return re.compile(rf"(?<![0-9]){spaced}(?![0-9])")


def redact(
    text: str,
    *,
    names: Iterable[str] = (),
    phones: Iterable[str] = (),
    places: Iterable[str] = (),
) -> str:
    """``text`` without the given people, phones and places, and without anything that
    looks like a phone, an ID number, an e-mail address, a licence plate or a house number.

    ``names`` are full names (their 张女士-style variants are removed too); ``places`` are
    removed as written (pass ``address_variants`` of an address).
    """
    text = text.translate(_FULL_WIDTH)
    literal = {variant for name in names for variant in name_variants(name)}
    literal |= {place.strip() for place in places if len(place.strip()) >= 2}
    digit_runs: set[str] = set()
    for phone in phones:
        digits = re.sub(r"[^0-9]", "", phone)
        if len(digits) >= 7:
            digit_runs.add(digits)
        digit_runs.update(phone_variants(phone))
    # Whole numbers first, so that a known local number does not leave its area code
    # behind; IDs before phones, as an ID number holds a run that would pass for a landline.
    for pattern in (_ID_NUMBER, _EMAIL, _MOBILE, _LANDLINE):
        text = pattern.sub(REPLACEMENT, text)
    # Longest first, so that 张秀兰 goes before 张姐 and 幸福里小区 before 幸福里.
    for value in sorted(literal, key=len, reverse=True):
        text = text.replace(value, REPLACEMENT)
    for digits in sorted(digit_runs, key=len, reverse=True):
        text = _digits_pattern(digits).sub(REPLACEMENT, text)
    for pattern in (_PLATE, _HOUSE_DASHED, _DOOR, _HOUSE):
        text = pattern.sub(REPLACEMENT, text)
    text = _PHONE_TAIL.sub(lambda match: match.group(1) + REPLACEMENT, text)
    # 张女士（13812341234） leaves "***（***）"; two masks side by side say no more than one.
    return re.sub(r"\*{3}(?:\s*\*{3})+", REPLACEMENT, text)


def public_summary(help_request: HelpRequest) -> str:
    """A paragraph a newspaper can print about a resolved request; empty while it is open."""
    if help_request.status not in PUBLISHABLE:
        return ""
    requester = help_request.requester
    division = help_request.division
    county = division.county
    keep = {division.name, division.name_en, county.name, county.name_en}
    places = [
        *address_variants(help_request.address, keep=keep),
        requester.id_number,
        # The summary says "a company", so the answer does not name it either.
        requester.organisation,
    ]
    answer = redact(
        help_request.answer,
        names=(requester.name,),
        phones=(requester.phone,),
        places=places,
    )
    received = timezone.localtime(help_request.received_at)
    resolved = timezone.localtime(help_request.resolved_at or help_request.updated_at)
    who = _("a company") if requester.kind == RequesterKind.ENTERPRISE else _("a resident")
    group = help_request.lead_group.display_name if help_request.lead_group else _("the hotline")
    return _(
        "On %(received)s, %(who)s of %(county)s asked for help (%(category)s). "
        "%(group)s answered on %(resolved)s: %(answer)s"
    ) % {
        "received": received.strftime("%m-%d %H:%M"),
        "who": who,
        "county": county.display_name,
        "category": help_request.category.display_name,
        "group": group,
        "resolved": resolved.strftime("%m-%d %H:%M"),
        "answer": answer,
    }
