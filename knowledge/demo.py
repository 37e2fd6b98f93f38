"""The demo city's policy knowledge base: the questions the hotline heard most in January 2022.

Written for the demo in the style of a city's epidemic FAQ; the notices named as sources are
the demo headquarters' own. One policy changes during the month (entertainment venues), so
the knowledge base shows an entry that has ended and the one that replaced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from core.models import Category
from knowledge.models import AnswerTemplate, PolicyEntry

NOTICE = "焦作市疫情防控指挥部通告（第{}号）"


@dataclass(frozen=True)
class DemoPolicy:
    question: str
    answer: str
    source: str
    category: str
    keywords: str
    valid_from: date
    valid_to: date | None = None


P = DemoPolicy

DEMO_POLICIES: tuple[DemoPolicy, ...] = (
    P(
        "从外地返焦需要怎么报备？",
        "抵焦前3天通过“焦我办”APP“返焦报备”模块或向目的地社区（村）报备，如实填写出发地、"
        "交通方式和抵达时间。抵焦后12小时内到就近采样点做一次核酸检测，第3天再做一次"
        "（“三天两检”），结果出来前尽量不外出、不聚集。来自中高风险地区所在县（市、区）的，"
        "按下一条的要求落实隔离。",
        NOTICE.format(3),
        "policy",
        "返乡 回焦 返焦 报备 外地回来 回家过年 三天两检 大学生放假",
        date(2022, 1, 5),
    ),
    P(
        "从中高风险地区来焦的人员要隔离吗？",
        "来自中风险地区的，实行7天集中隔离加7天居家健康监测；来自高风险地区的，实行14天集中"
        "隔离加7天居家健康监测。来自中高风险地区所在县（市、区）其他地方的，实行7天居家健康"
        "监测，期间“两点一线”、不聚集。隔离费用按省里规定执行，困难群众可向社区申请减免。",
        NOTICE.format(3),
        "policy",
        "中高风险 风险地区 隔离 集中隔离 居家健康监测 来焦",
        date(2022, 1, 5),
    ),
    P(
        "健康码变成黄码或红码了，怎么转绿？",
        "先在健康码页面查看赋码原因。黄码：按要求完成“三天两检”且结果均为阴性后，可在"
        "“焦我办”APP提交转码申请，或由12345话务员登记，所在县（市、区）健康码专班1个工作日内"
        "核实办理。红码：须完成规定的隔离和检测，由隔离管控专班核实后统一转码。转码后请刷新"
        "页面查看。",
        NOTICE.format(6),
        "health_code",
        "黄码 红码 转码 转绿 变码 赋码 健康码异常 弹窗",
        date(2022, 1, 8),
    ),
    P(
        "行程卡带星号，影响进小区、上班吗？",
        "行程卡带星号只表示14天内到过有中高风险地区的城市，不等于到过风险地区。本市卡点、"
        "小区、单位和商超以健康码为准，绿码且没有其他异常的可以正常通行，不得仅因星号拒绝"
        "进入。遇到拒绝的，可拨打12345反映。",
        NOTICE.format(6),
        "health_code",
        "行程卡 星号 带星 进小区 上班 拒绝进入",
        date(2022, 1, 8),
    ),
    P(
        "全员核酸检测的采样点在哪里、几点开始？",
        "各社区（村）采样点的位置和时间以社区微信群和小区门口的公告为准，全员检测期间一般"
        "早上7点开始，本小区人员采完为止，请错峰排队、保持一米间距。70岁以上老人、孕妇、"
        "残疾人和抱婴儿的家长走“绿色通道”；卧床和行动不便的，可向社区申请上门采样。",
        NOTICE.format(4),
        "testing",
        "核酸 采样点 检测点 几点 全员检测 排队 上门采样",
        date(2022, 1, 6),
    ),
    P(
        "核酸检测结果多久出？在哪里查？",
        "一般采样后12至24小时出结果，可以在“焦我办”APP或健康码页面查看。超过48小时仍未显示的，"
        "请记下采样的时间和地点，由12345话务员转核酸检测专班核查，结果会补传到健康码。",
        NOTICE.format(4),
        "testing",
        "核酸结果 检测结果 查结果 没出结果 同步 48小时",
        date(2022, 1, 6),
    ),
    P(
        "密切接触者、次密接要隔离多少天？",
        "密切接触者实行14天集中隔离加7天居家健康监测，隔离期间第1、4、7、14天各做一次核酸；"
        "次密接实行7天集中或居家隔离。隔离期满且核酸均为阴性的，由隔离点出具解除隔离告知书，"
        "健康码随后转绿。对隔离期限有疑问的，可由话务员转隔离管控专班核实。",
        NOTICE.format(7),
        "quarantine",
        "密接 次密接 隔离几天 隔离多久 隔离期限 解除隔离 隔离期满",
        date(2022, 1, 9),
    ),
    P(
        "居家隔离期间能取快递、倒垃圾吗？",
        "居家隔离期间不出门。快递和外卖由社区志愿者消杀后送到门口；生活垃圾装袋封口放在门口，"
        "每天由专人上门收取。门磁报警请先联系网格员说明情况，确属误报的不延长隔离。",
        NOTICE.format(7),
        "quarantine",
        "居家隔离 快递 外卖 垃圾 门磁 出门",
        date(2022, 1, 9),
    ),
    P(
        "封控区、管控区、防范区的小区能不能进出？",
        "封控区“区域封闭、足不出户、服务上门”；管控区“人不出区、严禁聚集”，每户每两天可有"
        "1人凭出入证错峰到指定地点购物；防范区“强化社会面管控、严格限制人员聚集”，进出小区"
        "测温、扫码，查验48小时内核酸阴性证明。各小区属于哪一类，以指挥部每日公布的名单为准。",
        NOTICE.format(5),
        "policy",
        "封控区 管控区 防范区 进出小区 出入证 出门 买菜",
        date(2022, 1, 7),
    ),
    P(
        "货车司机进出焦作要什么手续？重点物资车辆通行证怎么办？",
        "货车司机持48小时内核酸阴性证明、绿码和行程卡，下高速时在卡点扫码登记、测温后通行，"
        "卸货后闭环返回。运输生活必需品、医疗物资、农业生产资料和重点企业原材料的，可由企业"
        "或承运单位向市交通运输局申办“重点物资运输车辆通行证”，当天办结，各地互认。",
        NOTICE.format(8),
        "travel",
        "货车 司机 通行证 卡点 下高速 物流 运输 放行",
        date(2022, 1, 10),
    ),
    P(
        "封控期间急需就医怎么办？",
        "急危重症直接拨打120，急救车辆不受封控限制。透析、化疗、孕产妇等需要定期就医的，由"
        "所在社区登记，指挥部安排专车“点对点”闭环接送；需要到郑州等外地就医的，经两地指挥部"
        "双向报备后开通就医绿色通道。其他就医需求拨打12345登记，医疗救治组2小时内联系。",
        NOTICE.format(5),
        "medical",
        "就医 看病 医院 透析 化疗 孕妇 产检 120 急诊 绿色通道 外地就医",
        date(2022, 1, 7),
    ),
    P(
        "封控小区里的慢性病患者买不到药怎么办？",
        "向社区网格员或12345登记药名、规格、用量和常去的医院，由定点药店或医院药房配药，网格员"
        "送药上门；需要处方的，医院可为慢性病患者开具长处方，最长12周。胰岛素等需冷藏的药品"
        "当天送达。",
        NOTICE.format(5),
        "medical",
        "买药 配药 送药 断药 慢性病 降压药 胰岛素 长处方 药店",
        date(2022, 1, 7),
    ),
    P(
        "企业复工复产需要什么条件？",
        "防范区内的企业，落实员工健康监测、每日消杀和“两点一线”闭环通勤后可有序复工，向属地"
        "县（市、区）企业服务组报备即可。封控区、管控区内的企业暂停生产；确需连续生产的"
        "（民生保障、工艺不能中断等），报指挥部企业纾困专班审批。",
        NOTICE.format(9),
        "enterprise",
        "复工 复产 开工 企业 工厂 员工上班 报备 停产",
        date(2022, 1, 12),
    ),
    P(
        "疫情期间小微企业和个体户有哪些纾困政策？",
        "承租国有房屋的小微企业和个体工商户减免3个月租金；受疫情影响暂时还款困难的，可向银行"
        "申请延期还本付息；社保费可申请缓缴。通过“企业纾困360”平台提交申请，企业服务组跟踪"
        "办理。",
        "焦作市支持市场主体纾困发展若干措施（示例）",
        "enterprise",
        "纾困 房租 减免 租金 个体户 小微企业 贷款 社保",
        date(2022, 1, 14),
    ),
    P(
        "疫情期间婚事、丧事怎么办？",
        "“喜事缓办、丧事简办、宴会不办”。已定好日期的婚宴建议延期；丧事由社区全程指导，不搞"
        "聚集性活动，参加人员严格控制。需要协助的，可由社区网格员上门帮办。",
        NOTICE.format(5),
        "policy",
        "婚宴 婚礼 结婚 丧事 白事 办酒席 聚集",
        date(2022, 1, 7),
    ),
    P(
        "棋牌室、网吧、KTV等场所能营业吗？",
        "棋牌室、网吧、KTV、浴池、健身房等密闭场所暂停营业，恢复时间另行通知。",
        NOTICE.format(2),
        "policy",
        "棋牌室 麻将馆 网吧 KTV 浴池 健身房 营业 开门",
        date(2022, 1, 4),
        date(2022, 1, 20),
    ),
    P(
        "棋牌室、网吧、KTV等场所能营业吗？",
        "防范区内的棋牌室、网吧、KTV、浴池、健身房等场所可以恢复营业，限流50%，进门测温、"
        "扫码、查验48小时内核酸阴性证明，每日消杀并登记。封控区、管控区内的仍暂停营业。",
        NOTICE.format(12),
        "policy",
        "棋牌室 麻将馆 网吧 KTV 浴池 健身房 营业 开门 恢复营业",
        date(2022, 1, 21),
    ),
    P(
        "隔离期间焦虑、睡不着，有心理援助吗？",
        "有。拨打12345转心理援助组，心理咨询师当天回电，可约定每天回访；隔离点也有驻点心理"
        "咨询师。出现轻生念头的，请立即拨打120或110，身边人不要让其独处。",
        NOTICE.format(7),
        "mental",
        "心理 焦虑 失眠 睡不着 抑郁 情绪 心理咨询 心理援助",
        date(2022, 1, 9),
    ),
)


def ensure_demo_policies() -> int:
    """Add the demo entries that are missing; return how many were added.

    An entry is known by its question and first day, so running this again adds nothing and
    leaves alone whatever the policy desk changed in an entry since.
    """
    with transaction.atomic():
        existing = set(PolicyEntry.objects.values_list("question", "valid_from"))
        categories = Category.objects.in_bulk({policy.category for policy in DEMO_POLICIES})
        missing = [
            PolicyEntry(
                question=policy.question,
                answer=policy.answer,
                source=policy.source,
                category=categories.get(policy.category),
                keywords=policy.keywords,
                valid_from=policy.valid_from,
                valid_to=policy.valid_to,
            )
            for policy in DEMO_POLICIES
            if (policy.question, policy.valid_from) not in existing
        ]
        PolicyEntry.objects.bulk_create(missing)
    return len(missing)


#: (category, title, text): the answers the groups gave most often, to adapt before sending.
DEMO_ANSWER_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "medical",
        "已联系医院安排就医",
        "您好，您反映的就医需求已收到。我们已联系【医院名称】，为您安排【日期时间】就诊，"
        "由【社区/120】负责接送，联系人【姓名】，电话【号码】。请携带身份证、医保卡和近期"
        "病历，出门全程佩戴口罩。如有变化请拨打12345。",
    ),
    (
        "medical",
        "已协调配药送药上门",
        "您好，您需要的【药品名称】已由【药店/医院】配齐，社区工作人员将于【时间】前送到"
        "【地址】，送药人【姓名】，电话【号码】。药费可医保结算，请备好医保卡。如药品用完前"
        "还需续配，可提前三天拨打12345。",
    ),
    (
        "supplies",
        "生活物资已送达",
        "您好，您反映的生活物资问题已协调解决。【街道/社区】已于【时间】将【物资清单】送到"
        "【地址】，保供电话【号码】，每天8时至20时可订购米面油、蔬菜和肉蛋奶，由志愿者配送"
        "到楼下。",
    ),
    (
        "supplies",
        "婴幼儿用品和特殊需求",
        "您好，您需要的【奶粉/尿不湿等】已由【商超名称】备货，社区将于【时间】送到【地址】。"
        "今后如有婴幼儿、孕产妇或老人的特殊需求，可直接联系社区网格员【姓名】，电话【号码】。",
    ),
    (
        "travel",
        "通行证明已办理",
        "您好，您的出行需求已核实。【县（市、区）】疫情防控指挥部已为您开具【通行证明】，"
        "有效期至【日期】，请凭证明、48小时内核酸阴性证明和绿码，按指定路线通行，途中不停留。"
        "到达后请向目的地社区报备。",
    ),
    (
        "travel",
        "暂不具备出行条件",
        "您好，您反映的出行需求已收到。按照第【】号通告，目前【地区】仍实行封控管理，暂不能"
        "外出。如为就医、奔丧等紧急情况，请联系所在社区【电话】开具证明，由专人闭环转运。"
        "管控措施调整后我们将第一时间告知您。",
    ),
    (
        "health_code",
        "健康码已转绿",
        "您好，经核实，您的健康码异常系【原因】所致。您已完成“三天两检”且结果均为阴性，"
        "健康码专班已于【时间】为您转为绿码，请刷新“焦我办”APP查看。如仍显示异常，请退出"
        "重新登录或再次拨打12345。",
    ),
    (
        "health_code",
        "需完成检测后转码",
        "您好，经核实，您的健康码为【黄码/红码】，原因为【原因】。请于【日期】前到就近采样点"
        "完成核酸检测，结果均为阴性后，健康码专班将在1个工作日内为您转码，届时无需再次申请。",
    ),
)


def ensure_demo_answer_templates() -> int:
    """Add the demo answer templates that are missing (known by category and title)."""
    with transaction.atomic():
        existing = set(AnswerTemplate.objects.values_list("category_id", "title"))
        categories = Category.objects.in_bulk({code for code, _t, _x in DEMO_ANSWER_TEMPLATES})
        missing = [
            AnswerTemplate(category=categories[code], title=title, text=text)
            for code, title, text in DEMO_ANSWER_TEMPLATES
            if code in categories and (code, title) not in existing
        ]
        AnswerTemplate.objects.bulk_create(missing)
    return len(missing)
