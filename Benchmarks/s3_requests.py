#!/usr/bin/env python3
"""S3 request economy: what `swiftstream replicate` and `litestream replicate` (v0.3.13) ask S3 for the
replicate benchmark's workload.

One moto_server (in-memory S3) and a counting HTTP proxy in front of it, both started here. For each
tool (alternating, --rounds times): a fresh ~16 MB database, one S3 replica (path-style, through the
proxy) with default settings (monitor/sync interval 1 s); the daemon starts and writes its first
snapshot ("startup"); the writer of Benchmarks/replicate.py commits 20 000 small transactions at
1000 tx/s plus a 1 MiB blob every 2000th ("write"), until the daemon has been quiet for 3 s; then
--idle seconds without writes ("idle"); then SIGTERM ("shutdown"). The replica is restored with the
reference Litestream (directly from moto) and compared with the source database.

Printed: requests per phase by class (GET/PUT/LIST/DELETE/POST/HEAD) and operation, and requests per
hour extrapolated from the write phase (an application writing like this all the time), from the idle
phase, and for a 1 h cycle of one write burst followed by idling; also each daemon's peak RSS
(VmHWM before SIGTERM) and CPU seconds with a network replica. Retention (`retention-check-interval`,
1 h by default, both tools: a few LISTs and one DeleteObjects per check) falls outside the measured
window and is not counted.

Usage: python3 Benchmarks/s3_requests.py [--rounds N] [--tx 20000] [--rate 1000] [--idle 20] [--json F]
Exit status: 0 ok, 2 a round failed (daemon error, replica not restorable or different).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402
import replicate as R  # noqa: E402

CLASSES = ["GET", "PUT", "LIST", "DELETE", "POST", "HEAD"]
BUCKET = "bench"


def wait_quiet(proxy: C.CountingProxy, daemon: C.Daemon, quiet: float, timeout: float) -> None:
    """Until no request for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if not daemon.alive():
            raise RuntimeError(f"daemon exited early (rc={daemon.returncode}); see {daemon.logfile}")
        last = proxy.last_request_time()
        if last and time.monotonic() - last >= quiet:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"daemon still busy after {timeout:.0f}s; see {daemon.logfile}")
        time.sleep(0.1)


def tally(records) -> dict:
    ops = Counter(op for _, _, op in records)
    classes = Counter(C.s3_request_class(op) for op in ops.elements())
    return {"total": len(records), "classes": dict(classes), "operations": dict(ops)}


def one_round(tool: str, binary: Path, litestream: Path, a, moto: C.Moto, proxy: C.CountingProxy,
              workroot: Path, seed: int, round_no: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"{tool}-", dir=workroot))
    db = work / "bench.db"
    prefix = f"{tool}-{round_no}"
    pay = R.Payloads(seed)
    R.create_db(db, a.initial_mb, pay)
    config = work / "litestream.yml"
    C.write_s3_config(config, db, proxy.endpoint, BUCKET, prefix)
    res: dict = {"tool": tool, "ok": False, "phases": {}}
    env = C.s3_env()
    mark = proxy.mark()
    daemon = C.Daemon(binary, config, work / "daemon.log", env=env)
    try:
        # startup: first snapshot and WAL segment uploaded, then 2 s without a request
        deadline = time.monotonic() + 120
        while not any(k.endswith(".snapshot.lz4") for k, _ in moto.keys(BUCKET, prefix + "/")):
            if not daemon.alive() or time.monotonic() > deadline:
                raise RuntimeError(f"no snapshot uploaded; see {daemon.logfile}")
            time.sleep(0.1)
        wait_quiet(proxy, daemon, 2.0, 120)
        m1 = proxy.mark()
        res["phases"]["startup"] = tally(proxy.since(mark, m1))

        t0 = time.monotonic()
        R.write_phase(db, a, pay, res)
        wait_quiet(proxy, daemon, 3.0, 300)
        write_s = proxy.last_request_time() - t0
        m2 = proxy.mark()
        res["phases"]["write"] = tally(proxy.since(m1, m2))
        res["write_window_s"] = write_s

        time.sleep(a.idle)
        m3 = proxy.mark()
        res["phases"]["idle"] = tally(proxy.since(m2, m3))
        res["idle_s"] = a.idle
        # Peak memory with a network replica (replicate.py measures it with a file replica).
        res["peak_rss_kb"] = C.proc_status_kb(daemon.pid, "VmHWM")

        rc = daemon.stop()
        if daemon.rusage is not None:
            res["cpu_s"] = daemon.rusage.ru_utime + daemon.rusage.ru_stime
        res["phases"]["shutdown"] = tally(proxy.since(m3))
        res["rc"] = rc
        if rc != 0:
            raise RuntimeError(f"exit status {rc} after SIGTERM; see {daemon.logfile}")
        errors = daemon.log_errors()
        if errors:
            res["log_errors"] = errors[:5]

        # verify: restore straight from moto with the reference Litestream
        rconfig = work / "restore.yml"
        C.write_s3_config(rconfig, db, moto.endpoint, BUCKET, prefix)
        out = work / "restored.db"
        m = C.run_measured([str(litestream), "restore", "-config", str(rconfig), "-o", str(out), str(db)],
                           timeout=300, env=env)
        if m.returncode != 0:
            raise RuntimeError(f"litestream restore failed: {m.output.strip()[-300:]}")
        if C.integrity_check(out) != "ok" or C.file_digest(out) != C.live_digest(db):
            raise RuntimeError("restored database differs from the source")
        keys = [k for k, _ in moto.keys(BUCKET, prefix + "/")]
        res["objects"] = len(keys)
        res["snapshots"] = sum(1 for k in keys if k.endswith(".snapshot.lz4"))
        segments = [C.SEGMENT_RE.match(k.rsplit("/", 1)[-1]) for k in keys]
        res["segments"] = sum(1 for m in segments if m)
        res["indexes"] = len({m.group(1) for m in segments if m})
        res["ok"] = True
    except Exception as exc:  # noqa: BLE001 - reported per round
        res["error"] = str(exc)
        daemon.stop()
    finally:
        if not a.keep:
            C.rm_rf(work)
    return res


def per_hour(n: float, seconds: float) -> float:
    return n / seconds * 3600 if seconds > 0 else float("nan")


def show_round(r: dict) -> None:
    if not r["ok"]:
        C.log(f"   {r['tool']:<11} FAILED: {r.get('error')}")
        return
    for phase in ("startup", "write", "idle", "shutdown"):
        t = r["phases"][phase]
        cls = " ".join(f"{k}={t['classes'].get(k, 0)}" for k in CLASSES)
        ops = ", ".join(f"{k} {v}" for k, v in sorted(t["operations"].items()))
        C.log(f"   {r['tool']:<11} {phase:<8} total {t['total']:>5}  {cls}   ({ops or '-'})")
    if r.get("log_errors"):
        C.log(f"   {r['tool']:<11} log errors: {r['log_errors']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1, help="runs per tool, alternating (default 1)")
    ap.add_argument("--tx", type=int, default=20000, help="small write transactions (default 20000)")
    ap.add_argument("--row-bytes", type=int, default=120)
    ap.add_argument("--blob-every", type=int, default=2000)
    ap.add_argument("--blob-kb", type=int, default=1024)
    ap.add_argument("--rate", type=float, default=1000, help="transactions per second (0: unthrottled)")
    ap.add_argument("--initial-mb", type=int, default=16)
    ap.add_argument("--idle", type=float, default=20, help="idle seconds measured (default 20)")
    ap.add_argument("--seed", type=int, default=20000)
    ap.add_argument("--keep", action="store_true", help="keep each round's directory")
    ap.add_argument("--json", help="also write all results to this JSON file")
    a = ap.parse_args()

    litestream = C.litestream_bin()
    swiftstream = C.swiftstream_bin()
    workroot = (C.BENCH_DIR / ".cache" / "s3_requests").resolve()
    workroot.mkdir(parents=True, exist_ok=True)
    C.log(f"litestream:  {litestream} ({C.binary_version(litestream)})")
    C.log(f"swiftstream: {swiftstream} ({C.binary_version(swiftstream)})")
    C.log(f"workload: {a.tx} tx of ~{a.row_bytes} B + a {a.blob_kb} KiB blob every {a.blob_every} tx, "
          f"{'paced at %g tx/s' % a.rate if a.rate else 'unthrottled'}; initial db {a.initial_mb} MB; idle {a.idle:g}s; "
          "default intervals (monitor/sync 1s)")
    moto = C.Moto(workroot / "moto.log")
    proxy = C.CountingProxy(moto.port)
    results: dict[str, list[dict]] = {"litestream": [], "swiftstream": []}
    try:
        moto.create_bucket(BUCKET)
        C.log(f"moto {moto.endpoint}, counting proxy {proxy.endpoint}")
        tools = [("litestream", litestream), ("swiftstream", swiftstream)]
        for i in range(a.rounds):
            for tool, binary in (tools if i % 2 == 0 else tools[::-1]):
                r = one_round(tool, binary, litestream, a, moto, proxy, workroot, a.seed + i, i + 1)
                results[tool].append(r)
                C.log(f"round {i + 1}: {tool}" + (
                    f" (write window {r['write_window_s']:.1f}s; replica: {r['snapshots']} snapshot(s), "
                    f"{r['segments']} WAL segments over {r['indexes']} indexes)" if r["ok"] else ""))
                show_round(r)
    finally:
        proxy.stop()
        moto.stop()

    C.log("")
    C.log("summary (medians over rounds; requests/hour extrapolated)")
    C.log(f"   {'tool':<11} {'startup':>7} {'write':>6} {'idle':>5} {'shutdown':>8}   "
          f"{'write/h':>9} {'idle/h':>7} {'1h cycle':>9}")
    summary = {}
    failed = False
    for tool, rs in results.items():
        ok = [r for r in rs if r["ok"]]
        failed |= len(ok) != len(rs)
        if not ok:
            continue

        def med(phase):
            return C.median([r["phases"][phase]["total"] for r in ok])

        write_s = C.median([r["write_window_s"] for r in ok])
        w, idle = med("write"), med("idle")
        write_h = per_hour(w, write_s)
        idle_h = per_hour(idle, a.idle)
        cycle = w + idle_h * max(0.0, 3600 - write_s) / 3600
        summary[tool] = {"startup": med("startup"), "write": w, "idle": idle, "shutdown": med("shutdown"),
                         "write_per_hour": write_h, "idle_per_hour": idle_h, "cycle_per_hour": cycle,
                         "write_window_s": write_s,
                         "classes": {c: C.median([r["phases"]["write"]["classes"].get(c, 0) for r in ok])
                                     for c in CLASSES}}
        C.log(f"   {tool:<11} {med('startup'):>7.0f} {w:>6.0f} {idle:>5.0f} {med('shutdown'):>8.0f}   "
              f"{write_h:>9.0f} {idle_h:>7.0f} {cycle:>9.0f}")
        C.log(f"   {'':<11} write phase by class: "
              + " ".join(f"{c}={summary[tool]['classes'][c]:.0f}" for c in CLASSES))
        summary[tool]["peak_rss_kb"] = C.median([r.get("peak_rss_kb") or 0 for r in ok])
        summary[tool]["cpu_s"] = C.median([r.get("cpu_s") or 0 for r in ok])
        C.log(f"   {'':<11} daemon peak RSS {summary[tool]['peak_rss_kb'] / 1024:.1f} MB, "
              f"CPU {summary[tool]['cpu_s']:.2f} s (whole run, utime+stime)")
    if "litestream" in summary and "swiftstream" in summary:
        ls, ss = summary["litestream"], summary["swiftstream"]

        def ratio(k):
            return ss[k] / ls[k] if ls[k] else float("nan")

        C.log(f"   ratio swiftstream/litestream: write phase {ratio('write'):.2f}, write/h {ratio('write_per_hour'):.2f}, "
              f"1h cycle {ratio('cycle_per_hour'):.2f}, idle {ss['idle']:.0f} vs {ls['idle']:.0f} requests, "
              f"peak RSS {ratio('peak_rss_kb'):.2f}, CPU {ratio('cpu_s'):.2f}")
    C.log("   (1h cycle = one write burst, then idle for the rest of the hour; retention checks not included)")
    if a.json:
        C.dump_json(Path(a.json), {"args": vars(a), "results": results, "summary": summary})
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
