#!/usr/bin/env python3
"""Replication benchmark: `swiftstream replicate` vs `litestream replicate` (v0.3.13) on the same workload.

For each tool (alternating, --rounds times): a fresh database (~16 MB of blobs) and an empty file
replica; the daemon is started with `<bin> replicate -config <dir>/litestream.yml` and given time
to write its first snapshot; then a writer app commits 20k small transactions (plus a 1 MiB blob
every 2000th), paced at 1000 tx/s (--rate 0: as fast as it can), the replica is polled until a
restore from it contains the last commit (replication lag), and the daemon is left idle for 20 s.
Measured: daemon CPU (utime+stime from /proc/<pid>/stat per phase, total from os.wait4), peak RSS
(VmHWM / ru_maxrss), writer throughput (transactions / time spent inside BEGIN..COMMIT, so pacing
sleeps do not count) and commit latency, lag, idle CPU. Finally the daemon gets SIGTERM and the replica is restored with the
reference Litestream binary and compared with the source database.

See Benchmarks/README.md. Exit status: 0 all targets met, 1 a target missed, 2 an error.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402


class Payloads:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        words = ["".join(self.rng.choices("abcdefghijklmnopqrstuvwxyz", k=self.rng.randint(2, 10)))
                 for _ in range(3000)]
        self.corpus = " ".join(self.rng.choices(words, k=400_000)).encode()

    def text(self, size: int) -> str:
        off = self.rng.randrange(0, len(self.corpus) - size)
        return self.corpus[off: off + size].decode()

    def blob(self, size: int) -> bytes:
        nrand = size * 2 // 5
        off = self.rng.randrange(0, len(self.corpus) - (size - nrand))
        return self.rng.randbytes(nrand) + self.corpus[off: off + size - nrand]


def create_db(db: Path, initial_mb: int, pay: Payloads) -> None:
    con = sqlite3.connect(str(db), isolation_level=None)
    con.execute("PRAGMA page_size=4096")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ts REAL NOT NULL, k INTEGER NOT NULL, v TEXT NOT NULL)")
    con.execute("CREATE INDEX t_k ON t (k)")
    con.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    con.execute("BEGIN")
    for _ in range(max(0, initial_mb * (1 << 20) // 3900)):
        con.execute("INSERT INTO blobs (data) VALUES (?)", (pay.blob(3900),))
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def replica_state(replica: Path) -> tuple[frozenset, float]:
    """(set of (name, size) of all objects, newest mtime)."""
    items, newest = [], 0.0
    gdir = replica / "generations"
    for root, _dirs, files in os.walk(gdir):
        for f in files:
            if f.endswith(".lz4"):
                try:
                    st = os.stat(os.path.join(root, f))
                except FileNotFoundError:
                    continue
                items.append((root + "/" + f, st.st_size))
                newest = max(newest, st.st_mtime)
    return frozenset(items), newest


def restore_max_id(litestream: Path, replica: Path, tmpdir: Path) -> int | None:
    out = tmpdir / "lag.db"
    for f in tmpdir.glob("lag.db*"):
        C.rm_rf(f)
    m = C.run_measured([str(litestream), "restore", "-o", str(out), f"file://{replica}"], timeout=300)
    try:
        if m.returncode != 0 or not out.exists():
            return None
        con = C.open_immutable(out)
        try:
            return con.execute("SELECT max(id) FROM t").fetchone()[0] or 0
        finally:
            con.close()
    finally:
        for f in tmpdir.glob("lag.db*"):
            C.rm_rf(f)


ALL_CPUS = os.sched_getaffinity(0)


def write_phase(db: Path, a, pay: Payloads, res: dict) -> float:
    """The writer app: a.tx transactions, paced at a.rate. Fills res; returns the wall time of the last commit."""
    con = sqlite3.connect(str(db), isolation_level=None, timeout=30)
    con.execute("PRAGMA busy_timeout=30000")
    con.execute("PRAGMA synchronous=NORMAL")
    n, blob_every, rate = a.tx, a.blob_every, a.rate
    texts = [pay.text(a.row_bytes) for _ in range(256)]
    blobs = 0
    retries = 0
    lat: list[float] = []  # seconds from BEGIN to the return of COMMIT, per transaction
    blob_lat: list[float] = []
    t0 = time.monotonic()
    for i in range(1, n + 1):
        if rate:
            ahead = t0 + i / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        big = blob_every and i % blob_every == 0
        row = (time.time(), pay.rng.getrandbits(31), texts[i & 255])
        blob = pay.blob(a.blob_kb * 1024) if big else None
        ts = time.perf_counter()
        while True:
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("INSERT INTO t (id, ts, k, v) VALUES (?, ?, ?, ?)", (i, *row))
                if blob is not None:
                    con.execute("INSERT INTO blobs (data) VALUES (?)", (blob,))
                con.execute("COMMIT")
                break
            except sqlite3.OperationalError:
                retries += 1
                if con.in_transaction:
                    con.execute("ROLLBACK")
                if retries > 1000:
                    raise
        lat.append(time.perf_counter() - ts)
        if big:
            blob_lat.append(lat[-1])
        blobs += 1 if big else 0
    t_last_mono, t_last_wall = time.monotonic(), time.time()
    con.close()
    lat_sorted = sorted(lat)
    res.update(tx=n, blobs=blobs, busy_retries=retries, write_s=t_last_mono - t0,
               wall_tps=n / (t_last_mono - t0) if t_last_mono > t0 else float("nan"),
               tps=n / sum(lat), lat_p99_ms=lat_sorted[int(0.99 * (n - 1))] * 1e3,
               lat_max_ms=lat_sorted[-1] * 1e3, blob_tx_s=sum(blob_lat),
               small_tps=(n - len(blob_lat)) / (sum(lat) - sum(blob_lat)))
    return t_last_wall


def baseline_round(a, workroot: Path, seed: int) -> dict:
    """The same writer without any daemon (database in WAL mode, default autocheckpoint)."""
    work = Path(tempfile.mkdtemp(prefix="baseline-", dir=workroot))
    try:
        pay = Payloads(seed)
        create_db(work / "bench.db", a.initial_mb, pay)
        res: dict = {"tool": "no daemon", "ok": True, "check": "baseline"}
        if a.writer_cpus:
            os.sched_setaffinity(0, a.writer_cpus)
        try:
            write_phase(work / "bench.db", a, pay, res)
        finally:
            if a.writer_cpus:
                os.sched_setaffinity(0, ALL_CPUS)
        return res
    finally:
        C.rm_rf(work)


def one_round(tool: str, binary: Path, litestream: Path, a, workroot: Path, seed: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"{tool}-", dir=workroot))
    db, replica = work / "bench.db", work / "replica"
    pay = Payloads(seed)
    create_db(db, a.initial_mb, pay)
    config = work / "litestream.yml"
    C.write_config(config, db, replica, monitor_interval=a.monitor_interval, sync_interval=a.sync_interval)
    res: dict = {"tool": tool, "ok": False, "check": ""}

    t_start = time.monotonic()
    daemon = C.Daemon(binary, config, work / "daemon.log", cpus=a.daemon_cpus)
    try:
        # --- startup: first snapshot + first WAL segment, then quiet for 1 s
        deadline = time.monotonic() + 120
        last, stable_since = None, time.monotonic()
        while True:
            if not daemon.alive():
                raise RuntimeError(f"daemon exited early (rc={daemon.returncode}); see {daemon.logfile}")
            st = C.replica_stats(replica)
            state = (len(st.snapshots), len(st.segments))
            if state != last:
                last, stable_since = state, time.monotonic()
            if st.snapshots and time.monotonic() - stable_since >= 1.0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"no snapshot within 120s; see {daemon.logfile}")
            time.sleep(0.05)
        res["startup_s"] = time.monotonic() - t_start
        cpu0 = C.proc_cpu_seconds(daemon.pid)
        res["startup_cpu"] = cpu0

        # --- write phase
        if a.writer_cpus:
            os.sched_setaffinity(0, a.writer_cpus)
        try:
            t_last_wall = write_phase(db, a, pay, res)
        finally:
            if a.writer_cpus:
                os.sched_setaffinity(0, ALL_CPUS)
        t_last_mono = time.monotonic()
        n = a.tx
        cpu_w = C.proc_cpu_seconds(daemon.pid)

        # --- lag: until a restore from the replica contains the last commit
        tmp = work / "lagcheck"
        tmp.mkdir()
        seen = None
        lag = None
        deadline = time.monotonic() + a.lag_timeout
        polls = 0
        while time.monotonic() < deadline:
            state, newest = replica_state(replica)
            if state != seen:
                seen = state
                polls += 1
                got = restore_max_id(litestream, replica, tmp)
                if got is not None and got >= n and replica_state(replica)[0] != state:
                    seen = None  # objects arrived during the restore: newest mtime is not trustworthy, redo
                    continue
                if got is not None and got >= n:
                    lag = max(0.0, newest - t_last_wall)
                    res["lag_observed_s"] = time.monotonic() - t_last_mono
                    break
            if not daemon.alive():
                raise RuntimeError(f"daemon exited (rc={daemon.returncode}); see {daemon.logfile}")
            time.sleep(0.02)
        if lag is None:
            raise RuntimeError(f"last commit not in the replica after {a.lag_timeout}s; see {daemon.logfile}")
        res["lag_s"] = lag
        res["lag_restores"] = polls
        cpu_c = C.proc_cpu_seconds(daemon.pid)
        res["active_cpu"] = cpu_c - cpu0  # write phase + catch-up
        res["write_cpu"] = cpu_w - cpu0
        res["cpu_per_tx_us"] = res["active_cpu"] / n * 1e6
        res["hwm_active_kb"] = C.proc_status_kb(daemon.pid, "VmHWM")

        # --- idle
        t_i = time.monotonic()
        time.sleep(a.idle)
        cpu_i = C.proc_cpu_seconds(daemon.pid)
        res["idle_s"] = time.monotonic() - t_i
        res["idle_cpu"] = cpu_i - cpu_c
        res["hwm_kb"] = C.proc_status_kb(daemon.pid, "VmHWM")
        res["rss_end_kb"] = C.proc_status_kb(daemon.pid, "VmRSS")
    except Exception as exc:  # noqa: BLE001
        res["check"] = f"error: {exc}"
    finally:
        rc = daemon.stop()
    res["rc"] = rc
    if daemon.rusage is not None:
        ru = daemon.rusage
        res["total_cpu"] = ru.ru_utime + ru.ru_stime
        res["maxrss_kb"] = ru.ru_maxrss
    # VmHWM (read just before SIGTERM) is the daemon's own peak; ru_maxrss also counts the memory
    # of this Python process the daemon was forked from, so it is only a fallback.
    res["peak_rss_kb"] = res.get("hwm_kb") or res.get("maxrss_kb")
    errors = daemon.log_errors()
    res["log_errors"] = len(errors)
    if not res["check"]:
        if rc != 0:
            res["check"] = f"daemon exit status {rc}"
        else:
            # --- verify the final replica with the reference restore
            out = work / "verify.db"
            m = C.run_measured([str(litestream), "restore", "-o", str(out), f"file://{replica}"], timeout=600)
            if m.returncode != 0:
                res["check"] = f"reference restore failed: {m.output.strip().splitlines()[-1:]}"
            elif (ic := C.integrity_check(out)) != "ok":
                res["check"] = f"integrity_check: {ic}"
            elif C.file_digest(out) != C.live_digest(db):
                res["check"] = "restored replica differs from the source database"
            else:
                res["ok"] = True
                res["check"] = "ok" + (f" ({len(errors)} ERROR log lines)" if errors else "")
    st = C.replica_stats(replica)
    res["replica"] = st.summary()
    if not res["ok"]:
        try:
            res["log_tail"] = daemon.logfile.read_text(errors="replace").splitlines()[-8:]
        except OSError:
            pass
    if a.keep or not res["ok"]:
        res["workdir"] = str(work)  # kept for inspection
    else:
        C.rm_rf(work)
    return res


def fmt_row(r: dict) -> str:
    def g(k, f="{:.2f}", scale=1.0):
        v = r.get(k)
        return f.format(v * scale) if isinstance(v, (int, float)) else "-"

    return (f"{r['tool']:<11} {g('tps', '{:8.0f}'):>8} {g('lag_s', '{:6.2f}'):>6} {g('active_cpu', '{:7.2f}'):>7} "
            f"{g('cpu_per_tx_us', '{:7.1f}'):>7} {g('idle_cpu', '{:6.2f}'):>6} {g('startup_cpu', '{:6.2f}'):>6} "
            f"{g('total_cpu', '{:6.2f}'):>6} {g('peak_rss_kb', '{:7.1f}', 1 / 1024):>7}  {r['check']}")


HEADER = (f"{'tool':<11} {'tx/s':>8} {'lag s':>6} {'cpu s':>7} {'us/tx':>7} {'idle s':>6} {'start':>6} "
          f"{'total':>6} {'RSS MB':>7}  check")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="runs per tool, alternating (default 3)")
    ap.add_argument("--tx", type=int, default=20000, help="small write transactions (default 20000)")
    ap.add_argument("--row-bytes", type=int, default=120, help="text bytes per small row (default 120)")
    ap.add_argument("--blob-every", type=int, default=2000, help="every Nth transaction also writes a blob (0: never)")
    ap.add_argument("--blob-kb", type=int, default=1024, help="blob size in KiB (default 1024)")
    ap.add_argument("--rate", type=float, default=1000,
                    help="pace the writer at this many tx/s (default 1000, i.e. ~20 s of writing; 0 = unthrottled burst)")
    ap.add_argument("--initial-mb", type=int, default=16, help="database size before the daemon starts (default 16)")
    ap.add_argument("--idle", type=float, default=20, help="idle seconds measured after catch-up (default 20)")
    ap.add_argument("--monitor-interval", default=None, help="dbs[].monitor-interval (default: tool default, 1s)")
    ap.add_argument("--sync-interval", default=None, help="replica sync-interval (default: tool default, 1s)")
    ap.add_argument("--lag-timeout", type=float, default=120)
    ap.add_argument("--tolerance", type=float, default=0.10,
                    help="noise allowance for the 'not worse than Litestream' targets (default 0.10 = 10%%)")
    ap.add_argument("--pin", choices=["auto", "on", "off"], default="off",
                    help="pin the writer to one CPU and the daemon to another (auto: when >= 2 CPUs are usable)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the per-round writer run without any daemon")
    ap.add_argument("--workdir", default=None, help="where the temporary databases go (default: Benchmarks/.cache/replicate)")
    ap.add_argument("--keep", action="store_true", help="keep each round's directory (db, replica, daemon.log)")
    ap.add_argument("--seed", type=int, default=20000)
    ap.add_argument("--json", help="also write all results to this JSON file")
    a = ap.parse_args()

    cpus = sorted(ALL_CPUS)
    pin = a.pin == "on" or (a.pin == "auto" and len(cpus) >= 2)
    if pin and len(cpus) < 2:
        C.die("--pin on needs at least 2 usable CPUs")
    a.writer_cpus = {cpus[0]} if pin else None
    a.daemon_cpus = {cpus[1]} if pin else None

    litestream = C.litestream_bin()
    swiftstream = C.swiftstream_bin()
    workroot = Path(a.workdir or (C.BENCH_DIR / ".cache" / "replicate")).resolve()
    workroot.mkdir(parents=True, exist_ok=True)
    C.log(f"litestream:  {litestream} ({C.binary_version(litestream)})")
    C.log(f"swiftstream: {swiftstream} ({C.binary_version(swiftstream)})")
    if swiftstream.resolve() == litestream.resolve():
        C.log("NOTE: SWIFTSTREAM_BIN is the Litestream binary: harness self-test, ratios ~1 expected")
    C.log(f"workload: {a.tx} tx of ~{a.row_bytes} B"
          + (f" + a {a.blob_kb} KiB blob every {a.blob_every} tx" if a.blob_every else "")
          + (f", paced at {a.rate:g} tx/s" if a.rate else ", unthrottled")
          + f"; initial db {a.initial_mb} MB; idle {a.idle:g}s; monitor-interval {a.monitor_interval or 'default'}, "
          f"sync-interval {a.sync_interval or 'default'}")
    C.log("cpu pinning: " + (f"writer on CPU {cpus[0]}, daemon on CPU {cpus[1]}" if pin else "off"))
    C.log(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    C.log("")
    C.log(f"round {HEADER}")

    tools = [("litestream", litestream), ("swiftstream", swiftstream)]
    results: dict[str, list[dict]] = {"litestream": [], "swiftstream": []}
    failed = False
    baseline: list[dict] = []
    for i in range(a.rounds):
        if not a.no_baseline:
            b = baseline_round(a, workroot, a.seed + i)
            baseline.append(b)
            C.log(f"{i + 1:>5} {'no daemon':<11} {b['tps']:8.0f}   (writer alone: write {b['write_s']:.2f}s, "
                  f"commit latency p99 {b['lat_p99_ms']:.2f}ms max {b['lat_max_ms']:.1f}ms)")
        for tool, binary in (tools if i % 2 == 0 else tools[::-1]):
            r = one_round(tool, binary, litestream, a, workroot, a.seed + i)
            r["round"] = i + 1
            results[tool].append(r)
            C.log(f"{i + 1:>5} {fmt_row(r)}")
            C.log(f"{'':>5}   write {r.get('write_s', float('nan')):.2f}s ({r.get('wall_tps', float('nan')):.0f} tx/s "
                  f"wall), commit latency p99 {r.get('lat_p99_ms', float('nan')):.2f}ms max "
                  f"{r.get('lat_max_ms', float('nan')):.1f}ms, busy retries {r.get('busy_retries', '-')}, "
                  f"lag restores {r.get('lag_restores', '-')}; replica: {r.get('replica', '-')}")
            if not r["ok"]:
                failed = True
                for line in r.get("log_tail", []):
                    C.log(f"        {line}")
    C.log(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    def med(tool, k):
        return C.median([r[k] for r in results[tool] if r.get("ok") and isinstance(r.get(k), (int, float))])

    def ratio(k):
        lv, sv = med("litestream", k), med("swiftstream", k)
        return sv / lv if lv else float("nan")

    tol = a.tolerance
    # (label, key, comparison, limit, unit/scale)
    rows = [
        ("writer throughput (tx/s)", "tps", ">=", 1.0 - tol, 1.0, "{:.0f}"),
        ("commit latency p99 (ms)", "lat_p99_ms", None, None, 1.0, "{:.3f}"),
        ("commit latency max (ms)", "lat_max_ms", None, None, 1.0, "{:.1f}"),
        ("daemon CPU per tx (us)", "cpu_per_tx_us", "<=", 0.5, 1.0, "{:.1f}"),
        ("daemon peak RSS (MB)", "peak_rss_kb", "<=", 0.5, 1 / 1024, "{:.1f}"),
        (f"daemon idle CPU (s/{a.idle:g}s)", "idle_cpu", "<=", 1.0 + tol, 1.0, "{:.2f}"),
        ("replication lag (s)", "lag_s", None, None, 1.0, "{:.2f}"),
        ("daemon active CPU (s)", "active_cpu", None, None, 1.0, "{:.2f}"),
        ("daemon total CPU (s)", "total_cpu", None, None, 1.0, "{:.2f}"),
    ]
    C.log("")
    C.log(f"== Medians over {a.rounds} round(s)")
    C.log(f"   {'metric':<28} {'litestream':>11} {'swiftstream':>11} {'ratio':>7}  target")
    rc = 0
    summary = {}
    for label, k, cmp, limit, scale, f in rows:
        lv, sv = med("litestream", k), med("swiftstream", k)
        rt = ratio(k)
        if k == "idle_cpu":
            # /proc/<pid>/stat counts in 10 ms ticks and idle daemons use only a few: allow one tick
            verdict = "PASS" if sv <= lv * limit + 1.0 / C.CLK_TCK else "FAIL"
            tgt = f"ratio {cmp} {limit:g} (+1 tick)"
        elif cmp is None:
            verdict, tgt = "", "(info)"
        else:
            ok = (rt >= limit) if cmp == ">=" else (rt <= limit)
            verdict = "PASS" if ok else "FAIL"
            tgt = f"ratio {cmp} {limit:g}"
        if verdict == "FAIL" and rc == 0:
            rc = 1
        summary[k] = {"litestream": lv, "swiftstream": sv, "ratio": rt, "verdict": verdict}
        C.log(f"   {label:<28} {f.format(lv * scale):>11} {f.format(sv * scale):>11} {rt:7.3f}  {tgt} {verdict}")
    if baseline:
        bt = C.median([b["tps"] for b in baseline])
        C.log(f"   writer alone (no daemon): {bt:.0f} tx/s, commit latency p99 "
              f"{C.median([b['lat_p99_ms'] for b in baseline]):.3f}ms; throughput with the daemon: litestream "
              f"{med('litestream', 'tps') / bt:.0%}, swiftstream {med('swiftstream', 'tps') / bt:.0%} of that")
        summary["baseline_tps"] = bt
    if failed:
        C.log("   some rounds failed verification (see check column): those rounds are excluded from the medians")
        rc = 2
    if a.json:
        C.dump_json(Path(a.json), {"args": vars(a), "results": results, "baseline": baseline, "summary": summary})
    return rc


if __name__ == "__main__":
    sys.exit(main())
