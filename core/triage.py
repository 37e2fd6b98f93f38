"""Triage hints for the operator: a category and an urgency suggested from the words of a request,
and the text measure that tells a likely duplicate.

Plain keyword rules, kept in readable tables, so that anyone at the headquarters can see why a
word raised a request to critical and add the next one. They only suggest: the operator
decides, and the console never lowers an urgency the operator chose (see ``intake.js``).
Negations ("没有发烧") are not understood; a suggestion that is too high costs a glance, one
that is too low could cost a life, so the rules err upwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.models import Urgency

# fmt: off
#: Words that suggest a category, by category code (codes of ``core.reference_data``).
#: "封控" and "隔离" alone are left out of most lists on purpose: nearly every call in a locked
#: down city mentions them, whatever it is about.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "policy": (
        "政策", "报备", "返焦", "返乡", "回焦", "通告", "防控要求", "要求是什么", "婚宴", "丧事",
        "加强针", "疫苗", "接种", "中高风险", "风险地区", "能不能营业", "快递", "三天两检",
    ),
    "travel": (
        "高速", "收费站", "通行证", "通行", "公交", "出租车", "网约车", "货车", "司机", "出行",
        "出市", "劝返", "下站", "放行", "被拦", "滞留", "绿色通道",
    ),
    "health_code": (
        "健康码", "黄码", "红码", "转码", "赋码", "绿码", "行程卡", "弹窗", "带星", "星号",
    ),
    "medical": (
        "透析", "就医", "医院", "看病", "配药", "买药", "药店", "药品", "吃药", "断药", "缺药",
        "化疗", "手术", "支架", "住院", "复查", "门诊", "产检", "孕妇", "怀孕", "待产", "预产期",
        "救护车", "120", "胰岛素", "降压药", "发烧", "发热", "高烧", "摔倒", "骨折", "胸痛",
        "见红", "心梗", "脑梗", "昏迷", "呼吸困难", "大出血", "抽搐", "早产", "休克", "窒息",
        "尿毒症", "病人", "患者",
    ),
    "supplies": (
        "物资", "买菜", "没菜", "蔬菜", "米面", "大米", "面粉", "食用油", "鸡蛋", "奶粉", "早产儿奶粉",
        "纸尿裤", "尿不湿", "卫生巾", "团购", "保供", "超市", "燃气", "煤气", "天然气",
        "没吃的", "断粮", "做饭", "生活用品",
    ),
    "quarantine": (
        "隔离点", "居家隔离", "集中隔离", "解除隔离", "隔离期", "密接", "次密接", "门磁",
        "转运", "封控区", "管控区", "隔离酒店",
    ),
    "testing": (
        "核酸", "采样", "检测点", "检测结果", "抗原", "混管", "上门采样", "阴性", "阳性",
    ),
    "enterprise": (
        "企业", "公司", "复工", "复产", "员工", "工厂", "厂里", "订单", "原料", "小微",
        "房租", "纾困", "个体户", "商户",
    ),
    "mental": (
        "心理", "焦虑", "失眠", "睡不着", "抑郁", "情绪", "想不开", "轻生", "自杀", "崩溃",
        "不想活", "压力大", "害怕",
    ),
    "report": (
        "举报", "违规", "偷偷", "哄抬", "高价", "聚集", "没报备", "未报备", "瞒报", "无人值守",
        "私自", "不戴口罩",
    ),
    "other": ("感谢", "表扬", "建议", "锦旗", "态度", "志愿者", "投诉"),
}

#: Words that make a request critical (life or limb at risk now) or urgent (harm within a day).
URGENCY_WORDS: dict[str, tuple[str, ...]] = {
    Urgency.CRITICAL: (
        "透析", "见红", "破水", "羊水破", "宫缩", "临产", "早产", "难产", "呼吸困难", "喘不上气",
        "没有呼吸", "胸痛", "心梗", "心肌梗", "心脏骤停", "脑梗", "中风", "昏迷", "晕倒",
        "意识不清", "不省人事", "休克", "窒息", "噎住", "大出血", "出血不止", "吐血", "呕血",
        "咯血", "抽搐", "惊厥", "中毒", "动脉瘤", "抢救", "急救", "想不开", "轻生", "自杀",
        "不想活", "割腕", "跳楼",
    ),
    Urgency.URGENT: (
        "奶粉", "断药", "停药", "缺药", "没药", "药吃完", "药快没", "胰岛素", "降压药", "发烧",
        "发热", "高烧", "化疗", "孕妇", "怀孕", "产检", "摔倒", "骨折", "卧床", "胸闷", "头晕",
        "呕吐", "腹泻", "过敏", "疼得厉害", "断粮", "没吃的", "没菜", "断水", "停水", "断电",
        "停电", "没暖气", "独居老人", "婴儿", "尿毒症",
        # Longer than "早产" (critical): a premature baby's needs are urgent, not an emergency.
        "早产儿",
    ),
}

#: When two categories match as many words, the earlier wins: the one where a wrong guess
#: would hurt more (a report or a medical need hidden behind a question about the rules).
CATEGORY_PRECEDENCE = (
    "report", "medical", "mental", "supplies", "health_code", "testing", "enterprise", "travel",
    "policy", "quarantine", "other",
)
# fmt: on

_URGENCY_RANK: dict[str, int] = {
    str(Urgency.CRITICAL): 0,
    str(Urgency.URGENT): 1,
    str(Urgency.NORMAL): 2,
}


def _index(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """word → key; a word listed under two keys keeps the first, so each word means one thing."""
    index: dict[str, str] = {}
    for key, words in table.items():
        for word in words:
            index.setdefault(word.lower(), str(key))
    return index


CATEGORY_OF_WORD = _index(CATEGORY_WORDS)
URGENCY_OF_WORD = _index(URGENCY_WORDS)


def _scan(text: str, index: Mapping[str, str]) -> list[str]:
    """The words of ``index`` found in ``text``, in order, longest first at each position.

    Longest match without overlap, so "没报备" counts as a report and not also as "报备",
    and "居家隔离" is one word, not two.
    """
    text = text.lower()
    if not index:
        return []
    longest = max(len(word) for word in index)
    found: list[str] = []
    position = 0
    while position < len(text):
        for size in range(min(longest, len(text) - position), 0, -1):
            candidate = text[position : position + size]
            if candidate in index:
                found.append(candidate)
                position += size
                break
        else:
            position += 1
    return found


@dataclass(frozen=True)
class Suggestion:
    """What the words of a request suggest. ``category`` is a code, or None when no word matched."""

    category: str | None
    urgency: str
    category_words: tuple[str, ...]
    urgency_words: tuple[str, ...]

    @property
    def matched(self) -> tuple[str, ...]:
        """Every word that counted, each once."""
        return tuple(dict.fromkeys(self.urgency_words + self.category_words))

    @property
    def is_empty(self) -> bool:
        return not (self.category_words or self.urgency_words)


def suggest(text: str) -> Suggestion:
    """The category with most matching words (ties by ``CATEGORY_PRECEDENCE``) and the highest
    urgency any word calls for; ``normal`` when none does."""
    text = text or ""
    category_hits = _scan(text, CATEGORY_OF_WORD)
    counts: dict[str, int] = {}
    for word in dict.fromkeys(category_hits):
        code = CATEGORY_OF_WORD[word]
        counts[code] = counts.get(code, 0) + 1
    category = None
    if counts:
        category = min(counts, key=lambda code: (-counts[code], CATEGORY_PRECEDENCE.index(code)))
    category_words = tuple(
        word for word in dict.fromkeys(category_hits) if CATEGORY_OF_WORD[word] == category
    )

    urgency_hits = tuple(dict.fromkeys(_scan(text, URGENCY_OF_WORD)))
    urgency = str(Urgency.NORMAL)
    for word in urgency_hits:
        level = str(URGENCY_OF_WORD[word])
        if _URGENCY_RANK[level] < _URGENCY_RANK[urgency]:
            urgency = level
    # Only the words that decided the level are shown: "发烧" next to "昏迷" explains nothing.
    urgency_words = tuple(word for word in urgency_hits if str(URGENCY_OF_WORD[word]) == urgency)
    return Suggestion(
        category=category,
        urgency=urgency,
        category_words=category_words,
        urgency_words=urgency_words,
    )


def urgency_rank(urgency: str) -> int:
    """0 for critical … 2 for normal; an unknown value ranks as normal."""
    return _URGENCY_RANK.get(urgency, 2)


# --- Similar text ------------------------------------------------------------------------------

_WORD_RUN = re.compile(r"\w+")


def bigrams(text: str) -> set[str]:
    """The character pairs of ``text``'s runs of letters and digits, lower-cased.

    Chinese has no spaces between words, and two characters are the usual length of a word,
    so pairs of neighbouring characters match most words without a dictionary. A run of one
    character counts as itself, so that "码" still finds something.
    """
    pairs: set[str] = set()
    for run in _WORD_RUN.findall((text or "").lower()):
        if len(run) == 1:
            pairs.add(run)
        pairs.update(run[i : i + 2] for i in range(len(run) - 1))
    return pairs


def similarity(first: str | set[str], second: str | set[str]) -> float:
    """Dice coefficient of the two texts' bigrams: 0 nothing shared, 1 the same pairs."""
    a = first if isinstance(first, set) else bigrams(first)
    b = second if isinstance(second, set) else bigrams(second)
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))
