#!/usr/bin/env python3
"""Restore benchmark: swiftstream vs Litestream v0.3.13 on replicas built by real Litestream.

Scenario "large" (A): one ~300 MB snapshot plus ~300 WAL segments over a handful of WAL indexes.
Scenario "tail"  (B): a few-MB database, one snapshot, ~3000 WAL segments over ~400 WAL indexes
                      (the "long tail" of Litestream issue 266).

Both replicas are produced by `litestream replicate` (file replica) driven by a writer app, and
cached under Benchmarks/.cache/ keyed by their parameters. The restores of the two tools are then
run alternately (`<bin> restore -o <out> file://<replica>`), each output is checked with
PRAGMA integrity_check and compared (content digest) with the source database, and wall time,
CPU time and peak RSS (os.wait4 rusage of the child) are reported.

See Benchmarks/README.md. Exit status: 0 all targets met, 1 a target missed, 2 an error
(failed restore, corrupt or differing output, replica build failure).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

# Bump when the way replicas are generated changes, so stale cache entries are not reused.
GENERATOR_VERSION = 1

TARGETS = {"large": 0.5, "tail": 0.2}
LABELS = {"large": 'A "large"', "tail": 'B "long tail"'}


# --------------------------------------------------------------------------
# Deterministic, partly compressible payloads
# --------------------------------------------------------------------------


class Payloads:
    """Blobs made of a random part (incompressible) and a pseudo-text part (LZ4 gets ~2-3x)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        words = ["".join(self.rng.choices("abcdefghijklmnopqrstuvwxyz", k=self.rng.randint(2, 10)))
                 for _ in range(3000)]
        text = " ".join(self.rng.choices(words, k=600_000)).encode()
        self.corpus = text[: 4 << 20] if len(text) >= 4 << 20 else text

    def blob(self, size: int, random_fraction: float = 0.4) -> bytes:
        nrand = int(size * random_fraction)
        ntext = size - nrand
        off = self.rng.randrange(0, len(self.corpus) - ntext)
        return self.rng.randbytes(nrand) + self.corpus[off: off + ntext]

    def text(self, size: int) -> str:
        off = self.rng.randrange(0, len(self.corpus) - size)
        return self.corpus[off: off + size].decode()


# --------------------------------------------------------------------------
# Scenario definitions
# --------------------------------------------------------------------------


def params_for(name: str, a) -> dict:
    if name == "large":
        return {
            "scenario": "large",
            "snapshot_mb": a.snapshot_mb,
            "segments": a.segments,
            "tx_pages": a.tx_pages,
            "checkpoint_pages": a.checkpoint_pages,
            "interval": a.large_interval,
            "seed": a.seed,
            "generator": GENERATOR_VERSION,
        }
    return {
        "scenario": "tail",
        "db_mb": a.tail_db_mb,
        "segments": a.tail_segments,
        "checkpoint_pages": a.tail_checkpoint_pages,
        "interval": a.tail_interval,
        "seed": a.seed,
        "generator": GENERATOR_VERSION,
    }


def cache_key(p: dict) -> str:
    h = hashlib.sha256(json.dumps(p, sort_keys=True).encode()).hexdigest()[:10]
    if p["scenario"] == "large":
        return f"large-{p['snapshot_mb']}mb-{p['segments']}seg-{h}"
    return f"tail-{p['db_mb']}mb-{p['segments']}seg-{h}"


BLOB_SIZE = 3900  # one row per 4 KiB page (max local payload is 4061 bytes)


def create_large_db(db: Path, p: dict, pay: Payloads) -> None:
    rows = max(1, p["snapshot_mb"] * (1 << 20) // 4096)
    con = sqlite3.connect(str(db), isolation_level=None)
    con.execute("PRAGMA page_size=4096")
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, n INTEGER NOT NULL, "
                "payload BLOB NOT NULL)")
    con.execute("CREATE INDEX blobs_tag ON blobs (tag, n)")
    con.execute("CREATE TABLE txlog (id INTEGER PRIMARY KEY, ts REAL NOT NULL, note TEXT NOT NULL)")
    con.execute("BEGIN")
    t0 = time.monotonic()
    for i in range(1, rows + 1):
        con.execute("INSERT INTO blobs (id, tag, n, payload) VALUES (?, ?, 0, ?)",
                    (i, f"t{i % 97:02d}", pay.blob(BLOB_SIZE)))
        if i % 20000 == 0:
            con.execute("COMMIT")
            con.execute("BEGIN")
            C.log(f"   {i}/{rows} rows ({time.monotonic() - t0:.0f}s)")
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()


def large_tx(con: sqlite3.Connection, i: int, p: dict, pay: Payloads, nrows: int) -> None:
    con.execute("BEGIN IMMEDIATE")
    for _ in range(p["tx_pages"]):
        rid = pay.rng.randint(1, nrows)
        con.execute("UPDATE blobs SET payload = ?, n = n + 1 WHERE id = ?", (pay.blob(BLOB_SIZE), rid))
    con.execute("INSERT INTO txlog (ts, note) VALUES (?, ?)", (time.time(), f"tx {i}"))
    con.execute("COMMIT")


def create_tail_db(db: Path, p: dict, pay: Payloads) -> None:
    rows = max(1, p["db_mb"] * (1 << 20) // 1100)
    con = sqlite3.connect(str(db), isolation_level=None)
    con.execute("PRAGMA page_size=4096")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v BLOB NOT NULL)")
    con.execute("CREATE INDEX items_k ON items (k)")
    con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, ts REAL NOT NULL, body TEXT NOT NULL)")
    con.execute("BEGIN")
    for i in range(1, rows + 1):
        con.execute("INSERT INTO items (id, k, v) VALUES (?, ?, ?)", (i, f"k{pay.rng.getrandbits(40):010x}",
                                                                     pay.blob(1000)))
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def tail_tx(con: sqlite3.Connection, i: int, p: dict, pay: Payloads, nrows: int) -> None:
    # One small event row; every 4th transaction also rewrites one item (1-3 pages per tx).
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO events (ts, body) VALUES (?, ?)", (time.time(), pay.text(120)))
    if i % 4 == 0:
        con.execute("UPDATE items SET v = ? WHERE id = ?", (pay.blob(1000), pay.rng.randint(1, nrows)))
    con.execute("COMMIT")


# --------------------------------------------------------------------------
# Replica building (real Litestream)
# --------------------------------------------------------------------------


def build_replica(p: dict, cache_root: Path, rebuild: bool, litestream: Path) -> tuple[Path, dict]:
    key = cache_key(p)
    final = cache_root / key
    meta_path = final / "meta.json"
    if meta_path.exists() and not rebuild:
        meta = json.loads(meta_path.read_text())
        C.log(f"== using cached replica {final}")
        return final / "replica", meta
    C.rm_rf(final)
    work = cache_root / (key + ".building")
    C.rm_rf(work)
    (work / "src").mkdir(parents=True)
    db = work / "src" / "bench.db"
    replica = work / "replica"
    t_start = time.monotonic()
    pay = Payloads(p["seed"])
    name = p["scenario"]

    C.log(f"== building replica {key} with {litestream}")
    if name == "large":
        C.log(f"   creating ~{p['snapshot_mb']} MB database")
        create_large_db(db, p, pay)
        nrows = max(1, p["snapshot_mb"] * (1 << 20) // 4096)
        txfn = large_tx
        cfg = dict(monitor_interval=p["interval"], sync_interval=p["interval"],
                   min_checkpoint_pages=p["checkpoint_pages"])
    else:
        C.log(f"   creating ~{p['db_mb']} MB database")
        create_tail_db(db, p, pay)
        nrows = max(1, p["db_mb"] * (1 << 20) // 1100)
        txfn = tail_tx
        cfg = dict(monitor_interval=p["interval"], sync_interval=p["interval"],
                   min_checkpoint_pages=p["checkpoint_pages"])
    db_size = db.stat().st_size
    C.log(f"   database: {C.mib(db_size)} ({time.monotonic() - t_start:.0f}s)")

    config = work / "litestream.yml"
    C.write_config(config, db, replica, **cfg)
    daemon = C.Daemon(litestream, config, work / "litestream.log")
    try:
        # 1. wait for the generation's first snapshot
        deadline = time.monotonic() + 900
        gen_dir = None
        while True:
            if not daemon.alive():
                C.die(f"litestream exited early (rc={daemon.returncode}); see {daemon.logfile}")
            gen_dir = gen_dir or C.only_generation_dir(replica)
            if gen_dir and C.count_matching(gen_dir / "snapshots", C.SNAPSHOT_RE) >= 1:
                break
            if time.monotonic() > deadline:
                C.die(f"no snapshot after 900s; see {daemon.logfile}")
            time.sleep(0.1)
        C.log(f"   first snapshot written ({time.monotonic() - t_start:.0f}s); writing transactions")

        # 2. one write transaction per WAL segment until the target count is reached
        wal_dir = gen_dir / "wal"
        poll = 0.002 if name == "tail" else 0.01
        con = sqlite3.connect(str(db), isolation_level=None, timeout=30)
        con.execute("PRAGMA busy_timeout=30000")
        con.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints (=> new WAL indexes) come from Litestream
        target = p["segments"]
        count = C.count_matching(wal_dir, C.SEGMENT_RE)
        tx = 0
        t_w = time.monotonic()
        next_report = time.monotonic() + 5
        while count < target:
            tx += 1
            txfn(con, tx, p, pay, nrows)
            deadline = time.monotonic() + 60
            while True:
                c = C.count_matching(wal_dir, C.SEGMENT_RE)
                if c > count:
                    count = c
                    break
                if not daemon.alive():
                    C.die(f"litestream exited (rc={daemon.returncode}); see {daemon.logfile}")
                if time.monotonic() > deadline:
                    C.die(f"transaction {tx} not replicated within 60s; see {daemon.logfile}")
                time.sleep(poll)
            if time.monotonic() >= next_report:
                next_report = time.monotonic() + 5
                C.log(f"   {count}/{target} segments, {tx} transactions ({time.monotonic() - t_w:.0f}s)")
        con.close()
        # Let the replica go quiet before SIGTERM: v0.3.13's shutdown sync races with an upload
        # in flight (both write the same <segment>.tmp) and then exits 1.
        stable_since, last = time.monotonic(), count
        deadline = time.monotonic() + 60
        while time.monotonic() - stable_since < 1.5 and time.monotonic() < deadline:
            time.sleep(0.1)
            c = C.count_matching(wal_dir, C.SEGMENT_RE)
            if c != last:
                stable_since, last = time.monotonic(), c
        C.log(f"   {last} segments after {tx} transactions ({time.monotonic() - t_w:.0f}s); stopping litestream")
    finally:
        rc = daemon.stop()
    if rc != 0:
        C.die(f"litestream replicate exited with {rc}; see {daemon.logfile}")
    errors = daemon.log_errors()
    if errors:
        C.log(f"   WARNING: {len(errors)} error lines in {daemon.logfile}, e.g. {errors[0]}")

    st = C.replica_stats(replica)
    C.log(f"   replica: {st.summary()}")
    if len(st.generations) != 1 or len(st.snapshots) != 1:
        C.die(f"expected exactly 1 generation with 1 snapshot, got {st.summary()}")
    digest = C.live_digest(db)  # includes the source's WAL: the state Litestream saw last
    meta = {
        "params": p,
        "key": key,
        "litestream_version": C.binary_version(litestream),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.monotonic() - t_start, 1),
        "transactions": tx,
        "db_bytes": db_size,
        "digest": digest,
        "generations": len(st.generations),
        "snapshot_index": st.snapshots[0][1],
        "snapshot_stored_bytes": st.snapshot_bytes,
        "segments": len(st.segments),
        "segment_stored_bytes": st.segment_bytes,
        "indexes": st.indexes,
        "min_index": min((s[1] for s in st.segments), default=None),
        "max_index": max((s[1] for s in st.segments), default=None),
        "log_errors": len(errors),
    }
    C.rm_rf(work / "src")  # the replica is all the benchmark needs; the digest stands for the source
    C.dump_json(work / "meta.json", meta)
    os.replace(work, final)
    C.log(f"== replica cached at {final} (build {meta['build_seconds']}s)")
    return final / "replica", meta


# --------------------------------------------------------------------------
# Restore runs
# --------------------------------------------------------------------------


S3_BUCKET = "restore-bench"


def clean_outputs(out: Path) -> None:
    for f in out.parent.glob(out.name + "*"):
        C.rm_rf(f)


def one_restore(tool: str, binary: Path, replica: Path, out: Path, meta: dict, timeout: float,
                verify: bool, extra: list[str], s3: tuple[Path, Path] | None = None) -> dict:
    """One timed restore; from file://<replica>, or with s3 = (config, db path) from S3 (config mode)."""
    clean_outputs(out)
    if s3:
        argv = [str(binary), "restore", *extra, "-config", str(s3[0]), "-o", str(out), str(s3[1])]
        m = C.run_measured(argv, timeout=timeout, env=C.s3_env())
    else:
        argv = [str(binary), "restore", *extra, "-o", str(out), f"file://{replica}"]
        m = C.run_measured(argv, timeout=timeout)
    res = {"tool": tool, "wall": m.wall, "cpu": m.cpu, "user": m.utime, "sys": m.stime,
           "maxrss_kb": m.maxrss_kb, "rc": m.returncode, "ok": False, "check": ""}
    leftovers = sorted(f.name for f in out.parent.glob(out.name + "*") if f != out)
    res["leftovers"] = leftovers
    if m.returncode != 0:
        res["check"] = f"exit {m.returncode}: {m.output.strip().splitlines()[-1] if m.output.strip() else ''}"
    elif not out.exists():
        res["check"] = "no output file"
    elif not verify:
        res["ok"] = True
        res["check"] = "not verified"
    else:
        wal = out.parent / (out.name + "-wal")
        ic = C.integrity_check(out)
        if ic != "ok":
            res["check"] = f"integrity_check: {ic}"
        elif wal.exists() and wal.stat().st_size > 0:
            res["check"] = f"non-empty {wal.name} left next to the output"
        else:
            d = C.file_digest(out)
            res["digest"] = d
            if d != meta["digest"]:
                res["check"] = "content differs from the source database"
            else:
                res["ok"] = True
                res["check"] = "ok"
    if not res["ok"]:
        res["output"] = m.output[-4000:]
    clean_outputs(out)
    return res


def run_scenario(name: str, a, litestream: Path, swiftstream: Path, cache_root: Path) -> dict:
    p = params_for(name, a)
    replica, meta = build_replica(p, cache_root, a.rebuild, litestream)
    C.log("")
    C.log(f"== Scenario {LABELS[name]}: {cache_key(p)}")
    C.log(f"   database {C.mib(meta['db_bytes'])}, snapshot stored {C.mib(meta['snapshot_stored_bytes'])}, "
          f"{meta['segments']} WAL segments ({C.mib(meta['segment_stored_bytes'])} stored) over "
          f"{meta['indexes']} WAL indexes (snapshot index {meta['snapshot_index']}, "
          f"indexes {meta['min_index']}..{meta['max_index']}), built from {meta['transactions']} transactions")
    if a.build_only:
        return {"scenario": name, "meta": meta}

    runs_dir = cache_root / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    s3 = None
    if a.store == "s3":
        # The cached file replica, uploaded as is (same keys under <bucket>/<scenario key>/).
        prefix = cache_key(p)
        if not a.moto.keys(S3_BUCKET, prefix + "/generations/"):
            t0 = time.monotonic()
            n = a.moto.upload_tree(S3_BUCKET, prefix, replica)
            C.log(f"   uploaded {n} objects to moto s3://{S3_BUCKET}/{prefix} in {time.monotonic() - t0:.1f}s")
        config, db = runs_dir / f"s3-{name}.yml", runs_dir / f"s3-{name}-source.db"
        C.write_s3_config(config, db, a.moto.endpoint, S3_BUCKET, prefix)
        s3 = (config, db)
        C.log(f"   restoring from S3 (moto {a.moto.endpoint}, config mode)")
    tools = [("litestream", litestream), ("swiftstream", swiftstream)]
    results: dict[str, list[dict]] = {"litestream": [], "swiftstream": []}
    extra = a.restore_args.split() if a.restore_args else []
    for w in range(a.warmup):
        for tool, binary in tools:
            r = one_restore(tool, binary, replica, runs_dir / f"{tool}.db", meta, a.timeout, False, extra, s3)
            C.log(f"   warm-up {w + 1}: {tool} {r['wall']:.3f}s (not counted){'' if r['rc'] == 0 else ' rc=%d' % r['rc']}")
    C.log(f"   load average before the timed runs: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    C.log(f"   {'run':>3}  {'tool':<11} {'wall s':>8} {'cpu s':>7} {'user':>7} {'sys':>6} {'peak RSS':>10}  check")
    failed = False
    for i in range(a.runs):
        order = tools if i % 2 == 0 else tools[::-1]  # alternate who goes first
        for tool, binary in order:
            out = runs_dir / f"{tool}.db"
            r = one_restore(tool, binary, replica, out, meta, a.timeout, not a.no_verify, extra, s3)
            r["run"] = i + 1
            results[tool].append(r)
            C.log(f"   {i + 1:>3}  {tool:<11} {r['wall']:8.3f} {r['cpu']:7.2f} {r['user']:7.2f} {r['sys']:6.2f} "
                  f"{r['maxrss_kb'] / 1024:8.1f}MB  {r['check']}")
            if not r["ok"]:
                failed = True
                C.log("        --- output (tail) ---")
                for line in r.get("output", "").splitlines()[-15:]:
                    C.log(f"        {line}")
    C.log(f"   load average after the timed runs:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for tool in results:
        lo = sorted({x for r in results[tool] for x in r["leftovers"]})
        if lo:
            C.log(f"   note: {tool} leaves {', '.join(lo)} next to the output")

    def med(tool, k):
        return C.median([r[k] for r in results[tool] if r["ok"]])

    lw, sw = med("litestream", "wall"), med("swiftstream", "wall")
    ratio = sw / lw if lw and lw == lw and sw == sw else float("nan")
    target = TARGETS[name]
    verdict = "PASS" if (not failed and ratio <= target) else "FAIL"
    C.log(f"   median wall: litestream {lw:.3f}s, swiftstream {sw:.3f}s -> ratio {ratio:.3f} "
          f"(target <= {target}) {verdict}{' (verification failures)' if failed else ''}")
    C.log(f"   median cpu:  litestream {med('litestream', 'cpu'):.2f}s, swiftstream {med('swiftstream', 'cpu'):.2f}s; "
          f"peak RSS: litestream {med('litestream', 'maxrss_kb') / 1024:.1f}MB, "
          f"swiftstream {med('swiftstream', 'maxrss_kb') / 1024:.1f}MB")
    return {"scenario": name, "meta": meta, "results": results, "median_wall": {"litestream": lw, "swiftstream": sw},
            "ratio": ratio, "target": target, "verdict": verdict, "verification_failed": failed}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="all", help="large, tail or all (default all); comma list allowed")
    ap.add_argument("--runs", type=int, default=5, help="restores per tool per scenario (default 5)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed restores per tool before the timed runs (default 1; warms the page cache)")
    ap.add_argument("--snapshot-mb", type=int, default=300, help="A: database/snapshot size in MB (default 300)")
    ap.add_argument("--segments", type=int, default=300, help="A: WAL segments to produce (default 300)")
    ap.add_argument("--tx-pages", type=int, default=32, help="A: rows (~pages) updated per transaction (default 32)")
    ap.add_argument("--checkpoint-pages", type=int, default=1000,
                    help="A: Litestream min-checkpoint-page-count (default 1000 -> ~24 WAL indexes)")
    ap.add_argument("--large-interval", default="100ms", help="A: monitor-/sync-interval (default 100ms)")
    ap.add_argument("--tail-db-mb", type=int, default=4, help="B: database size in MB (default 4)")
    ap.add_argument("--tail-segments", type=int, default=3000, help="B: WAL segments to produce (default 3000)")
    ap.add_argument("--tail-checkpoint-pages", type=int, default=10,
                    help="B: Litestream min-checkpoint-page-count (default 10 -> ~400 indexes for 3000 segments)")
    ap.add_argument("--tail-interval", default="20ms", help="B: monitor-/sync-interval (default 20ms)")
    ap.add_argument("--seed", type=int, default=266)
    ap.add_argument("--cache-dir", default=str(C.BENCH_DIR / ".cache"), help="replica cache (default Benchmarks/.cache)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the replicas even if cached")
    ap.add_argument("--build-only", action="store_true", help="only build/show the replicas, run no restores")
    ap.add_argument("--no-verify", action="store_true", help="skip integrity_check/content comparison of outputs")
    ap.add_argument("--restore-args", default="", help='extra flags for both restores, e.g. "-parallelism 4"')
    ap.add_argument("--timeout", type=float, default=900, help="per-restore timeout in seconds (default 900)")
    ap.add_argument("--store", choices=["file", "s3"], default="file",
                    help="restore from the file replica (default) or from S3: the cached replica is uploaded to "
                         "a moto_server started here and both tools restore from it in config mode")
    ap.add_argument("--json", help="also write all results to this JSON file")
    a = ap.parse_args()

    names = ["large", "tail"] if a.scenario == "all" else [s.strip() for s in a.scenario.split(",")]
    aliases = {"a": "large", "b": "tail", "A": "large", "B": "tail"}
    names = [aliases.get(n, n) for n in names]
    for n in names:
        if n not in TARGETS:
            C.die(f"unknown scenario {n!r} (large, tail, all)")

    litestream = C.litestream_bin()
    swiftstream = litestream if a.build_only else C.swiftstream_bin()
    cache_root = Path(a.cache_dir).resolve()
    cache_root.mkdir(parents=True, exist_ok=True)
    C.log(f"litestream:  {litestream} ({C.binary_version(litestream)})")
    if not a.build_only:
        C.log(f"swiftstream: {swiftstream} ({C.binary_version(swiftstream)})")
        if swiftstream.resolve() == litestream.resolve():
            C.log("NOTE: SWIFTSTREAM_BIN is the Litestream binary: harness self-test, ratios ~1 expected")
    C.log(f"cache:       {cache_root}")

    a.moto = None
    if a.store == "s3" and not a.build_only:
        a.moto = C.Moto(cache_root / "moto.log")
        a.moto.create_bucket(S3_BUCKET)
        C.log(f"store:       S3 on moto {a.moto.endpoint} (auth off, path-style)")
    else:
        a.store = "file"
    try:
        reports = [run_scenario(n, a, litestream, swiftstream, cache_root) for n in names]
    finally:
        if a.moto:
            a.moto.stop()
    C.rm_rf(cache_root / "runs")
    if a.json:
        C.dump_json(Path(a.json), reports)
    if a.build_only:
        return 0
    C.log("")
    C.log("== Summary")
    rc = 0
    for r in reports:
        C.log(f"   {LABELS[r['scenario']]:<16} litestream {r['median_wall']['litestream']:.3f}s  "
              f"swiftstream {r['median_wall']['swiftstream']:.3f}s  ratio {r['ratio']:.3f} "
              f"(target <= {r['target']})  {r['verdict']}")
        if r["verification_failed"]:
            rc = 2
        elif r["verdict"] != "PASS" and rc == 0:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
