"""`make bench`, part 2: the driver (issue 9). Run by the bench virtual environment's python.

    python Benchmarks/bench.py --pipeline PATH --generator PATH [--data DIR] [--results FILE]

Measures whole processes, each one's wall time and peak RSS (ru_maxrss of that child, from
os.wait4), on the folder of BENCH_MAIN forms (default 1,000,000), interleaved, BENCH_ROUNDS
rounds (default 3), keeping every round and the minimum:

    cold run      `pipeline run DIR` after deleting DIR/work and DIR/out (the pipeline's own)
    nightly       `pipeline run DIR` again with nothing new; out/ hashed before and after
    ingest        `pipeline ingest DIR` after deleting DIR/work and DIR/out
    check, stats, report   each stage alone, in that order, on that database
    duckdb        Benchmarks/duckdb_simple.py DIR (the same inbox files, DuckDB's simple query)

then the scaling line: the cold run at each of BENCH_SIZES (default 100000 1000000 5000000;
the main size reuses its cold runs above; sizes above the main one run BENCH_LARGE_ROUNDS
rounds, default 1). Folders come from `pipeline-bench generate` (cached in --data/<N>/).
The units axis (issue 16): for each U of BENCH_UNITS (default 20 200), a folder of U units in
three groups, about 150 forms per unit and quarter, points published (`pipeline-bench generate
--units U`, cached in --data/units-<U>/); BENCH_ROUNDS rounds, interleaved across U, of the cold
`pipeline run` and the nightly re-run (out/ hashed before and after; the steady nightly run,
once the cold run's files are older than the 5 s in which the pipeline does not trust a file's
identity and one run has recorded them as settled, as on every later night; the re-run right
after the cold run and that first settled run are timed too), then
the estimate rows
(out/estimates.csv, work/estimates.csv) and the sizes of work/pipeline.sqlite and out/.
BENCH_ONLY=units runs the units axis alone (and merges its key, "units_axis", into an existing
--results file, keeping the forms axis's keys as they are); BENCH_ONLY=forms the forms axis alone.
A pipeline exit status other than 0, 1 or 2 aborts the benchmark with its standard error.
Prints the tables and writes everything to --results (default bench/results.json).

Note on RSS: Linux folds the memory map a child had before exec (here the driver's, copied by
fork or shared by vfork) into the child's ru_maxrss, as a maximum, not a sum: a reading above
the driver's own peak is the child's exact peak; one at `launcher_floor_mib` (measured with
/bin/true, printed with "<=") only says the child stayed below it.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OK_STATUSES = (0, 1, 2)
# The lines `pipeline run` logs as each stage ends (text log format): their arrival times split
# a cold run into its stages (the log's own timestamps have whole seconds only).
STAGE_LINE = re.compile(rb"\[Stages\] (?:(ingest|check|stats|report): |(published) the release)")
STAGES = ("ingest", "check", "stats", "report", "published")


def stage_split(marks: list[tuple[str, float]], wall: float) -> dict:
    """Seconds from the previous stage's end to this one's, then to the process's end."""
    first: dict[str, float] = {}
    for stage, t in marks:
        first.setdefault(stage, t)
    split, previous = {}, 0.0
    for stage in STAGES:
        if stage in first:
            split[stage] = round(first[stage] - previous, 3)
            previous = first[stage]
    split["exit"] = round(wall - previous, 3)
    return split


def env_ints(name: str, default: list[int]) -> list[int]:
    text = os.environ.get(name, "").replace(",", " ").strip()
    if not text:
        return default
    try:
        return [int(float(x)) for x in text.split()]
    except ValueError:
        sys.exit(f"bench: {name}={text!r}: expected whole numbers separated by spaces")


def env_int(name: str, default: int) -> int:
    values = env_ints(name, [default])
    if len(values) != 1 or values[0] < 1:
        sys.exit(f"bench: {name} must be one whole number >= 1")
    return values[0]


def mib(kib: int) -> float:
    return kib / 1024.0


class Child:
    """Runs one process to completion: wall time, peak RSS, CPU time, exit status, output files."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)

    def run(self, name: str, argv: list[str], allowed=OK_STATUSES, split=False) -> dict:
        """split: time the stage lines of a `pipeline run` as they arrive on its stderr."""
        out_path = self.log_dir / f"{name}.stdout"
        err_path = self.log_dir / f"{name}.stderr"
        marks: list[tuple[str, float]] = []
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.perf_counter()
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=subprocess.PIPE if split else err, cwd=REPO)
            reader = None
            if split:
                def pump() -> None:
                    for line in process.stderr:
                        match = STAGE_LINE.search(line)
                        if match:
                            marks.append(((match.group(1) or match.group(2)).decode(), time.perf_counter() - start))
                        err.write(line)
                reader = threading.Thread(target=pump, daemon=True)
                reader.start()
            _, wait_status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
            if reader:
                reader.join()
                process.stderr.close()
        status = os.waitstatus_to_exitcode(wait_status)
        process.returncode = status  # reaped by wait4; keep Popen from waiting again
        stdout = out_path.read_text(errors="replace")
        lines = [line for line in stdout.splitlines() if line.strip()]
        if status not in allowed:
            tail = err_path.read_text(errors="replace").splitlines()[-40:]
            print(f"\nbench: `{' '.join(argv)}` exited {status} (expected one of {allowed}); its stderr ends:", file=sys.stderr)
            for line in tail:
                print("    " + line, file=sys.stderr)
            if lines:
                print(f"  last line of stdout: {lines[-1]}", file=sys.stderr)
            print(f"  (full logs: {out_path}, {err_path})", file=sys.stderr)
            sys.exit(1)
        # A generated folder is read whole: a file wholly rejected means the generator and
        # the instrument disagree (columns), and the figures would time the wrong work.
        if lines and "wholly rejected" in lines[-1]:
            print(f"\nbench: `{' '.join(argv)}` rejected whole files: {lines[-1]}", file=sys.stderr)
            sys.exit(1)
        return {
            "seconds": round(wall, 4),
            "max_rss_mib": round(mib(usage.ru_maxrss), 1),
            "user_s": round(usage.ru_utime, 3),
            "sys_s": round(usage.ru_stime, 3),
            "status": status,
            "last_line": lines[-1] if lines else "",
            **({"stage_split_s": stage_split(marks, wall)} if split else {}),
        }


def clean(folder: Path) -> None:
    """Deletes the pipeline's own work/ and out/ of a bench folder, nothing else."""
    for name in ("work", "out"):
        path = folder / name
        if path.is_symlink():
            sys.exit(f"bench: {path} is a symbolic link; not deleting it")
        if path.exists():
            shutil.rmtree(path)


def hash_tree(folder: Path) -> dict[str, str]:
    digests = {}
    if not folder.is_dir():
        return digests
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        digests[str(path.relative_to(folder))] = h.hexdigest()
    return digests


def inbox_size(folder: Path) -> dict:
    files = sorted(p for p in (folder / "inbox").rglob("*") if p.is_file())
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def rows_of(summary: str) -> int | None:
    match = re.search(r"rows (\d+)", summary)
    return int(match.group(1)) if match else None


def command_output(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=120).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        return f"unavailable ({error})"


def machine_info(pipeline: str) -> dict:
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    swift = os.environ.get("SWIFT", "swift")
    git_commit = command_output(["git", "-C", str(REPO), "rev-parse", "HEAD"])
    dirty = command_output(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory": memory,
        "kernel": platform.release(),
        "swift": command_output([swift, "--version"]).splitlines()[0] if command_output([swift, "--version"]) else "unknown",
        "duckdb": command_output([sys.executable, "-c", "import duckdb; print(duckdb.__version__)"]),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "git_commit": git_commit,
        "git_dirty": bool(dirty),
        "pipeline_binary": pipeline,
        "pipeline_version": command_output([pipeline, "--version"]),
    }


def summarise(rounds: list[dict]) -> dict:
    return {
        "rounds": rounds,
        "min_seconds": min(r["seconds"] for r in rounds),
        "min_cpu_seconds": round(min(r["user_s"] + r["sys_s"] for r in rounds), 3),
        "min_max_rss_mib": min(r["max_rss_mib"] for r in rounds),
        "max_max_rss_mib": max(r["max_rss_mib"] for r in rounds),
    }


def lines_of(path: Path) -> int | None:
    """Lines of a file (`wc -l`), or None when it does not exist."""
    if not path.is_file():
        return None
    count = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            count += block.count(b"\n")
    return count


def tree_bytes(path: Path) -> int | None:
    if path.is_file():
        return path.stat().st_size
    if not path.is_dir():
        return None
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def units_axis(units: list[int], rounds: int, pipeline: str, generator: str, data: Path, child: "Child",
               floor_mib: float) -> dict:
    """The cold run and the nightly re-run at each number of units, interleaved."""
    folders = {}
    for u in units:
        folder = data / f"units-{u}"
        result = subprocess.run([generator, "generate", "--units", str(u), "--out", str(folder)], cwd=REPO)
        if result.returncode != 0:
            sys.exit(f"bench: generating {folder} failed (exit {result.returncode})")
        folders[u] = folder
    cold: dict[int, list[dict]] = {u: [] for u in units}
    nightly: dict[int, list[dict]] = {u: [] for u in units}
    unsettled: dict[int, list[dict]] = {u: [] for u in units}
    settling: dict[int, list[dict]] = {u: [] for u in units}
    identical: dict[int, list[bool]] = {u: [] for u in units}
    out_files: dict[int, list[int]] = {u: [] for u in units}
    print(f"\nunits axis: {', '.join(str(u) for u in units)} units, {rounds} interleaved round(s)")
    for r in range(1, rounds + 1):
        for u in units:
            folder = folders[u]
            clean(folder)
            cold[u].append(child.run(f"units-{u}-r{r}-cold-run", [pipeline, "run", str(folder)], split=True))
            before = hash_tree(folder / "out")
            # Right after the cold run its files are younger than the 5 s in which their
            # identity is not trusted, so the re-run hashes them all (timed as "unsettled");
            # the nightly run proper comes once they are older, as on the next night.
            unsettled[u].append(child.run(f"units-{u}-r{r}-unsettled-rerun", [pipeline, "run", str(folder)]))
            time.sleep(6)
            # The first run after they settle hashes once more what the run right after the
            # cold run could not yet trust, and records it; every later night trusts it.
            settling[u].append(child.run(f"units-{u}-r{r}-settling-rerun", [pipeline, "run", str(folder)]))
            nightly[u].append(child.run(f"units-{u}-r{r}-nightly-rerun", [pipeline, "run", str(folder)]))
            after = hash_tree(folder / "out")
            identical[u].append(bool(before) and before == after)
            out_files[u].append(len(before))
            print(f"  {u} units, round {r}: cold {cold[u][-1]['seconds']:.2f} s, nightly {nightly[u][-1]['seconds']:.2f} s "
                  f"(right after the cold run {unsettled[u][-1]['seconds']:.2f} s, first once settled {settling[u][-1]['seconds']:.2f} s), "
                  f"out/ byte-identical: {identical[u][-1]}", flush=True)
    print(f"\nunits axis (cold and nightly pipeline run; seconds = wall, minimum; CPU s = user + system, "
          f"minimum; peak RSS = max over rounds)")
    print(f"{'units':>6}{'forms':>10}{'rows':>10}{'cold s':>8}{'CPU s':>8}{'RSS MiB':>9}{'nightly s':>10}{'same':>6}"
          f"{'est. out':>10}{'est. work':>11}{'sqlite MiB':>12}{'out/ MiB':>10}   split of the fastest cold run")
    entries = []
    for u in units:
        folder = folders[u]
        stamp = (folder / ".bench-stamp").read_text()
        forms = int(re.search(r"^forms (\d+)$", stamp, re.M).group(1))
        rows = rows_of(cold[u][0]["last_line"])
        c, n = summarise(cold[u]), summarise(nightly[u])
        entry = {
            "units": u, "forms": forms, "rows": rows, "folder": str(folder), "inbox": inbox_size(folder),
            "cold_run": c, "nightly_rerun": n, "rerun_right_after_cold": summarise(unsettled[u]), "first_settled_rerun": summarise(settling[u]),
            "nightly_out_byte_identical": all(identical[u]), "nightly_out_byte_identical_per_round": identical[u],
            "nightly_out_files": out_files[u],
            "estimates_csv_lines": {"out": lines_of(folder / "out" / "estimates.csv"),
                                    "work": lines_of(folder / "work" / "estimates.csv")},
            "bytes": {"work/pipeline.sqlite": tree_bytes(folder / "work" / "pipeline.sqlite"),
                      "work": tree_bytes(folder / "work"), "out": tree_bytes(folder / "out")},
            "cold_last_line": cold[u][-1]["last_line"],
        }
        entries.append(entry)
        split = min(cold[u], key=lambda r: r["seconds"]).get("stage_split_s", {})
        rss = c["max_max_rss_mib"]
        rss_text = f"{rss:.0f}" if rss > floor_mib + 1 else f"<={floor_mib:.0f}"
        est = entry["estimates_csv_lines"]
        size = entry["bytes"]
        print(f"{u:>6}{forms:>10,}{rows or 0:>10,}{c['min_seconds']:>8.2f}{c['min_cpu_seconds']:>8.2f}{rss_text:>9}"
              f"{n['min_seconds']:>10.2f}{'yes' if entry['nightly_out_byte_identical'] else 'NO':>6}"
              f"{est['out'] or 0:>10,}{est['work'] or 0:>11,}{(size['work/pipeline.sqlite'] or 0) / 2**20:>12.1f}"
              f"{(size['out'] or 0) / 2**20:>10.1f}   " + " ".join(f"{k} {v:.1f}" for k, v in split.items()))
    return {"issue": 16, "rounds": rounds, "units": entries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline", required=True, help="the pipeline executable to measure")
    parser.add_argument("--generator", required=True, help="the pipeline-bench executable (folder generator)")
    parser.add_argument("--data", default=str(REPO / "bench" / "data"), help="cache of generated folders")
    parser.add_argument("--results", default=str(REPO / "bench" / "results.json"))
    args = parser.parse_args()

    only = os.environ.get("BENCH_ONLY", "").strip()
    if only not in ("", "forms", "units"):
        sys.exit(f"bench: BENCH_ONLY={only!r}: expected forms or units (or nothing: both)")
    units = env_ints("BENCH_UNITS", [20, 200])
    sizes = env_ints("BENCH_SIZES", [100_000, 1_000_000, 5_000_000])
    rounds = env_int("BENCH_ROUNDS", 3)
    large_rounds = env_int("BENCH_LARGE_ROUNDS", 1)
    if os.environ.get("BENCH_MAIN", "").strip():
        main_size = env_int("BENCH_MAIN", 1_000_000)
    elif 1_000_000 in sizes:
        main_size = 1_000_000
    else:
        main_size = max([s for s in sizes if s <= 1_000_000], default=min(sizes))
    pipeline = str(Path(args.pipeline).resolve())
    generator = str(Path(args.generator).resolve())
    data = Path(args.data).resolve()
    bench_dir = Path(args.results).resolve().parent
    child = Child(bench_dir / "logs")

    machine = machine_info(pipeline)
    floor = child.run("launcher-floor", ["/bin/true"], allowed=(0,))
    machine["launcher_floor_mib"] = floor["max_rss_mib"]
    print(f"\nmachine: {machine['nproc']} cores ({machine['cpu_model']}), {machine['memory']}, "
          f"Linux {machine['kernel']}, {machine['swift']}, DuckDB {machine['duckdb']}; "
          f"load average {machine['load_average_at_start']}")
    print(f"pipeline: {pipeline} ({machine['pipeline_version']})")

    if only == "units":
        axis = units_axis(units, rounds, pipeline, generator, data, child, floor["max_rss_mib"])
        machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        axis["machine"] = machine
        axis["settings"] = {"BENCH_UNITS": units, "BENCH_ROUNDS": rounds}
        results_path = Path(args.results)
        try:
            results = json.loads(results_path.read_text()) if results_path.exists() else {}
        except ValueError:
            sys.exit(f"bench: {results_path} is not JSON; not overwriting it")
        results["units_axis"] = axis
        results_path.parent.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nresults: {args.results} (key units_axis; every process's stdout and stderr: {child.log_dir})")
        return

    # The folders: generated once, kept while their stamp is current.
    folders = {}
    for size in sorted(set(sizes) | {main_size}):
        folder = data / str(size)
        result = subprocess.run([generator, "generate", "--forms", str(size), "--out", str(folder)], cwd=REPO)
        if result.returncode != 0:
            sys.exit(f"bench: generating {folder} failed (exit {result.returncode})")
        folders[size] = folder

    folder = folders[main_size]
    inbox = inbox_size(folder)
    duckdb_out = bench_dir / "duckdb" / f"{main_size}.csv"
    steps = ["cold_run", "nightly_rerun", "ingest", "check", "stats", "report", "duckdb_simple"]
    measured: dict[str, list[dict]] = {s: [] for s in steps}
    identical: list[bool] = []
    unchanged_files: list[int] = []
    print(f"\n{main_size:,} forms ({inbox['files']} inbox files, {inbox['bytes'] / 1e6:.1f} MB): "
          f"{rounds} interleaved round(s)")
    for r in range(1, rounds + 1):
        tag = f"{main_size}-r{r}"
        clean(folder)
        measured["cold_run"].append(child.run(f"{tag}-cold-run", [pipeline, "run", str(folder)], split=True))
        before = hash_tree(folder / "out")
        measured["nightly_rerun"].append(child.run(f"{tag}-nightly-rerun", [pipeline, "run", str(folder)]))
        after = hash_tree(folder / "out")
        identical.append(bool(before) and before == after)
        unchanged_files.append(len(before))
        clean(folder)
        for stage in ("ingest", "check", "stats", "report"):
            measured[stage].append(child.run(f"{tag}-{stage}", [pipeline, stage, str(folder)]))
        measured["duckdb_simple"].append(child.run(
            f"{tag}-duckdb", [sys.executable, str(REPO / "Benchmarks" / "duckdb_simple.py"), str(folder),
                              "--out", str(duckdb_out)], allowed=(0,)))
        line = ", ".join(f"{s} {measured[s][-1]['seconds']:.2f} s" for s in steps)
        print(f"  round {r}: {line}; nightly out/ byte-identical: {identical[-1]}", flush=True)
    summary = {s: summarise(measured[s]) for s in steps}
    for s in steps:
        summary[s]["command"] = s
    duck = summary["duckdb_simple"]["min_seconds"]
    try:
        duck_inner = [json.loads(r["last_line"])["query_seconds"] for r in measured["duckdb_simple"]]
        summary["duckdb_simple"]["min_query_seconds_in_process"] = min(duck_inner)
    except (ValueError, KeyError):
        pass
    rows = rows_of(measured["cold_run"][0]["last_line"]) or main_size

    # The scaling line: cold runs, interleaved across sizes.
    scaling_rounds = {s: (rounds if s <= main_size else large_rounds) for s in sizes}
    scaling: dict[int, list[dict]] = {s: [] for s in sizes}
    for s in sizes:
        if s == main_size:
            scaling[s] = list(measured["cold_run"])
    todo = [s for s in sizes if s != main_size]
    if todo:
        print(f"\nscaling line: cold runs at {', '.join(f'{s:,}' for s in todo)}")
    for r in range(1, max([scaling_rounds[s] for s in todo], default=0) + 1):
        for s in todo:
            if r > scaling_rounds[s]:
                continue
            clean(folders[s])
            scaling[s].append(child.run(f"{s}-r{r}-cold-run", [pipeline, "run", str(folders[s])], split=True))
            print(f"  {s:,} forms, round {r}: {scaling[s][-1]['seconds']:.2f} s", flush=True)

    # The tables.
    labels = {
        "cold_run": "pipeline run, cold (4 stages)",
        "nightly_rerun": "pipeline run, nightly (nothing new)",
        "ingest": "  ingest alone (cold database)",
        "check": "  check alone",
        "stats": "  stats alone",
        "report": "  report alone",
        "duckdb_simple": "DuckDB simple query",
    }
    print(f"\n{main_size:,} forms, {rows:,} inbox rows; seconds = wall, minimum of {rounds} round(s); "
          f"CPU s = user + system, minimum; peak RSS = max over rounds")
    print(f"{'step':<38}{'seconds':>9}{'CPU s':>8}{'responses/s':>14}{'peak RSS MiB':>14}{'x DuckDB':>10}")
    for s in steps:
        m = summary[s]
        seconds = m["min_seconds"]
        m["responses_per_second"] = round(main_size / seconds) if seconds > 0 else None
        m["ratio_to_duckdb"] = round(seconds / duck, 3) if duck > 0 else None
        rss = f"{m['max_max_rss_mib']:.0f}" if m["max_max_rss_mib"] > floor["max_rss_mib"] + 1 else f"<={floor['max_rss_mib']:.0f}"
        print(f"{labels[s]:<38}{seconds:>9.2f}{m['min_cpu_seconds']:>8.2f}{m['responses_per_second']:>14,}{rss:>14}{m['ratio_to_duckdb']:>10.2f}")
    stage_sum = sum(summary[s]["min_seconds"] for s in ("ingest", "check", "stats", "report"))
    print(f"{'  (sum of the four stages alone)':<38}{stage_sum:>9.2f}")
    fastest = min(measured["cold_run"], key=lambda r: r["seconds"])
    print("inside the fastest cold run (seconds to each stage's end line on stderr): "
          + ", ".join(f"{k} {v:.2f}" for k, v in fastest.get("stage_split_s", {}).items()))
    all_identical = all(identical)
    print(f"nightly re-run left out/ byte-identical: {'yes' if all_identical else 'NO'} "
          f"({unchanged_files[0] if unchanged_files else 0} files, every round: {identical})")
    print(f"ratio cold run / DuckDB: {summary['cold_run']['ratio_to_duckdb']:.2f} "
          f"(goal: below 1.0); the cold run's last line: {measured['cold_run'][-1]['last_line']}")

    print(f"\nscaling line (cold pipeline run)")
    print(f"{'forms':>12}{'rows':>12}{'seconds':>10}{'CPU s':>9}{'us per row':>12}{'peak RSS MiB':>14}{'rounds':>8}   split of the fastest run")
    scale_results = []
    for s in sizes:
        runs = scaling[s]
        best = min(r["seconds"] for r in runs)
        srows = rows_of(runs[0]["last_line"]) or s
        peak = max(r["max_rss_mib"] for r in runs)
        cpu = min(r["user_s"] + r["sys_s"] for r in runs)
        entry = {"forms": s, "rows": srows, "inbox": inbox_size(folders[s]), "rounds": runs,
                 "min_seconds": best, "min_cpu_seconds": round(cpu, 3), "us_per_row": round(best / srows * 1e6, 2),
                 "cpu_us_per_row": round(cpu / srows * 1e6, 2), "max_max_rss_mib": peak}
        scale_results.append(entry)
        split = min(runs, key=lambda r: r["seconds"]).get("stage_split_s", {})
        print(f"{s:>12,}{srows:>12,}{best:>10.2f}{cpu:>9.2f}{entry['us_per_row']:>12.2f}{peak:>14.0f}{len(runs):>8}   "
              + " ".join(f"{k} {v:.1f}" for k, v in split.items()))

    axis = None
    if only != "forms":
        axis = units_axis(units, rounds, pipeline, generator, data, child, floor["max_rss_mib"])
        axis["settings"] = {"BENCH_UNITS": units, "BENCH_ROUNDS": rounds}

    machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    machine["driver_max_rss_mib"] = round(mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), 1)
    results = {
        "issue": 9,
        "machine": machine,
        "main": {
            "forms": main_size,
            "rows": rows,
            "inbox": inbox,
            "folder": str(folder),
            "rounds": rounds,
            "measurements": summary,
            "nightly_out_byte_identical": all_identical,
            "nightly_out_byte_identical_per_round": identical,
            "nightly_out_files": unchanged_files,
            "ratio_cold_run_to_duckdb": summary["cold_run"]["ratio_to_duckdb"],
            "sum_of_stages_seconds": round(stage_sum, 4),
        },
        "scaling": scale_results,
        "settings": {"BENCH_SIZES": sizes, "BENCH_ROUNDS": rounds, "BENCH_LARGE_ROUNDS": large_rounds,
                     "BENCH_MAIN": main_size},
    }
    if axis is not None:
        results["units_axis"] = axis
    else:
        # BENCH_ONLY=forms keeps the units axis the file already has.
        try:
            previous = json.loads(Path(args.results).read_text()).get("units_axis")
        except (OSError, ValueError, AttributeError):
            previous = None
        if previous is not None:
            results["units_axis"] = previous
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    Path(args.results).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {args.results} (every process's stdout and stderr: {child.log_dir})")


if __name__ == "__main__":
    main()
