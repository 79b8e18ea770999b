from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand

from assessment.kpi.demo import ensure_demo_history
from assessment.kpi.periods import local_today
from assessment.supervision.reports import monthly_report_generate, previous_month
from cases.demo import DEMO_PASSWORD, ensure_demo_calendar, ensure_demo_cases, ensure_demo_org


class Command(BaseCommand):
    help = (
        "Load the demo organisation: departments SALES, CS, CLAIMS; users admin, clerk, supervisor, "
        "senior, inv_<code>, head_<code>; the calendar (up to next year: a year without a State Council notice "
        "in chinesecalendar with the Monday-Friday week); sample cases in every state; eight quarters of "
        "history (legacy cases, policy volumes, targets, follow-up visits); last month's department reports "
        "(as the beat job stores them on a month's first working day). Running it again changes nothing."
    )

    def handle(self, *args, **options):
        departments, users = ensure_demo_org()
        calendar_report = StringIO()
        call_command("load_cn_calendar", verbosity=0, stdout=calendar_report)  # every year chinesecalendar covers
        provisional = ensure_demo_calendar()
        if provisional:
            self.stdout.write(self.style.WARNING(
                f"Calendar: no State Council notice for {', '.join(map(str, provisional))} in chinesecalendar; "
                "the demo covers it with the Monday-Friday week (import the notice with import_calendar)."
            ))
        cases = ensure_demo_cases(departments, users)
        history = ensure_demo_history()
        monthly_report_generate(previous_month(local_today()), only_missing=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(departments)} departments, {len(users)} users (password {DEMO_PASSWORD}), "
                f"{cases} sample cases and {history} historical cases created."
            )
        )
