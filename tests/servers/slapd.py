"""Debian's OpenLDAP server (slapd) as a throwaway directory: a generated slapd.conf with the
mdb backend in a temporary directory, loaded with slapadd, serving ldap:// on a free loopback
port with StartTLS on a certificate made for the run.

The directory is a small company: people in ou=people, groupOfNames groups in ou=groups, and
a service account the portal binds with to search.
"""
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.processes import free_port, stop, wait_for_port

from .tls import self_signed_certificate

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SUFFIX = "dc=example,dc=com"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{SUFFIX}", "directory-admin-pw"
BIND_DN, BIND_PASSWORD = f"uid=portal,ou=services,{SUFFIX}", "portal-bind-pw"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {root}/slapd.pid
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {admin_password}
directory {root}/db
access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by * none
"""

# uid -> (display name, password, groups)
PEOPLE = {
    "zhang": ("张 伟", "pw-zhang-1", ["clerks"]),
    "li": ("李 娜", "pw-li-1", ["sales-team"]),
    "wang": ("王 芳", "pw-wang-1", ["sales-heads", "sales-team"]),
    "zhao": ("赵 强", "pw-zhao-1", ["supervisors"]),
    "liu": ("刘 洋", "pw-liu-1", ["canteen"]),
}
GROUPS = ["clerks", "sales-team", "sales-heads", "supervisors", "canteen"]


def person_dn(uid):
    return f"uid={uid},ou=people,{SUFFIX}"


def group_dn(name):
    return f"cn={name},ou=groups,{SUFFIX}"


def _ldif():
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example Life\ndc: example",
        *(f"dn: ou={ou},{SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}" for ou in ("people", "groups", "services")),
        f"dn: {BIND_DN}\nobjectClass: inetOrgPerson\nuid: portal\ncn: portal\nsn: portal\nuserPassword: {BIND_PASSWORD}",
    ]
    for uid, (name, password, _groups) in PEOPLE.items():
        family, given = name.split()
        entries.append(f"dn: {person_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\nsn: {family}\n"
                       f"givenName: {given}\nmail: {uid}@example.com\nuserPassword: {password}")
    for group in GROUPS:
        members = "".join(f"\nmember: {person_dn(uid)}" for uid, (_n, _p, groups) in PEOPLE.items() if group in groups)
        entries.append(f"dn: {group_dn(group)}\nobjectClass: groupOfNames\ncn: {group}{members}")
    return "\n\n".join(entries) + "\n"


def available():
    return Path(SLAPD).exists() and Path(SLAPADD).exists()


class SlapdServer:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="slapd-test-"))
        (self.root / "db").mkdir()
        self.cert, key = self_signed_certificate(self.root)
        self.port = free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.config = self.root / "slapd.conf"
        self.config.write_text(CONFIG.format(root=self.root, cert=self.cert, key=key, suffix=SUFFIX, admin=ADMIN_DN,
                                             admin_password=ADMIN_PASSWORD))
        (self.root / "data.ldif").write_text(_ldif())
        subprocess.run([SLAPADD, "-f", str(self.config), "-l", str(self.root / "data.ldif")], check=True,
                       capture_output=True, timeout=60)
        # -d 0: stay in the foreground (no fork), so that this object owns the process.
        with (self.root / "slapd.log").open("wb") as log:
            self.proc = subprocess.Popen([SLAPD, "-d", "0", "-f", str(self.config), "-h", f"{self.uri}/"],
                                         stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port, proc=self.proc)
        except (RuntimeError, TimeoutError) as exc:
            output = (self.root / "slapd.log").read_text(errors="replace")[-2000:]
            self.stop()
            raise RuntimeError(f"slapd did not start: {output}") from exc

    def stop(self):
        stop(self.proc)
        shutil.rmtree(self.root, ignore_errors=True)

    def admin(self):
        """A connection bound as the directory's administrator (to change the directory)."""
        import ldap

        conn = ldap.initialize(self.uri)
        conn.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        return conn

    def set_member(self, group, uid, member):
        import ldap

        conn = self.admin()
        try:
            conn.modify_s(group_dn(group), [(ldap.MOD_ADD if member else ldap.MOD_DELETE, "member",
                                            [person_dn(uid).encode()])])
        finally:
            conn.unbind_s()
