"""The phrasebook of the demo data: what people in Jiaozuo asked for in January 2022.

Each template is drawn from the seed story or from the kinds of call it lists (policy, travel,
health code and hospital access on top) and is filled with the slots below, so a million
generated requests still read like a hotline log and not like lorem ipsum.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武"
    "乔贺赖龚文"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建国志文辉力永健世广海山仁波宁贵福生龙元"
    "全胜学祥才发武新利清飞彬富顺信子杰浩宇博豪凯鹏晨昊俊峰振梅琳雪颖欣怡佳晶璐婷燕洁淑惠珍莉凤"
)

RELATIVES = (
    "父亲",
    "母亲",
    "爷爷",
    "奶奶",
    "姥爷",
    "姥姥",
    "老伴",
    "爱人",
    "岳父",
    "婆婆",
    "公公",
    "岳母",
)
CHILD_RELATIVES = ("儿子", "女儿", "孙子", "孙女", "外孙", "外孙女")
DRUGS = (
    "氯吡格雷",
    "阿司匹林肠溶片",
    "阿托伐他汀钙片",
    "胰岛素",
    "二甲双胍",
    "硝苯地平控释片",
    "左甲状腺素钠片",
    "华法林",
    "丙戊酸钠缓释片",
    "他克莫司胶囊",
    "恩替卡韦",
    "苯磺酸氨氯地平片",
    "美托洛尔缓释片",
    "利伐沙班",
    "奥氮平",
    "卡马西平",
)
DISEASES = (
    "高血压",
    "糖尿病",
    "冠心病",
    "癫痫",
    "甲减",
    "慢性乙肝",
    "肾移植术后",
    "房颤",
    "精神分裂症",
)
HOSPITALS = (
    "焦作市人民医院",
    "焦作市第二人民医院",
    "焦作市中医院",
    "焦作市妇幼保健院",
    "河南理工大学第一附属医院",
    "焦作煤业集团中央医院",
    "焦作市第五人民医院",
)
ZHENGZHOU_HOSPITALS = ("郑州大学第一附属医院", "河南省人民医院", "河南省肿瘤医院", "郑州市中心医院")
CITIES = ("郑州", "许昌", "安阳", "天津", "西安", "新乡", "洛阳", "北京", "上海", "深圳")
ROADS = (
    "人民路",
    "解放路",
    "塔南路",
    "丰收路",
    "山阳路",
    "建设路",
    "民主路",
    "迎宾路",
    "焦东路",
    "世纪路",
)
COMMUNITIES = (
    "幸福里",
    "锦祥花园",
    "东方红",
    "山阳人家",
    "丰收路家属院",
    "太行新村",
    "龙源湖花园",
    "月季新城",
    "焦煤家属院",
    "建业森林半岛",
    "人民路",
    "塔南路",
    "解放东路",
    "民主路",
    "学生路",
    "和平街",
    "建设路",
    "站前路",
    "新华街",
    "缝山",
    "百间房",
    "王褚",
    "恒大绿洲",
    "鑫苑名家",
    "电厂家属院",
)
GOODS = ("米面", "蔬菜", "食用油", "鸡蛋", "纸尿裤", "卫生巾", "降压药", "煤气", "大米", "肉")
TRUCK_GOODS = (
    "蔬菜",
    "生猪",
    "饲料",
    "钢材",
    "医用口罩",
    "化肥",
    "煤炭",
    "冷链食品",
    "药品",
    "铝锭",
)
FORMULAS = ("一段奶粉", "二段奶粉", "水解蛋白奶粉（孩子过敏）", "早产儿奶粉", "三段奶粉")
TOLLS = (
    "焦南高速口",
    "焦作东收费站",
    "修武收费站",
    "武陟收费站",
    "温县收费站",
    "沁阳收费站",
    "孟州收费站",
    "博爱收费站",
    "灵泉陂村口卡点",
    "焦作北收费站",
)
HOTELS = (
    "迎宾馆隔离点",
    "山阳宾馆隔离点",
    "丹尼斯酒店隔离点",
    "南水北调培训中心隔离点",
    "锦江之星隔离点",
)
SHOPS = ("棋牌室", "麻将馆", "网吧", "浴池", "KTV", "饭店", "理发店", "健身房")
COMPANIES = (
    "焦作市丰源机械有限公司",
    "焦作市怀川食品有限公司",
    "河南云台铝业有限公司",
    "焦作市太行纺织有限公司",
    "焦作市恒通物流有限公司",
    "武陟县鑫盛纸业有限公司",
    "温县太极农产品有限公司",
    "孟州市华兴皮革有限公司",
    "沁阳市金叶化工有限公司",
    "博爱县宏达机电有限公司",
    "修武县云台山旅游服务有限公司",
    "焦作市龙源制药有限公司",
)
WHEN = ("今天下午", "明天上午", "后天", "这周六", "下周一", "1月20号")
COMPLAINTS = ("一直是凉的", "太油太咸", "份量不够", "送得太晚", "没有热水泡面")


@dataclass(frozen=True)
class Place:
    """Where the request comes from; templates use its names."""

    county: str
    street: str
    community: str


SlotFiller = Callable[[Random, Place], str]


def person_name(rng: Random) -> str:
    given = rng.choice(GIVEN_CHARS)
    if rng.random() < 0.7:
        given += rng.choice(GIVEN_CHARS)
    return rng.choice(SURNAMES) + given


SLOTS: dict[str, SlotFiller] = {
    "relative": lambda r, p: r.choice(RELATIVES),
    "child": lambda r, p: r.choice(CHILD_RELATIVES),
    "age": lambda r, p: str(r.randint(58, 93)),
    "child_age": lambda r, p: str(r.randint(1, 12)),
    "months": lambda r, p: str(r.randint(2, 18)),
    "weeks": lambda r, p: str(r.randint(30, 40)),
    "drug": lambda r, p: r.choice(DRUGS),
    "disease": lambda r, p: r.choice(DISEASES),
    "hospital": lambda r, p: r.choice(HOSPITALS),
    "zz_hospital": lambda r, p: r.choice(ZHENGZHOU_HOSPITALS),
    "city": lambda r, p: r.choice(CITIES),
    "community": lambda r, p: p.community,
    "goods": lambda r, p: r.choice(GOODS),
    "truck_goods": lambda r, p: r.choice(TRUCK_GOODS),
    "formula": lambda r, p: r.choice(FORMULAS),
    "toll": lambda r, p: r.choice(TOLLS),
    "hotel": lambda r, p: p.county + r.choice(HOTELS),
    "shop": lambda r, p: r.choice(SHOPS),
    "company": lambda r, p: r.choice(COMPANIES),
    "when": lambda r, p: r.choice(WHEN),
    "complaint": lambda r, p: r.choice(COMPLAINTS),
    "days": lambda r, p: str(r.randint(2, 14)),
    "few": lambda r, p: r.choice(("一", "两", "三")),
    "n": lambda r, p: str(r.randint(2, 6)),
    "hours": lambda r, p: str(r.randint(3, 30)),
    "people": lambda r, p: str(r.randint(12, 260)),
    "km": lambda r, p: str(r.randint(8, 45)),
    "price": lambda r, p: str(r.randint(3, 12) * 10),
    "building": lambda r, p: str(r.randint(1, 28)),
    "unit": lambda r, p: str(r.randint(1, 4)),
    "name": lambda r, p: person_name(r),
    "county": lambda r, p: p.county,
    "street": lambda r, p: p.street,
}

_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Template:
    """One kind of call: its summary, its words, how urgent it tends to be, who handles it.

    ``urgency`` gives the chances of (critical, urgent); the rest is normal.
    ``groups`` are the codes of the groups that lead such a request, the first most often.
    ``intake`` says whether an operator can usually answer it on the line (直办).
    """

    summary: str
    text: str
    urgency: tuple[float, float] = (0.0, 0.15)
    groups: tuple[str, ...] = ()
    intake: bool = False
    #: What the handling group answered (答复); the same slots as the text.
    answers: tuple[str, ...] = ()
    slots: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        names = {
            name
            for source in (self.summary, self.text, *self.answers)
            for _, name, _, _ in _FORMATTER.parse(source)
            if name
        }
        if not self.answers:
            raise ValueError(f"no answers for {self.summary!r}")
        unknown = names - SLOTS.keys()
        if unknown:
            raise ValueError(f"unknown slots {sorted(unknown)} in {self.summary!r}")
        object.__setattr__(self, "slots", tuple(sorted(names)))

    def fill(self, rng: Random, place: Place) -> tuple[str, str, str]:
        """(summary, description, answer) with the same names in all three."""
        values = {name: SLOTS[name](rng, place) for name in self.slots}
        answer = rng.choice(self.answers).format(**values)
        return self.summary.format(**values), self.text.format(**values), answer


T = Template

#: By category code; each template is equally likely within its category.
TEMPLATES: dict[str, tuple[Template, ...]] = {
    "policy": (
        T(
            "咨询从{city}返焦的防控要求",
            "请问从{city}返焦需要提供什么证明？要不要集中隔离？我{child}{days}天后坐高铁回来。",
            intake=True,
            answers=(
                "已电话答复：从{city}返焦需持48小时内核酸阴性证明，抵焦后12小时内向社区报备，落实“三天两检”。",
            ),
        ),
        T(
            "询问小区管控等级和期限",
            "我们{community}小区昨天说发现了密接，现在算封控区还是管控区？封控要持续多久？在{street}。",
            intake=True,
            answers=(
                "已答复：{community}小区目前为管控区，实行“人不出区、错峰取物”，解除时间以指挥部通告为准，社区会提前通知。",
            ),
        ),
        T(
            "去过{city}出差是否需要报备",
            "听说{city}有中高风险地区，我上周去{city}出差了，回来需要报备吗？在哪里报备？",
            intake=True,
            answers=(
                "已答复：请通过“焦我办”APP“返焦报备”模块或向所在社区报备，并于抵焦后做一次核酸检测。",
            ),
        ),
        T(
            "咨询疫情期间丧事办理要求",
            "家里老人昨晚去世了，现在疫情期间丧事能不能办？有什么要求？我们在{county}{street}。",
            (0.0, 0.3),
            ("community",),
            intake=True,
            answers=(
                "已答复：疫情期间丧事从简，不搞聚集性活动，参加人员不超过规定人数，社区将派网格员协助办理。",
            ),
        ),
        T(
            "咨询婚宴能否如期举办",
            "想问一下婚宴能不能如期举办，定在{when}，大概{n}十个人，酒店说要等指挥部通知。",
            intake=True,
            answers=("已答复：疫情期间“喜事缓办、丧事简办、宴会不办”，建议延期举办婚宴。",),
        ),
        T(
            "大学生寒假返焦隔离政策",
            "孩子在{city}上大学，学校放寒假了，回来要隔离几天？居家还是集中？需要提前几天报备？",
            intake=True,
            answers=(
                "已答复：低风险地区返焦学生持48小时核酸阴性证明即可返家，提前3天向社区报备；来自中高风险地区的按规定集中隔离。",
            ),
        ),
        T(
            "外地货车司机入焦要求",
            "我是外地货车司机，明天要到{county}送货，进焦作需要48小时核酸吗？下高速要做什么？",
            intake=True,
            answers=(
                "已答复：货车司机需持48小时核酸阴性证明、绿码，下高速时在卡点扫码登记、测温，卸货后闭环返回。",
            ),
        ),
        T(
            "询问理发店等场所能否营业",
            "{street}这边的{shop}现在还能营业吗？我们是开店的，一直没接到通知。",
            intake=True,
            answers=("已答复：按最新通告，{shop}等密闭场所暂停营业，恢复时间另行通知。",),
        ),
        T(
            "咨询加强针接种地点",
            "想问一下加强针在哪里打？{street}卫生院说疫苗没到，{relative}{age}岁能不能打？",
            groups=("vaccination",),
            answers=("疫苗接种专班已联系{street}卫生院，疫苗已到货，已为老人预约接种时间。",),
        ),
        T(
            "询问居家隔离期间能否取快递",
            "居家隔离期间快递能不能取？小区门口放了{n}个快递没人管。",
            intake=True,
            answers=("已答复：居家隔离期间不得外出取件，快递由社区志愿者消杀后送到门口。",),
        ),
    ),
    "travel": (
        T(
            "在外地想回焦照顾住院亲人",
            "我在{city}，{relative}在{hospital}住院，想回去照顾，高速口能下吗？需要什么手续？",
            (0.0, 0.3),
            ("traffic",),
            answers=(
                "已答复并协调：持48小时核酸阴性证明和医院住院证明，可从指定高速口下站，已通知卡点放行。",
            ),
        ),
        T(
            "公交停运上班无法出行",
            "从{street}去市区上班，公交停了，单程{km}公里，有没有通勤车或者其他办法？",
            (0.0, 0.05),
            ("traffic",),
            answers=(
                "已答复：{street}至市区已开通保障通勤专线，早7点、晚6点各一班，凭工作证和绿码乘车。",
            ),
        ),
        T(
            "货车在{toll}被拦，请求放行",
            "我是货车司机，拉着一车{truck_goods}在{toll}被拦了{hours}个小时，核酸是阴性的，司机两个人在车上吃住，请帮忙协调放行。",
            (0.05, 0.6),
            ("traffic", "green-channel"),
            answers=("已与{toll}核实，两名司机核酸阴性，车辆已放行，由专人引导闭环卸货。",),
        ),
        T(
            "需出市到郑州复查",
            "{relative}要去郑州{zz_hospital}复查，约的是{when}，需要出市，请问怎么走绿色通道？",
            (0.02, 0.5),
            ("green-channel", "traffic"),
            answers=(
                "已与郑州方面双向报备，开通就医绿色通道，患者凭预约单和核酸证明通行，返程闭环管理。",
            ),
        ),
        T(
            "封控区内车辆违停被罚",
            "小区封了，车在外面路边停着，收到{n}张违停罚单，能不能撤销？",
            answers=("已协调交警部门，封控期间的违停记录予以撤销。",),
        ),
        T(
            "出租车能否跨区接送就医",
            "出租车和网约车现在能跨区运营吗？{relative}{age}岁，要去{hospital}看病，自己没车。",
            (0.0, 0.3),
            ("traffic",),
            answers=("已安排就医保障车辆，约定时间到小区门口接送老人往返医院。",),
        ),
        T(
            "返乡人员卡点通行咨询",
            "我们一家{n}口从{city}开车回{county}过年，到{toll}会不会被劝返？",
            intake=True,
            answers=(
                "已答复：低风险地区来焦人员持绿码、行程卡和48小时核酸阴性证明可正常通行，到{county}后向社区报备。",
            ),
        ),
    ),
    "health_code": (
        T(
            "健康码变黄码请求转码",
            "我的健康码突然变成黄码了，最近{days}天都没离开过焦作，做了{n}次核酸都是阴性，请帮忙转码，影响上班。",
            (0.0, 0.35),
            ("health-code",),
            answers=("经核查符合转码条件，已提交省平台转码，健康码已恢复绿码，请刷新查看。",),
        ),
        T(
            "途经{city}后健康码变红",
            "健康码显示红码，是因为{when}开车路过{city}高速服务区，已做过两次核酸都是阴性，怎么转绿？",
            (0.0, 0.4),
            ("health-code",),
            answers=("经流调核实仅途经服务区未停留，两次核酸阴性，已申请转码，健康码已转为绿码。",),
        ),
        T(
            "行程卡带星号进不了单位",
            "行程卡带星号，健康码一直弹窗，进不了单位也进不了小区，请尽快处理。",
            (0.0, 0.3),
            ("health-code",),
            answers=("已核实行程，弹窗已解除；行程卡星号不影响通行，已向单位和小区出具说明。",),
        ),
        T(
            "老人无智能手机无法出示健康码",
            "{relative}{age}岁了，没有智能手机，没法出示健康码，进不了超市和医院，怎么办？",
            (0.0, 0.1),
            ("health-code", "community"),
            intake=True,
            answers=(
                "已答复：老人可凭身份证在卡点核验，或由社区办理纸质健康证明，网格员可陪同就医购物。",
            ),
        ),
        T(
            "解除隔离后仍是黄码",
            "解除隔离{days}天了，健康码还是黄码，社区说已经上报了，一直没转过来。",
            (0.0, 0.3),
            ("health-code", "quarantine"),
            answers=("已与隔离管控专班核对解除隔离名单，补报后健康码已转绿。",),
        ),
        T(
            "核酸结果未同步到健康码",
            "前天在{street}做的核酸，结果一直没同步到健康码，显示超过48小时，坐不了车。",
            (0.0, 0.2),
            ("health-code", "testing"),
            answers=("已协调检测机构重新上传结果，核酸结果已同步到健康码。",),
        ),
    ),
    "medical": (
        T(
            "心脏支架术后缺药，请求协调配药",
            "我{relative}{age}岁，心脏支架术后需要长期服用{drug}，家里只剩{few}天的药，小区封控无法出门，请帮忙协调配药。",
            (0.02, 0.75),
            ("medical",),
            answers=("已由社区网格员到{hospital}代配{drug}，当天送药上门，求助人已收到。",),
        ),
        T(
            "尿毒症患者需外出透析",
            "{relative}尿毒症，每周三次透析，今天该去{hospital}透析了，小区封控出不去，请求安排车辆。",
            (0.45, 0.55),
            ("medical", "transfer"),
            answers=("已安排专车闭环接送，患者已按时到{hospital}完成透析，后续透析日固定接送。",),
        ),
        T(
            "急需郑州覆膜支架，请求绿色通道",
            "{relative}腹主动脉瘤，{hospital}说随时可能破裂，手术急需的覆膜支架只能从郑州送过来，郑州那边发不出来，求指挥部协调。",
            (0.85, 0.15),
            ("green-channel", "medical"),
            answers=(
                "经焦郑两地双向报备开通绿色通道，覆膜支架已专车送达{hospital}，手术顺利完成。",
            ),
        ),
        T(
            "孕{weeks}周孕妇产检/待产出行",
            "我爱人怀孕{weeks}周，预产期快到了，住在封控区，去{hospital}产检和生产怎么办？",
            (0.15, 0.6),
            ("medical", "transfer"),
            answers=(
                "已登记为重点孕产妇，{hospital}开通专用通道，临产时拨打专线由应急转运专班接送。",
            ),
        ),
        T(
            "发热需去发热门诊",
            "{relative}高烧{few}天不退，社区卫生室关门了，想去{hospital}发热门诊，怎么去？",
            (0.1, 0.6),
            ("medical", "transfer"),
            answers=("已安排负压救护车将患者送至{hospital}发热门诊就诊。",),
        ),
        T(
            "肿瘤患者按时化疗",
            "我是肿瘤病人，需要按时去{hospital}做化疗，现在出不了小区，化疗不能耽误。",
            (0.05, 0.7),
            ("medical", "green-channel"),
            answers=("已协调{hospital}预留床位，专车闭环接送，化疗按计划进行。",),
        ),
        T(
            "{disease}患者药品断供",
            "{relative}有{disease}，{drug}吃完了，附近药店关门，能不能帮忙买药送上门？",
            (0.0, 0.7),
            ("medical", "community"),
            answers=("已协调定点药店配送{drug}，网格员已送药上门。",),
        ),
        T(
            "儿童夜间急症求助",
            "孩子{child_age}岁，半夜肚子疼得厉害，打了120说要等，我们在{community}小区，求助！",
            (0.7, 0.3),
            ("medical", "transfer"),
            answers=("已调派救护车将患儿送至焦作市妇幼保健院急诊，诊断为急性肠胃炎，已治疗。",),
        ),
        T(
            "老人摔倒需就医",
            "{relative}{age}岁，在家摔倒了起不来，可能是骨折，住{community}小区{building}号楼，需要送医。",
            (0.5, 0.5),
            ("medical", "transfer"),
            answers=("已派救护车送老人到{hospital}骨科就诊，家属陪同。",),
        ),
    ),
    "supplies": (
        T(
            "封控小区生活物资短缺",
            "我们是{street}{community}小区的，封控第{days}天，家里{goods}快没了，团购也送不进来。",
            (0.0, 0.4),
            ("supplies", "community"),
            answers=("已协调保供超市对{community}小区集中配送，{goods}已送到各户门口。",),
        ),
        T(
            "婴儿奶粉将断，急需购买",
            "孩子{months}个月大，奶粉只剩{few}天的量了，平时喝的是{formula}，小区封控买不到，急！",
            (0.05, 0.9),
            ("supplies",),
            answers=("已协调母婴店调货，{formula}当天送达，已登记为婴幼儿重点保障户。",),
        ),
        T(
            "独居老人无菜可吃",
            "独居老人{age}岁，子女在外地，家里没菜了，能不能安排志愿者送点菜？住{community}小区{building}号楼。",
            (0.0, 0.6),
            ("supplies", "community"),
            answers=("已安排志愿者送去蔬菜、米面，并结对每两天上门一次。",),
        ),
        T(
            "燃气卡无法充值无法做饭",
            "小区封控，家里天然气卡没钱了，营业厅关门，没法做饭。",
            (0.0, 0.5),
            ("supplies",),
            answers=("已协调燃气公司开通线上充值，并派人上门为老人写卡。",),
        ),
        T(
            "社区团购电话打不通",
            "家里{n}口人，蔬菜、米面都快没了，社区公布的团购电话一直打不通。",
            (0.0, 0.35),
            ("supplies", "community"),
            answers=("已核实团购电话占线，社区增开两部热线，已为求助人登记配送。",),
        ),
    ),
    "quarantine": (
        T(
            "隔离点房间没有热水",
            "我们一家{n}口在{hotel}集中隔离，房间没有热水已经{few}天了，孩子洗不了澡，反映了没人管。",
            (0.0, 0.5),
            ("quarantine",),
            answers=("已督促{hotel}维修热水器，房间已恢复热水供应，并向求助人致歉。",),
        ),
        T(
            "隔离人员饮食需调整",
            "隔离点的饭菜{complaint}，家里老人有糖尿病，需要低糖饮食，能不能调整？",
            (0.0, 0.3),
            ("quarantine",),
            answers=("已协调隔离点为老人单独提供低糖餐，饭菜保温配送。",),
        ),
        T(
            "门磁误报警被要求延长隔离",
            "居家隔离第{days}天，门磁报警了但我们没出门，社区说要加天数，请核实。",
            (0.0, 0.2),
            ("quarantine", "key-persons"),
            answers=("经核查监控，门磁为误报，隔离期不予延长，已告知社区。",),
        ),
        T(
            "隔离期满未解除",
            "隔离已满{days}天，核酸都是阴性，为什么还不让解除？",
            (0.0, 0.3),
            ("quarantine",),
            answers=("已核实隔离期限和检测结果，符合条件，已办理解除隔离手续。",),
        ),
        T(
            "隔离点孩子上网课没有网络",
            "孩子在{hotel}跟我们一起隔离，要上网课，房间没有网络，能不能帮忙解决？",
            (0.0, 0.2),
            ("quarantine",),
            answers=("已协调通信公司为房间开通网络，孩子可正常上网课。",),
        ),
        T(
            "居家隔离人员垃圾无人清运",
            "我们是居家隔离户，门口的垃圾{few}天没人收了，住{community}小区{building}号楼{unit}单元。",
            (0.0, 0.3),
            ("quarantine", "community"),
            answers=("已安排专人每日定时上门收取垃圾并消杀。",),
        ),
    ),
    "testing": (
        T(
            "询问核酸采样点位置和时间",
            "{community}小区今天的核酸检测点在哪？几点开始？老人排不了长队。",
            intake=True,
            answers=(
                "已答复：{community}小区采样点设在小区广场，早8点开始，70岁以上老人走绿色通道。",
            ),
        ),
        T(
            "卧床老人申请上门采样",
            "{relative}{age}岁，卧床行动不便，能不能上门采样？住{street}{community}小区。",
            (0.0, 0.3),
            ("testing",),
            answers=("已安排采样人员上门采样，结果阴性。",),
        ),
        T(
            "核酸结果迟迟未出",
            "核酸做了{hours}个小时了还没出结果，影响上班。",
            (0.0, 0.15),
            ("testing",),
            answers=("已协调检测机构加急出结果，结果阴性，已同步到健康码。",),
        ),
        T(
            "采样点排队拥挤",
            "{street}的核酸检测点排队人太多，没有一米间隔，担心交叉感染。",
            (0.0, 0.1),
            ("testing", "inspection"),
            answers=("已督促{street}采样点增设采样台、设置一米线，并安排志愿者维持秩序。",),
        ),
    ),
    "enterprise": (
        T(
            "员工被封在厂内，原料运不进",
            "我们是{company}，{people}名员工被封在厂里，原料运不进来，订单要违约，请求协调复工复产。",
            (0.0, 0.5),
            ("enterprise",),
            answers=("已为{company}办理重点物资运输通行证，原料车辆闭环进厂，企业有序生产。",),
        ),
        T(
            "企业运输车辆办理通行证",
            "{company}运输{truck_goods}的车辆在{toll}被拦，需要办理重点物资运输通行证。",
            (0.02, 0.6),
            ("enterprise", "traffic"),
            answers=("已为{company}办理通行证，车辆已从{toll}放行。",),
        ),
        T(
            "企业申请上门集中采样",
            "{company}员工核酸检测能不能安排上门集中采样？我们有{people}人。",
            (0.0, 0.2),
            ("enterprise", "testing"),
            answers=("已安排采样队到{company}集中采样，结果均为阴性。",),
        ),
        T(
            "小微企业房租减免咨询",
            "我们是{street}的小微企业，疫情期间停业，房租能否减免？有没有纾困政策？",
            intake=True,
            groups=("enterprise",),
            answers=(
                "已答复：国有房屋对小微企业减免3个月租金，可通过“企业纾困360”平台申请，企业服务组跟踪办理。",
            ),
        ),
    ),
    "mental": (
        T(
            "独自隔离焦虑失眠",
            "独自隔离{days}天了，晚上睡不着，很焦虑，想找人聊聊。",
            (0.02, 0.3),
            ("mental-health",),
            answers=("心理援助组咨询师已电话疏导，约定每天晚上回访。",),
        ),
        T(
            "家人被转运，老人情绪低落",
            "家里人是密接被转运走了，{relative}{age}岁，情绪很差，{few}天不怎么吃饭。",
            (0.05, 0.4),
            ("mental-health", "community"),
            answers=("已安排心理咨询师和网格员上门看望，老人情绪好转，已恢复进食。",),
        ),
        T(
            "孩子网课压力大需心理辅导",
            "孩子在家上网课压力大，跟家长冲突很厉害，能不能提供心理辅导？",
            (0.0, 0.1),
            ("mental-health",),
            answers=("已安排青少年心理咨询师与孩子和家长分别通话，提供了沟通建议。",),
        ),
    ),
    "report": (
        T(
            "举报{shop}违规营业",
            "举报：{street}有一家{shop}疫情期间还在偷偷营业，晚上人很多。",
            (0.0, 0.3),
            ("inspection",),
            answers=("经督导检查组现场核查，该{shop}已责令停业整改。",),
        ),
        T(
            "举报外地返回人员未报备",
            "我们楼有人从{city}回来没报备，也没有居家隔离，天天出门。",
            (0.0, 0.5),
            ("tracing", "key-persons"),
            answers=("经流调溯源专班核查，该人员已补报备并落实居家健康监测，核酸阴性。",),
        ),
        T(
            "举报哄抬物价",
            "{street}有药店在高价卖{goods}，一盒要{price}元。",
            (0.0, 0.2),
            ("inspection",),
            answers=("经核查情况属实，已移交市场监管部门立案查处。",),
        ),
        T(
            "举报卡点夜间无人值守",
            "{community}小区门口卡点晚上没人值守，外来车辆随便进出。",
            (0.0, 0.2),
            ("inspection", "community"),
            answers=("已督促社区落实卡点24小时值守，并通报批评。",),
        ),
    ),
    "other": (
        T(
            "感谢社区工作人员",
            "感谢{street}社区的工作人员，封控期间天天给我们送菜送药，辛苦了！",
            intake=True,
            groups=("publicity",),
            answers=("已向{street}转达您的感谢，谢谢您的理解和支持。",),
        ),
        T(
            "建议核酸点设老年人通道",
            "建议核酸检测点增加老年人和抱小孩的专用通道，老人站不了太久。",
            intake=True,
            groups=("coordination",),
            answers=("建议已收悉，已转核酸检测专班，各采样点已设老幼专用通道。",),
        ),
        T(
            "反映卡点工作人员态度生硬",
            "{when}在{toll}，工作人员态度很生硬，老人不会用手机被训斥，希望改进。",
            groups=("petitions", "inspection"),
            answers=("已核实并对相关人员批评教育，卡点已增设帮办人员。",),
        ),
        T(
            "咨询志愿者报名方式",
            "想报名当志愿者，请问在哪里报名？我有驾照可以帮忙送物资。",
            intake=True,
            groups=("community",),
            answers=("已答复：可在“焦我办”APP“志愿服务”模块报名，或联系所在社区。",),
        ),
        T(
            "感谢卡点值守人员",
            "路过{toll}，看到值守的同志在寒风里站了一夜，想送点热饮，怎么联系？",
            intake=True,
            groups=("publicity",),
            answers=("已答复并转达感谢，可联系{toll}卡点负责人。",),
        ),
    ),
}

RETURN_REASONS = (
    "不属于本组职责，请改派{group}。",
    "诉求涉及{group}的工作，建议改派。",
    "求助人所在区域由{group}负责，退回重新派单。",
)
START_NOTES = (
    "已联系求助人，正在协调。",
    "已安排社区网格员上门核实。",
    "已与相关单位对接，正在办理。",
    "A岗已电话联系求助人，了解具体情况。",
)
REOPEN_REASONS = (
    "回访时求助人表示问题没有解决，要求重办。",
    "求助人反映药品没有送到。",
    "求助人反映答复不具体，要求再次核实。",
)
CLOSE_NOTES = ("回访：求助人表示满意。", "回访已完成。", "已电话回访。", "")
MERGE_NOTE = "与{number}为同一诉求，合并办理。"
DISPATCH_NOTES = (
    "请尽快联系求助人。",
    "请A岗立即处理，B岗跟进。",
    "涉及郑州方面，请做好双向报备。",
    "",
    "",
    "",
)
