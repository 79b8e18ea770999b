"""Import departments from CSV: `code,name` with an optional `parent` code (SPEC §9)."""
import csv
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Department

CODE = re.compile(r"^[A-Z0-9_]{1,20}$")


def import_department_rows(lines):
    """Create or update departments, each row in its own transaction (rows whose parent comes later
    are retried after the first pass); returns (counts, errors [(line, message)])."""
    reader = csv.DictReader(lines)
    missing = {"code", "name"} - set(reader.fieldnames or [])
    if missing:
        raise CommandError(_("The CSV header must be code,name[,parent] (missing: %(cols)s).")
                           % {"cols": ", ".join(sorted(missing))})
    rows, errors, seen = [], [], {}
    for row in reader:
        line = reader.line_num
        code = (row.get("code") or "").strip().upper()
        name = (row.get("name") or "").strip()
        parent = (row.get("parent") or "").strip().upper()
        if not CODE.match(code):
            errors.append((line, _("invalid code %(value)r (letters, digits, underscore; at most 20)") % {"value": code}))
        elif not name or len(name) > 100:
            errors.append((line, _("name is empty or longer than 100 characters")))
        elif code in seen:
            errors.append((line, _("code %(code)s appears again (first on line %(first)d)") % {"code": code, "first": seen[code]}))
        elif parent == code:
            errors.append((line, _("a department cannot be its own parent")))
        else:
            seen[code] = line
            rows.append((line, code, name, parent))
    counts = {"created": 0, "updated": 0, "same": 0}
    pending = rows
    while pending:
        waiting = []
        for line, code, name, parent_code in pending:
            parent = None
            if parent_code:
                parent = Department.objects.filter(code=parent_code).first()
                if parent is None:
                    waiting.append((line, code, name, parent_code))
                    continue
            with transaction.atomic():
                department = Department.objects.filter(code=code).first()
                if department is None:
                    Department.objects.create(code=code, name=name, parent=parent)
                    counts["created"] += 1
                elif (department.name, department.parent_id) != (name, parent.pk if parent else None):
                    if parent and _is_descendant(parent, department):
                        errors.append((line, _("parent %(parent)s would create a cycle") % {"parent": parent_code}))
                        continue
                    department.name, department.parent = name, parent
                    department.save()
                    counts["updated"] += 1
                else:
                    counts["same"] += 1
        if len(waiting) == len(pending):
            errors.extend((line, _("unknown parent department %(code)s") % {"code": parent_code})
                          for line, _code, _name, parent_code in waiting)
            break
        pending = waiting
    errors.sort()
    return counts, errors


def _is_descendant(candidate, department):
    node = candidate
    while node is not None:
        if node.pk == department.pk:
            return True
        node = node.parent
    return False


class Command(BaseCommand):
    help = "Import departments from a CSV file with columns code,name and optional parent (a code). Re-import updates."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8, header code,name[,parent])")

    def handle(self, *args, **options):
        try:
            with open(options["file"], encoding="utf-8-sig", newline="") as handle:
                counts, errors = import_department_rows(handle)
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": options["file"], "error": exc.strerror}) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(_("%(file)s is not UTF-8 text.") % {"file": options["file"]}) from exc
        for line, message in errors:
            self.stderr.write(_("line %(line)d: %(message)s") % {"line": line, "message": message})
        self.stdout.write(_("%(created)d created, %(updated)d updated, %(same)d unchanged, %(failed)d failed")
                          % {**counts, "failed": len(errors)})
        if errors:
            raise CommandError(_("%(n)d line(s) were not imported.") % {"n": len(errors)})
