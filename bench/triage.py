"""Speed of the triage suggestions: inference per case, the in-line cost at registration, and
training time by number of closed cases.

    .venv/bin/python bench/triage.py [--sizes 431 20000] [--texts 1000] [--db complaints_bench_triage]
                                     [--no-db] [--json FILE]

Texts and labels come from the project's generator (cases.triage.textgen), seeded: training
sets of each size, and 1,000 other texts (another seed) to suggest for. For each size it prints

- training: seconds of cases.triage.training.fit (cutting the texts, the held-out evaluation
  and the refit on all, one BLAS thread as in the service), the held-out top-1 / top-3 per
  target, the stored size of the weights;
- load: seconds to read the weights back (numpy, no pickle) into a Predictor;
- inference: median and p95 of one Predictor.scores() call per text, in milliseconds of wall
  and of CPU time (on a shared machine the wall p95 mostly measures waiting for a core), after
  a warm-up (jieba's dictionary is built once per process: its first-use time is printed too).

Unless --no-db: on PostgreSQL (a database of its own, created and migrated if missing) with
the largest model stored, over cases registered through the intake service (`case_create`,
whose time is printed as the reference), the median and p95 of

- `triage_suggest`: the suggestion endpoint's work (the version query, the departments, the
  inference);
- `record_suggestion_after_commit`: what a registration from the form adds to the request (queueing
  the record task after the commit, on the Redis broker given by --broker);
- `triage_suggestion_record`: the task's work off the request (the same as the endpoint, plus
  reading the case and inserting the record).

The queued tasks are purged from the broker afterwards.
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary_ms(seconds):
    return {"median_ms": round(statistics.median(seconds) * 1000, 3), "p95_ms": round(percentile(seconds, 0.95) * 1000, 3)}


def text_of(case):
    return f"{case.summary}\n{case.description}\n{case.expected_resolution}"


def bench_size(size, texts):
    from cases.triage import features, predictor, training
    from cases.triage.textgen import generate_cases

    cases = generate_cases(size, seed=2026)
    started = time.perf_counter()
    result = training.fit([text_of(c) for c in cases],
                          {t: [getattr(c, t) for c in cases] for t in training.TARGETS}, seed=2026)
    fit_seconds = time.perf_counter() - started
    blob = predictor.dumps(result.arrays)
    started = time.perf_counter()
    model = predictor.Predictor.from_bytes(blob, result.parameters["targets"])
    load_seconds = time.perf_counter() - started
    features.tokenizer()
    for text in texts[:50]:  # warm-up
        model.scores(text)
    timings, cpu = [], []
    for text in texts:
        started, started_cpu = time.perf_counter(), time.process_time()
        model.scores(text)
        cpu.append(time.process_time() - started_cpu)
        timings.append(time.perf_counter() - started)
    return {
        "cases": size, "fit_seconds": round(fit_seconds, 1), "weights_bytes": len(blob),
        "features": result.parameters["features"], "load_seconds": round(load_seconds, 3),
        "metrics": result.metrics, "inference": summary_ms(timings), "inference_cpu": summary_ms(cpu),
    }, result


def bench_database(db, result, texts, registrations):
    from _setup import use_database

    use_database(db)
    import hashlib

    from django.contrib.auth.models import Group, User

    from cases.management.commands.load_cn_calendar import load_cn_years
    from cases.models import Complaint, Department
    from cases.services import case_create
    from cases.triage import predictor, selectors
    from cases.triage.models import TriageModel, TriageSuggestion
    from cases.triage.services import triage_suggestion_record
    from cases.triage.tasks import record_suggestion_after_commit
    from cases.triage.textgen import generate_cases

    load_cn_years([2025, 2026, 2027])
    for code, name in (("SALES", "销售部"), ("CS", "客服部"), ("CLAIMS", "核保理赔部")):
        Department.objects.get_or_create(code=code, defaults={"name": name})
    clerk, _ = User.objects.get_or_create(username="bench_clerk")
    clerk.groups.set([Group.objects.get_or_create(name="intake_clerk")[0]])
    blob = predictor.dumps(result.arrays)
    TriageModel.objects.create(period="bench", trigger="manual", training_size=0, metrics=result.metrics,
                               parameters={**result.parameters, "skipped": {}, "seconds": 0}, weights=blob,
                               weights_sha256=hashlib.sha256(blob).hexdigest())
    selectors.triage_suggest(texts[0])  # loads the model in this process
    suggest = []
    for text in texts:
        started = time.perf_counter()
        selectors.triage_suggest(text)
        suggest.append(time.perf_counter() - started)
    create, schedule, record = [], [], []
    for index, case in enumerate(generate_cases(registrations, seed=77)):
        started = time.perf_counter()
        complaint = case_create(actor=clerk, data={
            "channel": "hotline", "category": case.category, "dispute_type": case.dispute_type,
            "misconduct_kind": case.misconduct_kind, "summary": case.summary[:200] or "—",
            "description": case.description, "expected_resolution": case.expected_resolution,
            "customer": {"name": "测试", "phone": f"139{index:08d}"},
        })
        create.append(time.perf_counter() - started)
        chosen = {"category": case.category, "dispute_type": case.dispute_type, "department": ""}
        started = time.perf_counter()
        record_suggestion_after_commit(case=complaint, chosen=chosen)  # autocommit: queued at once
        schedule.append(time.perf_counter() - started)
        started = time.perf_counter()
        triage_suggestion_record(case_id=complaint.pk, chosen=chosen)
        record.append(time.perf_counter() - started)
    from complaints_portal.celery import app

    app.control.purge()
    TriageSuggestion.objects.all().delete()
    Complaint.objects.filter(registered_by=clerk).delete()
    TriageModel.objects.filter(period="bench").delete()
    return {"case_create": summary_ms(create), "triage_suggest": summary_ms(suggest),
            "suggestion_schedule_at_registration": summary_ms(schedule),
            "suggestion_record_task": summary_ms(record)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[431, 20000])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--db", default="complaints_bench_triage")
    parser.add_argument("--no-db", action="store_true")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaints_portal.settings.test")
    os.environ["CELERY_BROKER_URL"] = args.broker
    if args.no_db:
        os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
        import django

        django.setup()
    else:
        # The database is chosen in bench_database; settings must not be read before.
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
        import django

        django.setup()
    from cases.triage import features
    from cases.triage.textgen import generate_cases

    started = time.perf_counter()
    features.tokenizer()
    print(f"jieba dictionary, first use in the process: {time.perf_counter() - started:.2f} s")
    texts = [text_of(c) for c in generate_cases(args.texts, seed=4242)]
    report = {"sizes": []}
    result = None
    for size in args.sizes:
        figures, result = bench_size(size, texts)
        report["sizes"].append(figures)
        print(f"{size} cases: fit {figures['fit_seconds']} s, weights {figures['weights_bytes'] / 1e6:.2f} MB "
              f"({figures['features']['words']} words, {figures['features']['chars']} n-grams), load {figures['load_seconds']} s, "
              f"inference median {figures['inference']['median_ms']} ms, p95 {figures['inference']['p95_ms']} ms "
              f"(CPU time: {figures['inference_cpu']['median_ms']} / {figures['inference_cpu']['p95_ms']} ms)")
        for target, m in figures["metrics"].items():
            print(f"    {target}: held-out top-1 {m['top1']:.1%}, top-3 {m['top3']:.1%} "
                  f"({m['test']} cases; commonest value {m['baseline']:.1%})")
    if not args.no_db:
        report["database"] = bench_database(args.db, result, texts, args.registrations)
        db = report["database"]
        print(f"PostgreSQL, model of {args.sizes[-1]} cases, {args.registrations} registrations (median / p95 ms):")
        for name, label in (("case_create", "case_create (the registration itself)"),
                            ("triage_suggest", "triage_suggest (the endpoint's work)"),
                            ("suggestion_schedule_at_registration", "added to the registration request (queue the task)"),
                            ("suggestion_record_task", "the record task (off the request)")):
            print(f"    {label}: {db[name]['median_ms']} / {db[name]['p95_ms']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
