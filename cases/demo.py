"""Demo organisation for `load_demo` (SPEC §9): departments, users and roles.

Idempotent: objects are looked up by their natural keys and only created when missing.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from complaints_portal.common import roles

from .models import Department, DepartmentMembership

DEMO_PASSWORD = "demo-Pass-2026"  # noqa: S105 - documented demo credential, demo data only

DEPARTMENTS = [("SALES", "销售部"), ("CS", "客服部"), ("CLAIMS", "核保理赔部")]

STAFF = [
    # username, full name, roles
    ("admin", "系统管理员", [roles.ADMINISTRATOR]),
    ("clerk", "受理员 王芳", [roles.INTAKE_CLERK]),
    ("supervisor", "监督员 李强", [roles.SUPERVISOR]),
    ("senior", "高级经理 陈静", [roles.SENIOR_MANAGER]),
]


@transaction.atomic
def ensure_demo_org():
    """Create the demo departments and users; returns {username: user}."""
    User = get_user_model()
    departments = {}
    for code, name in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(code=code, defaults={"name": name})
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
