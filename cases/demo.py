"""Demo organisation for `load_demo` (SPEC §9): departments, users and roles, created when missing."""
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from complaints_portal.common import roles

from .models import Department, DepartmentMembership, RoutingRule
from .triage.textgen import generate_text

DEMO_PASSWORD = "demo-Pass-2026"  # noqa: S105 - documented demo credential, demo data only

DEPARTMENTS = [("SALES", "销售部"), ("CS", "客服部"), ("CLAIMS", "核保理赔部")]
DEMO_TEXT_SEED = 2026

# The source of a year the demo covers without a State Council notice (see ensure_demo_calendar).
PROVISIONAL_SOURCE = "demo: Monday-Friday, no notice loaded"

STAFF = [
    # username, full name, roles
    ("admin", "系统管理员", [roles.ADMINISTRATOR]),
    ("clerk", "受理员 王芳", [roles.INTAKE_CLERK]),
    ("supervisor", "监督员 李强", [roles.SUPERVISOR]),
    ("senior", "高级经理 陈静", [roles.SENIOR_MANAGER]),
]


DEMO_ROUTING = [({"category": "service"}, "CS"), ({"category": "product", "dispute_type": "claims"}, "CLAIMS"),
                ({"category": "product", "dispute_type": "sales"}, "SALES")]


@transaction.atomic
def ensure_demo_org():
    """Create the demo departments and users; returns {username: user}."""
    User = get_user_model()
    departments = {}
    for code, name in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(code=code, defaults={"name": name})
    for conditions, code in DEMO_ROUTING:
        RoutingRule.objects.get_or_create(**conditions, defaults={"department": departments[code]})
    users = {}

    def ensure_user(username, full_name, role_names, staff=False, superuser=False):
        user = User.objects.filter(username=username).first()
        if user is None:
            last, _, first = full_name.partition(" ")
            user = User(username=username, first_name=first or full_name, last_name=last if first else "",
                        email=f"{username}@example.com", is_staff=staff, is_superuser=superuser)
            user.set_password(DEMO_PASSWORD)
            user.save()
        for role in role_names:
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
        return user

    for username, full_name, role_names in STAFF:
        is_admin = roles.ADMINISTRATOR in role_names
        ensure_user(username, full_name, role_names, staff=is_admin or roles.SUPERVISOR in role_names, superuser=is_admin)
    for code, name in DEPARTMENTS:
        lower = code.lower()
        inv = ensure_user(f"inv_{lower}", f"{name}调查员", [roles.INVESTIGATOR])
        head = ensure_user(f"head_{lower}", f"{name}负责人", [roles.DEPARTMENT_HEAD])
        DepartmentMembership.objects.get_or_create(
            user=inv, department=departments[code], defaults={"role": DepartmentMembership.Role.INVESTIGATOR}
        )
        DepartmentMembership.objects.get_or_create(
            user=head, department=departments[code], defaults={"role": DepartmentMembership.Role.HEAD}
        )
    return departments, users


# --- sample cases ------------------------------------------------------------------------

SAMPLES = [
    # (summary, channel, category, dispute type, department, path of actions, days ago received)
    ("重疾险疾病定义理解分歧，理赔被拒", "hotline", "product", "claims", None, [], 0),
    ("保单回执未收到，要求补寄", "online", "service", "policy_service", None, ["acknowledge"], 1),
    ("代理人夸大分红收益，要求退保退费", "regulator", "misconduct", "sales", "SALES", ["acknowledge", "assign"], 2),
    ("理赔等待时间过长，客服解释不到位", "hotline", "service", "claims", "CLAIMS", ["acknowledge", "assign", "form_team"], 3),
    ("个人信息被泄露给第三方机构", "letter", "misconduct", "info_security", "CS", ["acknowledge", "assign", "form_team", "submit_report"], 4),
    ("犹豫期内退保被收取手续费", "visit", "product", "surrender", "SALES",
     ["acknowledge", "assign", "form_team", "submit_report", "propose_plan"], 5),
    ("续期扣款重复，要求退还", "hotline", "service", "renewal", "CS",
     ["acknowledge", "assign", "form_team", "submit_report", "propose_plan", "approve_plan"], 6),
    ("核保结论告知不清", "online", "service", "underwriting", "CLAIMS",
     ["acknowledge", "assign", "form_team", "submit_report", "propose_plan", "approve_plan", "notify_decision"], 8),
    ("销售人员未告知免责条款", "media", "misconduct", "sales", "SALES",
     ["acknowledge", "assign", "form_team", "submit_report", "propose_plan", "approve_plan", "notify_decision",
      "customer_accepts"], 12),
    ("客服热线长时间无人接听", "hotline", "service", "service", "CS",
     ["acknowledge", "assign", "form_team", "submit_report", "propose_plan", "approve_plan", "notify_decision",
      "close"], 14),
    ("保全变更办理缓慢", "letter", "service", "policy_service", "CS",
     ["acknowledge", "assign", "form_team", "submit_report", "propose_plan", "approve_plan", "notify_decision",
      "customer_accepts", "archive"], 20),
    ("理赔金额计算有误，客户不认可处理结果", "regulator", "product", "claims", "CLAIMS",
     ["acknowledge", "assign", "form_team", "submit_report", "propose_plan", "approve_plan", "notify_decision",
      "customer_disputes"], 16),
    ("客户撤回投诉：已自行与代理人协商", "hotline", "service", "sales", "SALES", ["acknowledge", "assign", "withdraw"], 9),
    ("满期金领取流程咨询（意见建议）", "online", "service", "other", "CS", ["acknowledge", "assign", "form_team"], 1),
    ("复杂理赔案件需外部鉴定", "visit", "product", "claims", "CLAIMS", ["acknowledge", "assign", "form_team", "extend", "pause"], 7),
    ("投诉处理超期未反馈", "hotline", "service", "claims", "CLAIMS", ["acknowledge", "assign"], 25),
    # A group complaint marked major: its emergency report falls due (SPEC §12).
    ("多名客户集体到访：分红险实际收益远低于销售演示", "visit", "product", "sales", "SALES",
     ["acknowledge", "assign", "set_group", "mark_major"], 0),
]

ACTION_DATA = {
    "acknowledge": {"method": "phone", "note": "已致电客户确认投诉内容，告知处理流程和预计时间。"},
    "submit_report": {"facts": "经调阅业务档案及通话录音，情况属实。", "at_fault": True, "recommendation": "向客户致歉并按合同约定处理。",
                      "root_cause": "communication", "responsible_staff": "相关业务人员"},
    "propose_plan": {"plan": "向客户书面致歉，按合同约定退还相关费用。", "redress_amount": "1200.00"},
    "notify_decision": {"method": "phone", "decision": "经调查，公司将按合同约定退还相关费用并致歉。"},
    "customer_disputes": {"reason": "客户认为退还金额不足。"},
    "close": {"reason": "已按方案履行完毕，客户未表示接受。"},
    "withdraw": {"reason": "客户来电表示已协商解决，申请撤回。"},
    "extend": {"tier": "complex", "reason": "需调取外部医疗记录并组织鉴定。"},
    "pause": {"kind": "appraisal", "proof": "已短信告知客户鉴定期间不计入处理时限。"},
    "set_group": {"complainant_count": 26, "representatives": [{"name": "赵建国", "phone": "13800138001"},
                                                               {"name": "钱丽华", "phone": "13800138002"}]},
    "mark_major": {"reason": "in_person", "note": "26名客户到分公司柜面集体投诉。"},
}


def _actor_for(action, department, users):
    code = (department or "").lower()
    if action in ("acknowledge", "assign", "customer_accepts", "customer_disputes", "close", "withdraw", "notify_decision",
                  "set_group", "mark_major"):
        return users["clerk"]
    if action in ("form_team", "approve_plan", "extend"):
        return users[f"head_{code}"]
    if action == "archive":
        return users["supervisor"]
    return users[f"inv_{code}"]


def ensure_demo_calendar(today=None):
    """Cover the years after the last notice chinesecalendar knows, up to the year after
    ``today``, with the Monday–Friday week under PROVISIONAL_SOURCE, so the demo runs late in a
    year (the portal itself never guesses a year: SPEC §4 rule 8); returns the years covered."""
    from django.utils import timezone

    from .management.commands.load_cn_calendar import cn_years
    from .models import CalendarYear

    today = today or timezone.localdate()
    covered = set(CalendarYear.objects.values_list("year", flat=True))
    years = [y for y in range(max(cn_years()) + 1, today.year + 2) if y not in covered]
    for year in years:
        CalendarYear.objects.create(year=year, source=PROVISIONAL_SOURCE)
    return years


def ensure_demo_cases(departments, users):
    """Sample cases in every state, created through the services (so history, deadlines and
    the timeline are real). Skipped when any portal case exists, so a second run changes nothing."""
    import datetime

    from django.utils import timezone

    from .models import Complaint
    from .services import case_create, case_transition

    if Complaint.objects.filter(is_legacy=False).exists():
        return 0
    now = timezone.now()
    created = 0
    rng = random.Random(DEMO_TEXT_SEED)
    for index, (summary, channel, category, dispute, department, path, days_ago) in enumerate(SAMPLES):
        received = now - datetime.timedelta(days=days_ago, hours=index % 5)
        phone = f"1380000{index:04d}"
        # What happened and what the customer wants in a customer's words, written for the
        # sample's category, dispute type and department (cases.triage.textgen).
        text = generate_text(rng, category=category, dispute_type=dispute, department=department, label_noise=0)
        data = {
            "channel": channel, "category": category, "dispute_type": dispute, "summary": summary,
            "description": text.description or summary + "。客户要求公司尽快给予答复。",
            "expected_resolution": text.expected_resolution or "尽快解决并给予合理补偿。",
            "customer": {"name": f"客户{index + 1:02d}", "phone": phone, "policy_number": f"P2026{index:06d}"},
            "received_at": received,
            "complaint_type": "feedback" if "意见建议" in summary else "complaint",
        }
        if category == "misconduct":
            data["misconduct_kind"] = "info_leak" if dispute == "info_security" else "mis_selling"
        if channel == "regulator":
            data["regulator_reference"] = f"JG-2026-{index:04d}"
        case = case_create(actor=users["clerk"], data=data, at=received)
        step = received
        for action in path:
            step = min(step + datetime.timedelta(hours=20), now)
            payload = dict(ACTION_DATA.get(action, {}))
            if action == "assign":
                payload["department"] = department
            elif action == "form_team":
                code = department.lower()
                payload = {"lead": f"inv_{code}", "members": [f"inv_{code}"], "recusal_attested_by": [f"inv_{code}"]}
            case = case_transition(actor=_actor_for(action, department, users), reference=case.reference,
                                   action=action, data=payload, at=step)
        created += 1
    return created
