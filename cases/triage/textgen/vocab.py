"""Slot fillers of the complaint text generator: products, people, illnesses, amounts, dates,
and the noise of real intake (typos, colloquial phrases, sentences that say nothing)."""

# Product names are brand + core + kind, e.g. 鑫享金生年金保险: (kind, product line label, suffixes).
BRANDS = ("福禄", "鑫享", "安康", "金瑞", "康乐", "泰和", "如意", "臻爱", "守护", "传家", "长青", "福满",
          "盛世", "瑞祥", "国寿", "平安", "吉祥", "乐享", "智选", "尊御")
CORES = ("人生", "无忧", "一生", "金生", "倍护", "尊享", "满堂", "年年", "百岁", "惠民", "e家", "安心")
KINDS = {
    "critical": ("重疾险", ("重大疾病保险", "重疾险", "终身重大疾病保险", "防癌险")),
    "medical": ("医疗险", ("医疗保险", "百万医疗险", "住院医疗保险", "高端医疗险")),
    "annuity": ("年金险", ("年金保险", "年金险", "养老年金保险", "教育金保险")),
    "whole_life": ("寿险", ("终身寿险", "定期寿险", "增额终身寿险")),
    "participating": ("分红险", ("两全保险（分红型）", "分红险", "终身寿险（分红型）")),
    "universal": ("万能险", ("终身寿险（万能型）", "万能账户", "万能险")),
    "accident": ("意外险", ("意外伤害保险", "综合意外险", "交通意外险")),
}

ILLNESSES = ("甲状腺癌", "乳腺癌", "肺结节", "急性心肌梗塞", "脑梗", "原位癌", "尿毒症", "白血病", "胃癌",
             "冠心病搭桥", "帕金森", "重度烧伤", "肝癌", "脑出血")
TREATMENTS = ("住院治疗", "做了手术", "化疗了好几个疗程", "在ICU住了一周", "做了支架", "门诊治疗", "住院二十多天")
HOSPITALS = ("市人民医院", "省肿瘤医院", "县医院", "协和医院", "中心医院", "妇幼保健院", "第一附属医院",
             "私立医院")
AGENTS = ("业务员", "代理人", "销售人员", "营销员", "理财经理", "你们的业务员", "当时的业务员", "银行的理财经理",
          "客户经理")
AGENT_NAMES = ("小王", "小李", "张经理", "刘姐", "陈某", "赵主管", "孙某某", "周经理", "吴姓业务员", "黄姐")
RELATIONS = ("母亲", "父亲", "爱人", "老公", "老婆", "女儿", "儿子", "岳母", "婆婆", "奶奶")
CHANGES = ("受益人变更", "银行卡变更", "联系地址变更", "投保人变更", "减额交清", "缴费方式变更", "手机号变更",
           "补发保单")
CHANNELS_OF_CONTACT = ("打客服电话", "去柜面", "在APP上", "找业务员", "在公众号", "发邮件", "到营业厅")
PERIODS = ("半个月", "一个多月", "二十多天", "快两个月", "三个月", "十几个工作日", "一周多", "四十多天")

# Subject and possessive by voice: the customer writing, a clerk's note of a call, a relative.
VOICES = {
    "first": {"I": "我", "my": "我的", "me": "我"},
    "clerk": {"I": "客户", "my": "客户的", "me": "客户"},
    "third": {"I": "我{relation}", "my": "我{relation}的", "me": "我{relation}"},
}
VOICE_WEIGHTS = (("first", 6), ("clerk", 3), ("third", 1))
OPENERS = {
    "first": ("", "", "你好，", "您好，我要投诉，", "我想反映一个问题，", "我是你们的客户，",
              "我是老客户了，"),
    "clerk": ("客户来电反映：", "客户来电称，", "客户到柜面反映，", "客户来信称：", "监管转办：客户反映",
              "客户在线留言：", "来电人称，"),
    "third": ("我替我{relation}投诉，", "我是客户的家属，", "代我{relation}反映，", "我帮家里老人问一下，"),
}

# Colloquial phrases and sentences that carry no matter of their own.
COLLOQUIAL = ("太坑了", "这不是忽悠人吗", "气死我了", "到底管不管", "搞什么名堂", "真的无语", "简直欺负老百姓",
              "你们就是这样对待老客户的？", "说好的呢", "实在想不通", "这也太离谱了", "我是真的生气了",
              "麻烦上点心", "别再踢皮球了")
FILLERS = ("今天又跑了一趟，", "家里还有老人要照顾，实在没时间来回跑。", "我平时工作很忙。",
           "之前一直挺信任你们公司的。", "我身边好几个朋友也买了。", "说实话我也不太懂保险。",
           "电话里说不清楚，我写下来。", "希望这次能有个结果。", "前前后后打了好几次电话。",
           "我年纪大了，很多东西看不明白。", "孩子在外地上学，家里开销大。", "如果还不处理我就去找媒体。",
           "我会一直跟进这个事情。", "我已经录音了。", "天气这么热还让我来回跑。", "顺便说一下你们的停车场太难停了。")
# A clerk's recurrent wording and the customer's generic demands, shared by every matter.
GENERIC_WANTS = ("尽快处理", "给个说法", "尽快答复", "希望公司重视", "要求公司给予合理解释", "要求有专人跟进",
                 "书面答复", "赔偿损失", "道歉", "按合同办事")

# Common input slips of hurried typing (pinyin input method): (correct, typed).
TYPOS = (("理赔", "理陪"), ("赔付", "陪付"), ("业务员", "业物员"), ("已经", "以经"), ("退保", "退宝"),
         ("保单", "保担"), ("投诉", "头诉"), ("客服", "客户服"), ("手续费", "手须费"), ("账户", "帐户"),
         ("的", "得"), ("在", "再"), ("收益", "受益"), ("扣款", "口款"), ("电话", "电化"), ("重疾", "重急"),
         ("医院", "医园"), ("信息", "信心"), ("保险", "保现"), ("解释", "解析"))


def amount(rng, low=500, high=300000):
    """An amount of money as people write it: 12000元, 1.2万元, 一万二, 五千多块."""
    value = rng.randint(low, high)
    style = rng.randrange(5)
    if style == 0:
        return f"{value}元"
    if style == 1:
        return f"{value / 10000:.1f}万元" if value >= 10000 else f"{value}块"
    if style == 2:
        return f"{value:,}元"
    if style == 3:
        return f"{round(value, -3) // 1000}千多块" if value < 10000 else f"{value // 10000}万多"
    return f"人民币{value}元整"


def year_month(rng):
    """When something happened: 2023年5月, 去年3月, 前年, 两年前."""
    style = rng.randrange(4)
    if style == 0:
        return f"{rng.randint(2015, 2025)}年{rng.randint(1, 12)}月"
    if style == 1:
        return rng.choice(("去年", "前年", "今年年初")) + f"{rng.randint(1, 12)}月"
    if style == 2:
        return rng.choice(("两年前", "三年前", "五年前", "十年前", "去年年底", "今年上半年"))
    return f"{rng.randint(2015, 2025)}.{rng.randint(1, 12):02d}"


def product(rng, kinds):
    """A product name of one of `kinds` and its product line, e.g. ("鑫享金生年金保险", "年金险")."""
    kind = rng.choice(kinds)
    line, suffixes = KINDS[kind]
    return rng.choice(BRANDS) + rng.choice(CORES) + rng.choice(suffixes), line
