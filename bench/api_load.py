"""Load on the HTTP API over loopback: reads and 1 MB uploads, on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.api_load                          # both databases, 10 s per phase
    .venv/bin/python -m bench.api_load --database sqlite --seconds 3

For each database the bench makes a fresh one (a SQLite file in a temporary folder; a new schema on the
PostgreSQL server, dropped afterwards), migrates it, and stores through the use cases a vendor, a
product and 20 small particle exports. It then starts the server in a subprocess (uvicorn, the app
factory ``qualbridge.api.app:create_app_from_env``, on 127.0.0.1 and a free port) and drives it from
this process (httpx, asyncio, ``--concurrency`` requests in flight) for two timed phases:

1. **reads**: in turn an evidence listing (``GET /evidence?limit=20``), an evidence record
   (``GET /evidence/{id}``) and a raw download (``GET /evidence/{id}/raw``, digest verified on every
   read), every other download replaced by an evaluation read (``GET /evaluations/{id}``, of the
   product against ``iso14644-1/class-5/at-rest``) when the service offers evaluations; each request
   with its bearer token checked as in production (looked up in the database, then trusted from the
   worker's short-lived token cache, ``QUALBRIDGE_TOKEN_CACHE_SECONDS``);
2. **uploads**: ``POST /evidence`` of a 1 MB particle-counter export (24,000 samples), each request a
   different file (the instrument serial differs), so each is parsed, stored and recorded as new.

It prints requests per second and the median and 99th-percentile latency of each phase; a request that
does not succeed counts as an error and is reported (a run with errors is not a result).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

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

Request = tuple[str, str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def row(self) -> dict[str, Any]:
        return {
            "phase": self.name,
            "requests": self.requests,
            "errors": self.errors,
            "per_s": round(self.requests / self.seconds, 1),
            "p50_ms": round(self.percentile(0.50), 2),
            "p99_ms": round(self.percentile(0.99), 2),
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


@contextmanager
def server(settings: Settings, port: int, workers: int) -> Iterator[str]:
    env = {
        **os.environ,
        "QUALBRIDGE_DATABASE_URL": settings.database_url,
        "QUALBRIDGE_BLOB_DIR": str(settings.blob_dir),
        "QUALBRIDGE_MAX_UPLOAD_BYTES": str(settings.max_upload_bytes),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "qualbridge.api.app:create_app_from_env"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start (exit code {process.poll()})")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def evaluate(base: str, token: str, product: str) -> str | None:
    """An evaluation of the product, when the service offers evaluations (None: it does not)."""
    response = httpx.post(
        f"{base}/api/v1/products/{product}/evaluations",
        json={"profile": PROFILE, "as_of": "2026-06-30"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    if response.status_code != 201:
        print(f"no evaluation reads: POST evaluations answered {response.status_code}", file=sys.stderr)
        return None
    evaluation_id: str = response.json()["id"]
    return evaluation_id


async def drive(
    base: str, token: str, name: str, make: Callable[[int], Request], seconds: float, concurrency: int
) -> Phase:
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker(first: int) -> None:
            nonlocal errors
            i = first
            while time.perf_counter() < deadline:
                method, url, options = make(i)
                sent = time.perf_counter()
                response = await client.request(method, url, **options)
                await response.aread()
                latencies.append((time.perf_counter() - sent) * 1000)
                errors += response.status_code >= 300
                i += concurrency

        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Phase(name, len(latencies), errors, elapsed, latencies)


def run(kind: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="qualbridge-bench-") as tmp:
        folder = Path(tmp)
        big = particle_export(folder / "big.csv", 24_000)
        with fresh_database(kind, args.postgres_url, folder) as url:
            settings = Settings(database_url=url, blob_dir=folder / "blobs", max_upload_bytes=8 << 20)
            token, product, ids = seed(settings, folder)
            reads: list[Request] = []
            for evidence_id in ids:
                reads += [
                    ("GET", "/api/v1/evidence", {"params": {"limit": 20}}),
                    ("GET", f"/api/v1/evidence/{evidence_id}", {}),
                    ("GET", f"/api/v1/evidence/{evidence_id}/raw", {}),
                ]

            def upload(i: int) -> Request:
                data = big.replace(SERIAL, f"Serial Number: U-{uuid.uuid4().hex}".encode())
                form = {"product_id": product, "meta": json.dumps(META)}
                return ("POST", "/api/v1/evidence", {"data": form, "files": {"file": (f"u{i}.csv", data)}})

            def read(i: int) -> Request:
                return reads[i % len(reads)]

            def timed(name: str, make: Callable[[int], Request], seconds: float) -> Phase:
                return asyncio.run(drive(base, token, name, make, seconds, args.concurrency))

            with server(settings, free_port(), args.workers) as base:
                evaluation = evaluate(base, token, product)
                if evaluation is not None:
                    # Evaluation reads take the place of every other raw download.
                    reads[2::6] = [("GET", f"/api/v1/evaluations/{evaluation}", {})] * len(reads[2::6])
                # A short warm-up, untimed: connections, caches, the first import of each parser.
                timed("warm-up", read, 1)
                timed("warm-up", upload, 1)
                phases = [timed("reads", read, args.seconds), timed("uploads 1 MB", upload, args.seconds)]
        size = len(big) / 1e6
        return [{"database": kind, **p.row(), "upload_mb": round(size, 2)} for p in phases]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    postgres = os.environ.get("QUALBRIDGE_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    parser.add_argument("--postgres-url", default=postgres, help="server for the fresh schema")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each timed phase")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    rows = [row for kind in kinds for row in run(kind, args)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    heads = ("requests", "errors", "req/s", "p50 ms", "p99 ms")
    print(f"{'database':<11} {'phase':<13} " + " ".join(f"{h:>8}" for h in heads))
    for r in rows:
        print(
            f"{r['database']:<11} {r['phase']:<13} {r['requests']:>8} {r['errors']:>8} "
            f"{r['per_s']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8}"
        )


if __name__ == "__main__":
    main()
