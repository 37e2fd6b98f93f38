"""How long the daily report takes to compute on large PostgreSQL databases.

    python -m bench.report --cases 1e5,1e6,1e7

Each case has its own database, created if missing, migrated and seeded; a database that
already holds the case's rows is reused as it is (seeding 10^6 takes minutes):

- ``1e5`` (``huying_bench_report_1e5``): a normal week of 35,000 requests (5,000 a day),
  then 10^5 requests in the reporting day, both with ``core.demo.seed_requests``.
- ``1e6`` (``huying_bench_report_1e6``): the same week, then 10^6 requests in the day.
- ``1e7`` (``huying_bench_report_1e7``): 10^7 requests over the 30 days that end with the
  reporting day. ``seed_requests`` writes 10^6 over the last 3 days (with their events); SQL
  then copies those rows 9 times, each copy shifted back by 3, 6, … 27 whole days (every
  timestamp column moved by the same amount, numbers re-dated, new ids); a request still
  open in the base is finished in its copies (see ``_FINISHED``), as a request weeks old
  would be. The copies have no events and no assisting groups: the trend reads help-request
  columns only. The secondary indexes are dropped during the copy and built again after it.

The reporting day is ``--day`` (default 2026-11-20), cut-off 24:00, so a reused database and
a new one describe the same day. A database that holds anything else is refused: drop it
(``dropdb -h 127.0.0.1 -U postgres <name>``) and run again. After loading, VACUUM ANALYZE.

Then, in a child process per case (Django binds to one database per process), it times
``--repeats`` runs, after one untimed warm-up, of:

- ``build``: ``reports.snapshot.build(day_period(day))``, the whole snapshot with its trend;
- each part of it on its own, called as the build calls it: ``labels``,
  ``count_breakdowns`` (which also counts the day's rate parts and group sums),
  ``comparison`` (previous day and week), ``trend`` (the 29 days before, the day itself
  taken from ``count_breakdowns``), the judgment's ``rising``, ``clusters``, ``hot_words``,
  ``key_cases``, ``group_performance``, and ``narrative``; and, outside the build,
  ``rate_parts`` (the day's rates counted alone) and ``trend_all_30_days`` (all 30 days
  counted from the requests: the 30-day trend on its own);
- with ``--generate``, ``reports.services.report_generate`` once (snapshot plus .docx and
  .xlsx, stored as a new version of the day's issue in the bench database: each run adds
  one), then the rendering of the .docx and of the .xlsx on their own.

Prints one JSON document on stdout with p50 and max in milliseconds and the load average.
The databases are left in place for the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from bench import ensure_database, percentile, print_report, setup_django

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
DEFAULT_DAY = "2026-11-20"
WEEK_REQUESTS = 35_000
#: case -> (requests in the reporting day's database, how they are made)
CASES: dict[str, dict[str, Any]] = {
    "1e5": {"day": 100_000, "week": WEEK_REQUESTS},
    "1e6": {"day": 1_000_000, "week": WEEK_REQUESTS},
    "1e7": {"base": 1_000_000, "base_days": 3, "copies": 9},
}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _local_midnight(day: date) -> datetime:
    from zoneinfo import ZoneInfo

    from django.conf import settings

    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _refuse(what: str) -> None:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    raise SystemExit(
        f"{name} holds {what}, not this benchmark's data; drop it "
        f"(dropdb -h 127.0.0.1 -U postgres {name}) and run again"
    )


def _vacuum_analyze() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return round(time.perf_counter() - started, 1)


def _prepare_day(case: dict[str, Any], day: date, seed: int) -> dict[str, Any]:
    """A normal week, then ``case['day']`` requests in the reporting day."""
    from core.demo import seed_requests
    from core.models import HelpRequest

    start = _local_midnight(day)
    end = start + timedelta(days=1)
    total = HelpRequest.objects.count()
    in_day = HelpRequest.objects.filter(received_at__gte=start, received_at__lt=end).count()
    if total == case["week"] + case["day"] and in_day == case["day"]:
        return {"reused": True}
    if total:
        _refuse(f"{total} requests ({in_day} in {day})")
    done: dict[str, Any] = {"reused": False}
    for name, count, days, now, offset in (
        ("week", case["week"], 7, start, 0),
        ("day", case["day"], 1, end, 1),
    ):
        result = seed_requests(
            count=count, days=days, now=now, seed=seed + offset, progress=True, stream=sys.stderr
        )
        done[name] = {"requests": result.requests, "seconds": round(result.seconds, 1)}
    done["vacuum_analyze_seconds"] = _vacuum_analyze()
    return done


def _prepare_trend(case: dict[str, Any], day: date, seed: int) -> dict[str, Any]:
    """10^6 requests over the last 3 days, then 9 copies of them shifted back 3k days."""
    from django.db import connection, transaction

    from core.demo import seed_requests
    from core.models import HelpRequest

    end = _local_midnight(day) + timedelta(days=1)
    base_start = end - timedelta(days=case["base_days"])
    first_start = end - timedelta(days=case["base_days"] * (case["copies"] + 1))
    full = case["base"] * (case["copies"] + 1)
    total = HelpRequest.objects.count()
    in_base = HelpRequest.objects.filter(received_at__gte=base_start, received_at__lt=end).count()
    if total == full and HelpRequest.objects.filter(received_at__gte=first_start).count() == full:
        return {"reused": True}
    done: dict[str, Any] = {"reused": False}
    if total == 0:
        result = seed_requests(
            count=case["base"],
            days=case["base_days"],
            now=end,
            seed=seed,
            progress=True,
            stream=sys.stderr,
        )
        done["base"] = {"requests": result.requests, "seconds": round(result.seconds, 1)}
    elif not (total == in_base == case["base"]):
        _refuse(f"{total} requests")

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'core_helprequest' ORDER BY ordinal_position"
        )
        columns = [(name, kind) for name, kind in cursor.fetchall() if name != "id"]
        # Indexes that back a constraint (the primary key, the unique number) stay: they
        # check the copy. The others are built once at the end, much faster than row by row.
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = "
            "'core_helprequest' AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)"
        )
        indexes = cursor.fetchall()
    targets = ", ".join(name for name, _kind in columns)
    try:
        with connection.cursor() as cursor:
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        for copy in range(1, case["copies"] + 1):
            shift = copy * case["base_days"]
            values = []
            for name, kind in columns:
                if name in _FINISHED:
                    moved = (
                        f" - make_interval(days => {shift})" if kind.startswith("timestamp") else ""
                    )
                    values.append(
                        f"CASE WHEN {_STILL_OPEN} THEN {_FINISHED[name]} ELSE {name} END{moved}"
                    )
                elif kind.startswith("timestamp"):
                    values.append(f"{name} - make_interval(days => {shift})")
                elif name == "number":
                    # YYYYMMDD-NNNN: the date moves with the request, so numbers stay unique.
                    values.append(
                        f"to_char(to_date(left(number, 8), 'YYYYMMDD') - {shift}, 'YYYYMMDD')"
                        " || substr(number, 9)"
                    )
                else:
                    values.append(name)
            with transaction.atomic(), connection.cursor() as cursor:
                # The copied foreign keys point at rows that exist (they did for the original),
                # so the per-row checks are skipped; this is a bench database.
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(
                    f"INSERT INTO core_helprequest ({targets}) SELECT {', '.join(values)} "  # noqa: S608
                    "FROM core_helprequest WHERE received_at >= %s AND received_at < %s",
                    [base_start, end],
                )
            print(f"copy {copy}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _name, definition in indexes:
                cursor.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
    done["copies"] = {"count": case["copies"], "seconds": round(time.perf_counter() - started, 1)}
    done["vacuum_analyze_seconds"] = _vacuum_analyze()
    return done


#: In the base, the requests of the last three days that are still being worked on are open.
#: A copy is 3 to 27 days older, when such requests would long be finished; left open, every
#: copy would add ~40% of its rows to the backlog (4 x 10^6 open requests). So in a copy they
#: are finished: dispatched, accepted and resolved half-way through each window (or when it
#: really happened, if it had), closed a day after, not rated.
_STILL_OPEN = "status IN ('received', 'dispatched', 'accepted', 'in_progress')"
_DISPATCHED = "COALESCE(dispatched_at, received_at + (dispatch_due_at - received_at) / 2)"
_ACCEPTED = f"COALESCE(accepted_at, GREATEST({_DISPATCHED}, received_at + (accept_due_at - received_at) / 2))"
_RESOLVED = f"GREATEST({_ACCEPTED}, received_at + (resolve_due_at - received_at) / 2)"
_FINISHED = {
    "status": "'closed'",
    "dispatched_at": _DISPATCHED,
    "accepted_at": _ACCEPTED,
    "resolved_at": _RESOLVED,
    "closed_at": f"{_RESOLVED} + interval '1 day'",
}


def _timed(call: Callable[[], Any], repeats: int) -> dict[str, Any]:
    """One untimed warm-up (caches, jieba's dictionary), then ``repeats`` timed runs."""
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    samples: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    values = sorted(s * 1000 for s in samples)
    return {
        "first_ms": round(first * 1000, 1),
        "p50_ms": round(percentile(values, 50), 1),
        "max_ms": round(values[-1], 1),
        "runs_ms": [round(s * 1000, 1) for s in samples],
    }


def _issue_history(day: date, days: int) -> dict[str, Any]:
    """Issue the reports of the ``days`` days before ``day`` that have none, oldest first.

    This is the steady state the task worker keeps: every closed day has its report, so a
    new report reads its comparison and its trend from them instead of counting them again.
    """
    from core.access import Actor
    from reports.models import DailyReport
    from reports.periods import MIDNIGHT
    from reports.services import report_generate

    started = time.perf_counter()
    issued = []
    for n in range(days, 0, -1):
        earlier = day - timedelta(days=n)
        if not DailyReport.objects.filter(day=earlier, cutoff=MIDNIGHT).exists():
            report = report_generate(earlier, actor=Actor(system=True), cutoff=MIDNIGHT)
            issued.append({"day": earlier.isoformat(), "seconds": report.build_seconds})
    return {
        "days": days,
        "newly_issued": issued,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _child(args: argparse.Namespace) -> dict[str, Any]:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.utils import translation

    from core.access import Actor
    from core.demo import ensure_demo_organisation
    from core.models import Event, HelpRequest
    from reports import figures, judgment, narrative, services, snapshot
    from reports.documents import render_docx, render_xlsx
    from reports.periods import MIDNIGHT, day_period

    day = date.fromisoformat(args.day)
    case = CASES[args.case]
    load_start = _load()
    call_command("migrate", verbosity=0, interactive=False)
    ensure_demo_organisation()
    if "base" in case:
        prepared = _prepare_trend(case, day, args.seed)
    else:
        prepared = _prepare_day(case, day, args.seed)
    if args.prepare_only:
        return {
            "case": args.case,
            "database": connection.settings_dict["NAME"],
            "prepared": prepared,
            "load_average_at_start": load_start,
        }
    period = day_period(day, MIDNIGHT)
    history = _issue_history(day, args.issued_history) if args.issued_history else None

    labels = figures.Labels.load()
    counted = figures.count_breakdowns(period, labels)
    overdue_by_group = {row["key"]: row["overdue"] for row in counted["breakdowns"]["group"]}
    known = snapshot._known_key_counts(counted)
    last = {**counted["parts"], **snapshot._flows(counted["totals"])}
    whole = snapshot.build(period)
    parts: dict[str, Callable[[], Any]] = {
        "labels": figures.Labels.load,
        "count_breakdowns": lambda: figures.count_breakdowns(period, labels),
        "rate_parts": lambda: figures.rate_parts(period),
        "comparison": lambda: snapshot.comparison(period),
        # As the build calls it: the report's own day is already counted.
        "trend": lambda: snapshot.trend(day, MIDNIGHT, last=last),
        "trend_all_30_days": lambda: snapshot.trend(day, MIDNIGHT),
        "rising": lambda: judgment.rising(period, counted["breakdowns"]),
        "clusters": lambda: judgment.clusters(period, labels),
        "hot_words": lambda: judgment.hot_words(period, counted["totals"]["received"]),
        "key_cases": lambda: judgment.key_cases(period, labels, known),
        "group_performance": lambda: judgment.group_performance(
            period, labels, overdue_by_group, counted.get("groups")
        ),
        "narrative": lambda: narrative.write(whole),
    }
    measured: dict[str, Any] = {"load_average_before": _load()}
    with translation.override("zh-hans"):
        measured["build"] = _timed(lambda: snapshot.build(period), args.repeats)
        measured["parts"] = {name: _timed(call, args.repeats) for name, call in parts.items()}
    if args.generate:
        started = time.perf_counter()
        issued = services.report_generate(
            day, actor=Actor(system=True), cutoff=MIDNIGHT, reason="benchmark run"
        )
        measured["report_generate"] = {
            "seconds": round(time.perf_counter() - started, 2),
            "build_seconds_recorded": issued.build_seconds,
            "docx_bytes": len(issued.docx or b""),
            "xlsx_bytes": len(issued.xlsx or b""),
        }
        measured["documents"] = {
            "docx": _timed(lambda: render_docx(issued), args.repeats),
            "xlsx": _timed(lambda: render_xlsx(issued), args.repeats),
        }
    measured["load_average_after"] = _load()
    by_day = HelpRequest.objects.filter(
        received_at__gte=period.start - timedelta(days=29), received_at__lt=period.end
    ).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size_bytes = cursor.fetchone()[0]
    return {
        "case": args.case,
        "database": connection.settings_dict["NAME"],
        "day": day.isoformat(),
        "issued_history": history,
        "requests": HelpRequest.objects.count(),
        "requests_in_day": whole["totals"]["received"],
        "requests_in_trend_30_days": by_day,
        "events": Event.objects.aggregate(n=Count("id"))["n"],
        "database_gb": round(size_bytes / 1e9, 2),
        "load_average_at_start": load_start,
        "prepared": prepared,
        "totals": whole["totals"],
        **measured,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--cases",
        default="1e5,1e6,1e7",
        help=f"comma-separated cases out of {', '.join(CASES)} (default all)",
    )
    parser.add_argument(
        "--server",
        default=DEFAULT_SERVER,
        help=f"PostgreSQL server URL without a database (default {DEFAULT_SERVER})",
    )
    parser.add_argument(
        "--db-prefix",
        default="huying_bench_report",
        help="database name prefix; the case is appended (default huying_bench_report)",
    )
    parser.add_argument(
        "--day",
        default=DEFAULT_DAY,
        help=f"the reporting day, cut-off 24:00 (default {DEFAULT_DAY})",
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed runs of each part (default 5)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed for seeding (default 1)")
    parser.add_argument(
        "--generate",
        action="store_true",
        help="also time report_generate once (stores a new version of the day's issue)",
    )
    parser.add_argument(
        "--issued-history",
        type=int,
        default=0,
        metavar="N",
        help="first issue the reports of the N days before the day, as the task "
        "worker would have (the steady state; default 0: none)",
    )
    parser.add_argument(
        "--prepare-only", action="store_true", help="create and seed the databases, measure nothing"
    )
    parser.add_argument("--output", default="", help="also write the JSON to this file")
    parser.add_argument("--case", default="", help=argparse.SUPPRESS)  # child only
    args = parser.parse_args()

    if args.case:
        print(json.dumps(_child(args), ensure_ascii=False))
        return
    if not args.server.startswith("postgresql://") or "@127.0.0.1" not in args.server:
        parser.error("--server must be a postgresql:// URL on 127.0.0.1")
    cases = [part.strip() for part in args.cases.split(",") if part.strip()]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    report: dict[str, Any] = {
        "benchmark": "report",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "repeats": args.repeats,
        "day": args.day,
        "cases": [],
    }
    for case in cases:
        url = f"{args.server}/{args.db_prefix}_{case}"
        ensure_database(url)
        env = {
            **os.environ,
            "HUYING_DATABASE_URL": url,
            "HUYING_DATA_DIR": os.environ.get("HUYING_DATA_DIR", "/tmp/hy-bench"),  # noqa: S108
        }
        command = [
            sys.executable,
            "-m",
            "bench.report",
            "--case",
            case,
            "--day",
            args.day,
            "--repeats",
            str(args.repeats),
            "--seed",
            str(args.seed),
            *(["--generate"] if args.generate else []),
            *(["--prepare-only"] if args.prepare_only else []),
            "--issued-history",
            str(args.issued_history),
        ]
        print(f"== case {case} in {url}", file=sys.stderr)
        done = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            command,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            report["cases"].append({"case": case, "error": f"exit {done.returncode}"})
            continue
        report["cases"].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print_report(report, args.output)


if __name__ == "__main__":
    main()
