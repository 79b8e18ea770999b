import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import Department

pytestmark = pytest.mark.django_db


def write(tmp_path, text):
    path = tmp_path / "departments.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_creates_departments_with_parents_in_any_order(tmp_path):
    path = write(tmp_path, "code,name,parent\nCLAIMS_NORTH,北区理赔,CLAIMS\nCLAIMS,核保理赔部,\nCS,客服部,\n")
    call_command("import_departments", path)
    assert Department.objects.get(code="CLAIMS_NORTH").parent.code == "CLAIMS"
    assert Department.objects.get(code="CS").parent is None


def test_reimport_updates_names_and_does_not_duplicate(tmp_path):
    call_command("import_departments", write(tmp_path, "code,name\nSALES,销售部\n"))
    call_command("import_departments", write(tmp_path, "code,name\nSALES,个险销售部\n"))
    assert Department.objects.filter(code="SALES").count() == 1
    assert Department.objects.get(code="SALES").name == "个险销售部"
    assert Department.history.filter(code="SALES").count() == 2


def test_bad_lines_are_reported_with_their_numbers_and_the_rest_imports(tmp_path, capsys):
    path = write(tmp_path, "code,name,parent\nOK1,好,\nbad code,坏,\nOK2,,\nOK3,好,NOPE\nOK1,重复,\n")
    with pytest.raises(CommandError, match="4"):
        call_command("import_departments", path)
    err = capsys.readouterr().err
    assert "line 3:" in err and "line 4:" in err and "line 5:" in err and "line 6:" in err
    assert list(Department.objects.values_list("code", flat=True)) == ["OK1"]


def test_missing_columns_and_missing_file_are_errors(tmp_path):
    with pytest.raises(CommandError, match="code,name"):
        call_command("import_departments", write(tmp_path, "id,title\n1,x\n"))
    with pytest.raises(CommandError, match="absent.csv"):
        call_command("import_departments", str(tmp_path / "absent.csv"))


def test_a_parent_cycle_is_refused(tmp_path):
    call_command("import_departments", write(tmp_path, "code,name,parent\nA,甲,\nB,乙,A\n"))
    with pytest.raises(CommandError):
        call_command("import_departments", write(tmp_path, "code,name,parent\nA,甲,B\n"))
    assert Department.objects.get(code="A").parent is None
