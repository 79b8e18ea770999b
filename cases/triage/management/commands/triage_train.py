from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from complaints_portal.common.errors import ApplicationError

from ...services import triage_model_train


class Command(BaseCommand):
    help = (
        "Train the triage suggestions (category, dispute type, responsible department) on the closed cases, "
        "evaluate them on a held-out 20% (stratified, seeded) and store them as a new model version, used "
        "by the intake form from then on. Refused, with a non-zero exit, with fewer closed cases than "
        "--min-cases."
    )

    def add_arguments(self, parser):
        parser.add_argument("--min-cases", type=int, default=settings.TRIAGE_MIN_CASES,
                            help=f"refuse to train on fewer closed cases (default {settings.TRIAGE_MIN_CASES})")

    def handle(self, *args, min_cases, **options):
        if min_cases < 1:
            raise CommandError("--min-cases must be at least 1.")
        try:
            model = triage_model_train(min_cases=min_cases)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Model v{model.version}: {model.training_size} closed cases, "
            f"{model.parameters['seconds']} s, held-out accuracy:"
        )
        for target, m in model.metrics.items():
            self.stdout.write(
                f"  {target}: top-1 {m['top1']:.1%}, top-3 {m['top3']:.1%} "
                f"({m['test']} held-out cases, {m['classes']} values; always the commonest value: {m['baseline']:.1%})"
            )
        for target, reason in model.parameters.get("skipped", {}).items():
            self.stdout.write(self.style.WARNING(f"  {target}: not trained ({reason})"))
        self.stdout.write(self.style.SUCCESS(f"Model v{model.version} is in use."))
