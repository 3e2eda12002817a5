"""Load on the HTTP API over loopback: reads and 1 MB uploads, on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.api_load                          # both databases, 10 s per phase
    .venv/bin/python -m bench.api_load --database sqlite --seconds 3
    .venv/bin/python -m bench.api_load --database sqlite --per-route   # also each read route alone

For each database the bench makes a fresh one (a SQLite file in a temporary folder; a new schema on the
PostgreSQL server, dropped afterwards), migrates it, and stores through the use cases a vendor, a
product and 20 small particle exports. It then starts the server in a subprocess as ``qualbridge
serve`` runs it (:mod:`bench.serve`: uvicorn with httptools and uvloop, each worker on a socket of its
own, no access log, the app factory ``qualbridge.api.app:create_app_from_env``, on 127.0.0.1 and a free
port) and drives it with ``wrk`` (a load generator written in C, the Debian package
``wrk``: the driver must not compete with the server for the machine's cores), ``--concurrency``
connections, each request's next one sent as soon as its answer arrives. The requests come from Lua
scripts the bench writes into its temporary folder. After an untimed warm-up, two timed phases:

1. **reads**: in turn an evidence listing (``GET /evidence?limit=20``), an evidence record
   (``GET /evidence/{id}``) and a raw download (``GET /evidence/{id}/raw``), every other download
   replaced by an evaluation read (``GET /evaluations/{id}``, of the product against
   ``iso14644-1/class-5/at-rest``) when the service offers evaluations; each request with its bearer
   token checked as in production (looked up in the database, then trusted from the worker's
   short-lived token cache, ``QUALBRIDGE_TOKEN_CACHE_SECONDS``). Every distinct read is made once
   before the phase and its answer checked (a raw download against its digest);
2. **uploads**: ``POST /evidence`` of a 1 MB particle-counter export (24,000 samples), multipart, each
   request a different file (the instrument serial differs), so each is parsed, stored and recorded as
   new. After the phase the bench counts the evidence stored: fewer new records than ``201 Created``
   answers fails the run.

**The baseline: the floor.** Beside QualBridge the bench serves :mod:`bench.api_floor`, a bare FastAPI
app under the same uvicorn set-up that answers the same reads with the same bytes (looked up by path)
and takes the same uploads through FastAPI's form parsing, writing and hashing the file. Each phase
runs on QualBridge and then at once on the floor; "of floor" is QualBridge's rate over the floor's, the
share of the framework's own capacity that QualBridge keeps, and a figure that holds still on a machine
whose speed does not.

It prints requests per second, the median and 99th-percentile latency of each phase (wrk's histogram),
the CPU time the server's processes spent per request (Linux: from ``/proc``), on a PostgreSQL server
of this machine the CPU time its processes spent per request too ("db ms/req": SQLite's work is in the
server's own figure), and the floor's rate, p99 and the ratio. An answer other than 2xx, a socket error
or a timeout counts as an error and is reported (a run with errors is not a result; an error on the
floor stops the run).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import make_url

from bench import api_floor
from qualbridge.demo.particles import SurveyPlan, write_survey
from qualbridge.services import accounts, intake, products, tokens
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.settings import Settings
from qualbridge.store.migrate import upgrade

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
META = {"issuer": "Bench Test Lab", "test_date": "2026-03-05", "subject": {"type": "room", "id": "C3"}}
SERIAL = b"Serial Number: LH-1170032"
PROFILE = "iso14644-1/class-5/at-rest"
BOUNDARY = "qualbridge-bench-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"

#: What every wrk script shares: statuses counted per thread, gathered and printed as JSON at the end.
LUA_COMMON = """
threads = {}
statuses = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "microseconds": %d, "p50_us": %d, "p99_us": %d, "statuses": {%s}, ' ..
    '"socket_errors": %d, "timeouts": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    table.concat(parts, ", "), e.connect + e.read + e.write, e.timeout))
end
"""

#: Reads: the requests built once per thread, then sent in turn.
LUA_READS = """
local requests = {}
local sent = 0

function init(args)
  for _, path in ipairs(PATHS) do
    table.insert(requests, wrk.format("GET", path))
  end
end

function request()
  sent = sent + 1
  return requests[(sent - 1) % #requests + 1]
end
"""

#: Uploads: the multipart body around the file's serial number, read once; each request's serial is
#: the run's tag, the thread and a counter, so no two bodies are the same.
LUA_UPLOADS = """
local head, tail, tag
local sent = 0

local function slurp(path)
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  return data
end

function init(args)
  tag, head, tail = args[1], slurp(args[2]), slurp(args[3])
end

function request()
  sent = sent + 1
  local body = head .. tag .. "-" .. id .. "-" .. sent .. tail
  return wrk.format("POST", PATH, nil, body)
end
"""


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    socket_errors: int
    timeouts: int
    #: CPU seconds of the server's processes during the phase (None: not measurable here).
    server_cpu_s: float | None
    #: CPU seconds of the PostgreSQL server's processes during the phase (None: SQLite, which runs in
    #: the server's own processes, or a database server on another machine).
    database_cpu_s: float | None = None
    #: Evidence records the phase added, counted afterwards (uploads only).
    stored: int | None = None
    #: The same phase on the bare FastAPI app of :mod:`bench.api_floor`.
    floor: Phase | None = None

    def with_stored(self, stored: int) -> Phase:
        return replace(self, stored=stored)

    def against(self, floor: Phase) -> Phase:
        if floor.errors:
            raise SystemExit(
                f"the floor app failed {floor.errors} requests of {floor.name!r}: {floor.statuses}"
            )
        return replace(self, floor=floor)

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def errors(self) -> int:
        """Answers other than 2xx, socket errors, timeouts, and uploads answered ``201 Created`` whose
        evidence was not found stored afterwards."""
        failed = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        unstored = 0 if self.stored is None else max(0, self.statuses.get(201, 0) - self.stored)
        return failed + self.socket_errors + self.timeouts + unstored

    def _per_request_ms(self, seconds: float | None) -> float | None:
        return None if seconds is None or not self.requests else round(seconds / self.requests * 1000, 2)

    def row(self) -> dict[str, Any]:
        return {
            "phase": self.name,
            "requests": self.requests,
            "errors": self.errors,
            "per_s": round(self.per_s, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "server_cpu_ms": self._per_request_ms(self.server_cpu_s),
            "database_cpu_ms": self._per_request_ms(self.database_cpu_s),
            "statuses": {str(s): n for s, n in sorted(self.statuses.items())},
            "stored": self.stored,
            "floor_per_s": None if self.floor is None else round(self.floor.per_s, 1),
            "floor_p99_ms": None if self.floor is None else round(self.floor.p99_ms, 2),
            "of_floor": None if self.floor is None else round(self.per_s / self.floor.per_s, 3),
        }


def particle_export(path: Path, samples: int) -> bytes:
    plan = SurveyPlan(
        iso_class=5, area_m2=80, locations=16, samples_per_location=-(-samples // 16), fraction=0.3
    )
    write_survey(path, plan, dialect="lighthouse")
    data = path.read_bytes()
    assert SERIAL in data, "the Lighthouse dialect names its serial number"
    return data


@contextmanager
def fresh_database(kind: str, postgres: str, folder: Path) -> Iterator[str]:
    """The URL of a new, migrated database; a PostgreSQL schema is dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
        upgrade(url)
        yield url
        return
    from sqlalchemy import text

    from qualbridge.store.db import make_engine

    schema = f"qb_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{postgres}?options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seed(settings: Settings, folder: Path) -> tuple[str, str, list[str]]:
    """A vendor's write token, its product and 20 evidence ids, stored through the use cases."""
    ctx = Context.from_settings(settings)
    try:
        org, user = accounts.bootstrap_organization(
            ctx,
            kind="vendor",
            name_en="Bench Vacuum Co.",
            name_zh="基准真空公司",
            country="CN",
            admin_email="bench@bench.example",
            admin_name="Bench",
            admin_password=None,
        )
        actor = Actor(org.id, "vendor", user.id, "admin", "write")
        token = tokens.issue_token(ctx, actor, name="bench", scope="write").secret
        product = products.create_product(ctx, actor, kind="equipment", model="VX-200", name="Chamber").id
        small = particle_export(folder / "small.csv", 200)
        ids = []
        for n in range(20):
            data = small.replace(SERIAL, f"Serial Number: S-{n}".encode())
            done = intake.ingest_file(
                ctx, actor, product_id=product, stream=io.BytesIO(data), filename=f"s{n}.csv", meta=META
            )
            ids.append(done.ingested.evidence.id)
        return token, str(product), ids
    finally:
        ctx.db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Server:
    base: str
    pid: int


@contextmanager
def server(settings: Settings, port: int, workers: int) -> Iterator[Server]:
    """QualBridge's API, as production runs it."""
    env = {
        "QUALBRIDGE_DATABASE_URL": settings.database_url,
        "QUALBRIDGE_BLOB_DIR": str(settings.blob_dir),
        "QUALBRIDGE_MAX_UPLOAD_BYTES": str(settings.max_upload_bytes),
    }
    factory = "qualbridge.api.app:create_app_from_env"
    with uvicorn_server(factory, env, port, workers, ready="/api/v1/openapi.json") as srv:
        yield srv


@contextmanager
def uvicorn_server(
    factory: str, env: dict[str, str], port: int, workers: int, *, ready: str
) -> Iterator[Server]:
    """An app factory served as ``qualbridge serve`` serves the API (:mod:`bench.serve`), in a subprocess,
    once ``ready`` answers 200."""
    command = [sys.executable, "-m", "bench.serve", factory, "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}{ready}", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start (exit code {process.poll()})")
            time.sleep(0.2)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _process_stats() -> Iterator[tuple[int, str, list[str]]]:
    """Each process's id, command name and the fields of its ``/proc/PID/stat`` after the name."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while the folder was read
            continue
        # The command name, in parentheses, may hold spaces: the fields that follow it are split.
        head, _, rest = stat.rpartition(")")
        yield int(entry.name), head.partition("(")[2], rest.split()


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def server_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process and its direct children (uvicorn's workers), from Linux's
    ``/proc``; None where there is no ``/proc``."""
    if not Path(f"/proc/{pid}/stat").exists():
        return None
    return sum(_cpu_seconds(fields) for p, _, fields in _process_stats() if pid in (p, int(fields[1])))


def database_cpu_seconds() -> float | None:
    """User + system CPU seconds of this machine's PostgreSQL server processes (the postmaster, its
    backends and its background workers, all named ``postgres``); None where there is no ``/proc`` or
    no such process. A backend that ends during a phase takes its time with it: the service's pooled
    connections stay open throughout."""
    if not Path("/proc/self/stat").exists():
        return None
    found = [_cpu_seconds(fields) for _, name, fields in _process_stats() if name == "postgres"]
    return sum(found) if found else None


#: Hosts of a database URL that name this machine (None: the server's local socket).
_THIS_MACHINE = (None, "", "localhost", "127.0.0.1", "::1")


def local_postgres(url: str) -> bool:
    """Whether ``url`` is a PostgreSQL server on this machine, whose CPU time ``/proc`` shows."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "postgresql" and parsed.host in _THIS_MACHINE


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: run scripts/system-deps (Debian package wrk)")
    return found


def lua_string(text: str) -> str:
    """``text`` as a Lua string literal (printable ASCII only, which JSON and Lua quote alike)."""
    if not text.isascii() or not text.isprintable():
        raise ValueError(f"not printable ASCII: {text!r}")
    return json.dumps(text)


def run_wrk(
    base: str, script: Path, *, seconds: int, connections: int, args: tuple[str, ...] = ()
) -> dict[str, Any]:
    command = [wrk_binary(), "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s"]
    command += ["-s", str(script), base, "--", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    reports = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not reports:
        raise SystemExit(f"wrk failed (exit code {done.returncode}):\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(reports[-1])
    return result


def _spent(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def timed(
    name: str, srv: Server, script: Path, args: argparse.Namespace, *extra: str, database: bool = False
) -> Phase:
    """A phase of wrk's load on ``srv``; ``database``: also count the local PostgreSQL server's CPU."""
    cpu_before = server_cpu_seconds(srv.pid)
    db_before = database_cpu_seconds() if database else None
    result = run_wrk(srv.base, script, seconds=args.seconds, connections=args.concurrency, args=extra)
    cpu = _spent(cpu_before, server_cpu_seconds(srv.pid))
    db = _spent(db_before, database_cpu_seconds() if database else None)
    return Phase(
        name=name,
        requests=result["requests"],
        seconds=result["microseconds"] / 1e6,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        statuses={int(s): n for s, n in result["statuses"].items()},
        socket_errors=result["socket_errors"],
        timeouts=result["timeouts"],
        server_cpu_s=cpu,
        database_cpu_s=db,
    )


def evaluate(client: httpx.Client, product: str) -> str | None:
    """An evaluation of the product, when the service offers evaluations (None: it does not)."""
    response = client.post(
        f"/api/v1/products/{product}/evaluations", json={"profile": PROFILE, "as_of": "2026-06-30"}
    )
    if response.status_code != 201:
        print(f"no evaluation reads: POST evaluations answered {response.status_code}", file=sys.stderr)
        return None
    evaluation_id: str = response.json()["id"]
    return evaluation_id


def check_reads(client: httpx.Client, paths: list[str]) -> dict[str, tuple[bytes, str]]:
    """Each distinct read once, untimed: it answers 200, and a raw download holds the bytes of its
    digest (wrk only counts statuses). The answers, with their content types, for the floor."""
    answers = {}
    for path in dict.fromkeys(paths):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:500]}")
        if path.endswith("/raw"):
            digest = "sha-256=:" + base64.b64encode(hashlib.sha256(response.content).digest()).decode()
            if response.headers.get("Repr-Digest") != digest + ":":
                raise SystemExit(f"GET {path}: the bytes do not match their digest")
        answers[path] = (response.content, response.headers["Content-Type"])
    return answers


def multipart_halves(product: str, data: bytes) -> tuple[bytes, bytes]:
    """An upload's multipart body cut where the file's serial number goes: the serial is the only part
    that differs from one request to the next."""
    fields = {"product_id": product, "meta": json.dumps(META)}
    head = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="upload.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    before, after = data.split(SERIAL, 1)
    return head + before + b"Serial Number: U-", after + f"\r\n--{BOUNDARY}--\r\n".encode()


def evidence_total(client: httpx.Client) -> int:
    response = client.get("/api/v1/evidence", params={"limit": 1})
    response.raise_for_status()
    total: int = response.json()["total"]
    return total


def settled_total(client: httpx.Client) -> int:
    """The evidence count once uploads wrk left in flight at the end of a phase have finished (the
    count stayed the same for a second)."""
    last = evidence_total(client)
    while True:
        time.sleep(1)
        now = evidence_total(client)
        if now == last:
            return now
        last = now


def read_paths(ids: list[str], evaluation: str | None) -> list[str]:
    paths: list[str] = []
    for evidence_id in ids:
        paths += [
            "/api/v1/evidence?limit=20",
            f"/api/v1/evidence/{evidence_id}",
            f"/api/v1/evidence/{evidence_id}/raw",
        ]
    if evaluation is not None:
        # Evaluation reads take the place of every other raw download.
        paths[2::6] = [f"/api/v1/evaluations/{evaluation}"] * len(paths[2::6])
    return paths


def by_route(paths: list[str]) -> dict[str, list[str]]:
    """The reads grouped by the route that answers them (for ``--per-route``)."""
    routes: dict[str, list[str]] = {}
    for path in paths:
        if "?" in path:
            name = "evidence list"
        elif path.endswith("/raw"):
            name = "raw download"
        elif "/evaluations/" in path:
            name = "evaluation"
        else:
            name = "evidence read"
        routes.setdefault(name, []).append(path)
    return routes


@dataclass(frozen=True, slots=True)
class Scripts:
    """The wrk scripts of one run, written into its temporary folder."""

    folder: Path
    token: str

    def reads(self, name: str, paths: list[str]) -> Path:
        listed = "{" + ", ".join(lua_string(p) for p in paths) + "}"
        return self._write(name, {"PATHS": listed}, LUA_READS)

    def uploads(self, product: str, data: bytes) -> tuple[Path, tuple[str, str]]:
        """The upload script and the files holding the two halves of its multipart body."""
        head, tail = multipart_halves(product, data)
        halves = (self.folder / "upload-head.bin", self.folder / "upload-tail.bin")
        halves[0].write_bytes(head)
        halves[1].write_bytes(tail)
        definitions = {
            "PATH": lua_string("/api/v1/evidence"),
            'wrk.headers["Content-Type"]': lua_string(MULTIPART),
        }
        return self._write("uploads", definitions, LUA_UPLOADS), (str(halves[0]), str(halves[1]))

    def _write(self, name: str, definitions: dict[str, str], body: str) -> Path:
        """The bearer token, the given Lua globals (already Lua expressions), then ``body``."""
        lines = [f'wrk.headers["Authorization"] = {lua_string("Bearer " + self.token)}']
        lines += [f"{key} = {value}" for key, value in definitions.items()]
        path = self.folder / f"{name.replace(' ', '-')}.lua"
        path.write_text("\n".join(lines) + "\n" + body + LUA_COMMON, encoding="ascii")
        return path


def check_upload(client: httpx.Client, halves: tuple[str, str]) -> None:
    """One upload of the body wrk sends, untimed: the multipart body is one the service accepts."""
    body = Path(halves[0]).read_bytes() + b"check" + Path(halves[1]).read_bytes()
    response = client.post("/api/v1/evidence", content=body, headers={"Content-Type": MULTIPART})
    if response.status_code != 201:
        raise SystemExit(f"the upload answered {response.status_code}: {response.text[:500]}")


@contextmanager
def floor_server(
    folder: Path, token: str, answers: dict[str, tuple[bytes, str]], workers: int
) -> Iterator[Server]:
    """The bare FastAPI app of :mod:`bench.api_floor`, answering the reads as QualBridge did."""
    spec = {
        "token": token,
        "answers": {
            path: {"body": base64.b64encode(body).decode(), "media_type": media_type}
            for path, (body, media_type) in answers.items()
        },
    }
    path = folder / "floor.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    env = {api_floor.ENVIRONMENT: str(path)}
    with uvicorn_server(
        "bench.api_floor:create_app", env, free_port(), workers, ready="/openapi.json"
    ) as srv:
        yield srv


def run(kind: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="qualbridge-bench-") as tmp:
        folder = Path(tmp)
        big = particle_export(folder / "big.csv", 24_000)
        with fresh_database(kind, args.postgres_url, folder) as url:
            settings = Settings(database_url=url, blob_dir=folder / "blobs", max_upload_bytes=8 << 20)
            token, product, ids = seed(settings, folder)
            scripts = Scripts(folder, token)
            headers = {"Authorization": f"Bearer {token}"}
            with (
                server(settings, free_port(), args.workers) as srv,
                httpx.Client(base_url=srv.base, headers=headers, timeout=60) as client,
            ):
                paths = read_paths(ids, evaluate(client, product))
                answers = check_reads(client, paths)
                uploads = scripts.uploads(product, big)
                check_upload(client, uploads[1])
                with floor_server(folder, token, answers, args.workers) as floor:
                    phases = measure(srv, floor, client, scripts, paths, uploads, args, local_postgres(url))
        size = len(big) / 1e6
        return [{"database": kind, **p.row(), "upload_mb": round(size, 2)} for p in phases]


def measure(
    srv: Server,
    floor: Server,
    client: httpx.Client,
    scripts: Scripts,
    paths: list[str],
    uploads: tuple[Path, tuple[str, str]],
    args: argparse.Namespace,
    database: bool,
) -> list[Phase]:
    """Each phase on QualBridge, then at once on the floor: the two see the same machine. ``database``:
    count the local PostgreSQL server's CPU in QualBridge's phases (the floor does not use it)."""
    reads = {"reads": scripts.reads("reads", paths)}
    if args.per_route:
        reads |= {f"- {name}": scripts.reads(name, subset) for name, subset in by_route(paths).items()}
    upload, halves = uploads
    # A short warm-up of each, untimed: connections, caches, the first import of each parser.
    for base in (srv.base, floor.base):
        run_wrk(base, reads["reads"], seconds=1, connections=args.concurrency)
        run_wrk(base, upload, seconds=1, connections=args.concurrency, args=("warm", *halves))
    # Uploads the warm-up left in flight finish before anything is timed.
    before = settled_total(client)
    phases = [
        timed(name, srv, script, args, database=database).against(timed(name, floor, script, args))
        for name, script in reads.items()
    ]
    phase = timed("uploads 1 MB", srv, upload, args, "timed", *halves, database=database)
    phase = phase.with_stored(settled_total(client) - before)
    return [*phases, phase.against(timed("uploads 1 MB", floor, upload, args, "floor", *halves))]


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """``--database`` (which of the two, or both) and ``--postgres-url``, as the API benches take them."""
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    postgres = os.environ.get("QUALBRIDGE_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    parser.add_argument("--postgres-url", default=postgres, help="server for the fresh schema")


def databases(args: argparse.Namespace) -> tuple[str, ...]:
    """The databases ``--database`` names."""
    return ("sqlite", "postgresql") if args.database == "both" else (args.database,)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_options(parser)
    parser.add_argument("--seconds", type=int, default=10, help="length of each timed phase (whole seconds)")
    parser.add_argument("--concurrency", type=int, default=32, help="connections, one request in flight each")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--per-route", action="store_true", help="also time each read route alone")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    wrk_binary()  # before any set-up: say at once when it is missing
    rows = [row for kind in databases(args) for row in run(kind, args)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    heads = (
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p99 ms",
        "cpu ms/req",
        "db ms/req",
        "floor/s",
        "floor p99",
        "of floor",
    )
    print(f"{'database':<11} {'phase':<17} " + " ".join(f"{h:>10}" for h in heads))
    for r in rows:
        share = None if r["of_floor"] is None else f"{r['of_floor']:.0%}"
        cells = (r["requests"], r["errors"], r["per_s"], r["p50_ms"], r["p99_ms"], r["server_cpu_ms"])
        cells += ("-" if r["database_cpu_ms"] is None else r["database_cpu_ms"],)
        cells += (r["floor_per_s"], r["floor_p99_ms"], share)
        print(f"{r['database']:<11} {r['phase']:<17} " + " ".join(f"{c!s:>10}" for c in cells))
        if r.get("stored") is not None:
            print(f"{'':<29} {r['stored']} evidence stored, answers {r['statuses']}")


if __name__ == "__main__":
    main()
