"""Holiday and make-up workday names as users say them ("国庆节", not "National Day"): the
calendar loader stored chinesecalendar's English names. Each renamed day gets its history entry
("~", with the reason), as every write to an audited model does."""
from django.db import migrations
from django.utils import timezone

NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def rename(apps, schema_editor, reverse=False):
    day_model = apps.get_model("cases", "CalendarDay")
    try:
        history = apps.get_model("cases", "HistoricalCalendarDay")
    except LookupError:
        history = None
    for old, new in NAMES.items():
        if reverse:
            old, new = new, old
        for day in day_model.objects.filter(name=old):
            day.name = new
            day.save(update_fields=["name"])
            if history is not None:
                values = {f.attname: getattr(day, f.attname) for f in day_model._meta.concrete_fields}
                history.objects.create(**values, history_date=timezone.now(), history_type="~",
                                       history_change_reason="Holiday name as users say it")


def backwards(apps, schema_editor):
    rename(apps, schema_editor, reverse=True)


class Migration(migrations.Migration):
    dependencies = [("cases", "0025_verbose_names_created_updated")]
    operations = [migrations.RunPython(rename, backwards)]
