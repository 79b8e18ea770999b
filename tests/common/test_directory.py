"""Staff sign-in through the company directory, against a real OpenLDAP (slapd, started by the
test run): through the login page, directory groups give portal roles and department
memberships, refreshed at every sign-in; local accounts keep working; axes locks both out."""
import pytest

pytest.importorskip("django_auth_ldap", reason="python-ldap not built (libldap-dev, libsasl2-dev missing)")

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402

from cases.models import DepartmentMembership  # noqa: E402
from complaints_portal.common.directory_settings import directory_settings  # noqa: E402
from complaints_portal.common.roles import DEPARTMENT_HEAD, INTAKE_CLERK, INVESTIGATOR, SUPERVISOR  # noqa: E402
from complaints_portal.settings import base  # noqa: E402
from tests.factories import cases as f  # noqa: E402
from tests.servers import slapd  # noqa: E402

pytestmark = pytest.mark.django_db

User = get_user_model()
GROUP_ROLES = ";".join([f"{slapd.group_dn('clerks')}={INTAKE_CLERK}",
                        f"{slapd.group_dn('supervisors')}={SUPERVISOR}"])
GROUP_DEPARTMENTS = ";".join([f"{slapd.group_dn('sales-team')}=SALES:investigator",
                              f"{slapd.group_dn('sales-heads')}=SALES:head+ARCHIVE:head"])


@pytest.fixture(scope="session")
def directory_server():
    if not slapd.available():
        pytest.skip("slapd is not installed (apt-get install slapd ldap-utils; .ci/run does)")
    server = slapd.SlapdServer()
    yield server
    server.stop()


@pytest.fixture
def directory(directory_server, settings, monkeypatch, db):
    """The portal configured as LDAP_* variables would configure it, against the test server."""
    variables = {
        "LDAP_BIND_DN": slapd.BIND_DN, "LDAP_BIND_PASSWORD": slapd.BIND_PASSWORD,
        "LDAP_USER_SEARCH_BASE": f"ou=people,{slapd.SUFFIX}", "LDAP_GROUP_SEARCH_BASE": f"ou=groups,{slapd.SUFFIX}",
        "LDAP_GROUP_ROLES": GROUP_ROLES, "LDAP_GROUP_DEPARTMENTS": GROUP_DEPARTMENTS,
        "LDAP_START_TLS": "on", "LDAP_CA_FILE": str(directory_server.cert),
    }

    def configure(**overrides):
        for name, value in {**variables, **overrides}.items():
            monkeypatch.setenv(name, value)
        for name, value in directory_settings(base.env, base.env_value, directory_server.uri).items():
            setattr(settings, name, value)
        settings.AUTHENTICATION_BACKENDS = [
            "axes.backends.AxesStandaloneBackend", "complaints_portal.common.directory.DirectoryBackend",
            "django.contrib.auth.backends.ModelBackend",
        ]

    configure()
    f.DepartmentFactory(code="SALES")
    directory_server.configure = configure
    return directory_server


def sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def roles_of(username):
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def memberships_of(username):
    return {(m.department.code, m.role) for m in DepartmentMembership.objects.filter(user__username=username)}


def test_a_directory_user_signs_in_with_the_role_and_department_of_their_groups(directory, client):
    response = sign_in(client, "li", "pw-li-1")

    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="li")
    assert (user.first_name, user.last_name, user.email) == ("娜", "李", "li@example.com")
    assert not user.has_usable_password()  # the directory holds the password, not the portal
    assert roles_of("li") == {INVESTIGATOR}
    assert memberships_of("li") == {("SALES", "investigator")}
    assert client.get("/queue/department/").status_code == 200


def test_a_head_group_wins_over_a_team_group_and_an_unknown_department_is_skipped(directory, client, caplog):
    assert sign_in(client, "wang", "pw-wang-1").status_code == 302
    assert roles_of("wang") == {INVESTIGATOR, DEPARTMENT_HEAD}
    assert memberships_of("wang") == {("SALES", "head")}
    assert "department ARCHIVE, which does not exist" in caplog.text


def test_a_supervisor_group_opens_the_admin_site(directory, client):
    assert sign_in(client, "zhao", "pw-zhao-1").status_code == 302
    assert roles_of("zhao") == {SUPERVISOR}
    assert User.objects.get(username="zhao").is_staff


def test_a_wrong_directory_password_is_refused(directory, client):
    response = sign_in(client, "zhang", "not-the-password")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert not User.objects.filter(username="zhang").exists()


def test_a_local_account_still_signs_in_with_its_local_password(directory, client):
    f.clerk("local_clerk")
    assert sign_in(client, "local_clerk", f.PASSWORD).status_code == 302


def test_a_directory_account_in_no_mapped_group_is_refused(directory, client):
    assert sign_in(client, "liu", "pw-liu-1").status_code == 200
    assert "_auth_user_id" not in client.session
    assert roles_of("liu") == set()


def test_a_user_moved_to_another_group_has_the_new_role_only_at_the_next_sign_in(directory, client):
    # given li signed in once as a SALES investigator, with a Django group of its own kept by hand
    sign_in(client, "li", "pw-li-1")
    User.objects.get(username="li").groups.add(Group.objects.create(name="newsletter"))
    client.logout()

    # when the directory moves li from the sales team to the clerks
    directory.set_member("sales-team", "li", member=False)
    directory.set_member("clerks", "li", member=True)
    try:
        assert sign_in(client, "li", "pw-li-1").status_code == 302
    finally:
        directory.set_member("clerks", "li", member=False)
        directory.set_member("sales-team", "li", member=True)

    # then the investigator role and the SALES membership are gone, the clerk role is there
    assert roles_of("li") == {INTAKE_CLERK, "newsletter"}
    assert memberships_of("li") == set()
    ended = DepartmentMembership.history.filter(user__username="li", history_type="-")
    assert ended.count() == 1


def test_repeated_failures_lock_the_directory_account_out(directory, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "zhang", "wrong").status_code == 200
    assert sign_in(client, "zhang", "wrong").status_code == 429
    # even the right directory password is refused while locked
    locked = sign_in(client, "zhang", "pw-zhang-1")
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_start_tls_needs_the_trusted_certificate(directory, client):
    directory.configure(LDAP_CA_FILE="")  # the system's CAs do not know the test run's certificate
    assert sign_in(client, "zhang", "pw-zhang-1").status_code == 200
    directory.configure(LDAP_START_TLS="off")
    assert sign_in(client, "zhang", "pw-zhang-1").status_code == 302
    assert roles_of("zhang") == {INTAKE_CLERK}

