"""Instructions per API request, reads and 1 MB uploads, counted by valgrind's callgrind: this tree, and
a baseline commit in the same run.

    .venv/bin/python -m bench.api_instructions                          # both databases, this tree only
    .venv/bin/python -m bench.api_instructions --baseline HEAD~1        # and the commit before, with ratios
    .venv/bin/python -m bench.api_instructions --database sqlite --requests 50

Seconds on a shared machine change by half from one minute to the next, more than most changes to a
request's cost; a count of the instructions a request executes does not (the same code, inputs and
interpreter count the same whatever else the machine runs). That makes it the measure of a change to
a request's cost, where ``bench/api_load.py`` measures throughput and latency.

For each database and each tree the bench makes a fresh database (as ``bench/api_load.py`` does: a
SQLite file, or a new schema on the PostgreSQL server, dropped afterwards) with the same data: a
vendor, a product, 20 small particle exports and an evaluation of the product. Then one process under
``valgrind --tool=callgrind`` builds the app (``create_app``, its lifespan started) and calls it as ASGI,
in-process, for each read route in turn: 30 untimed requests, then ``--requests`` counted ones, the
count switched on only around them (``callgrind_control``). Last come the uploads: the load bench's
``POST /evidence`` of a 1 MB particle-counter export (multipart, its body handed over in 64 KiB parts
as uvicorn hands it over, each file a different one), 3 untimed, then ``--uploads`` counted. The counts
leave out the HTTP server (uvicorn's parsing, the sockets) and the kernel's work (an upload's file
writes and flushes to disk), the same for both trees.

The baseline is checked out into a temporary work tree (``git worktree``) and its ``qualbridge``
imported from there; its compiled extensions are this tree's, so their C sources must not differ, nor
its database migrations (both trees read the same database). It prints each route's count, the
baseline's and their ratio, and the same for the load bench's read mix (two listings, two records, a
raw download and an evaluation in six requests), and the uploads'.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.api_load import (
    MULTIPART,
    PROFILE,
    add_database_options,
    databases,
    fresh_database,
    multipart_halves,
    particle_export,
    seed,
)
from qualbridge.services import evaluations, tokens
from qualbridge.services.context import Context
from qualbridge.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
#: The read routes counted, and how many of each the load bench's read mix sends in six requests.
ROUTES = {"evidence list": 2, "evidence read": 2, "raw download": 1, "evaluation": 1}
#: What the two trees must have in common: the compiled extensions' sources, the database's schema.
SHARED = ("*.c", "src/qualbridge/store/migrations")
WARM_UP = 30
#: The upload route, counted on its own (it is not part of the read mix).
UPLOAD = "upload 1 MB"
UPLOAD_WARM_UP = 3
#: The size of the parts a request's body is handed to the app in (uvicorn's read size).
BODY_PART = 1 << 16


def paths(data: dict[str, Any]) -> dict[str, str]:
    first = data["ids"][0]
    return {
        "evidence list": "/api/v1/evidence?limit=20",
        "evidence read": f"/api/v1/evidence/{first}",
        "raw download": f"/api/v1/evidence/{first}/raw",
        "evaluation": f"/api/v1/evaluations/{data['evaluation']}",
    }


def seeded(settings: Settings, folder: Path) -> dict[str, Any]:
    """The bench's data (that of ``bench/api_load.py``), an evaluation of its product, and the two
    halves of an upload's multipart body (around the file's serial number), in files."""
    token, product, ids = seed(settings, folder)
    head, tail = multipart_halves(product, particle_export(folder / "upload.csv", 24_000))
    (folder / "upload-head.bin").write_bytes(head)
    (folder / "upload-tail.bin").write_bytes(tail)
    ctx = Context.from_settings(settings)
    try:
        actor = tokens.resolve_token(ctx, token)
        done = evaluations.run_evaluation_once(
            ctx, actor, uuid.UUID(product), profile=PROFILE, as_of=dt.date(2026, 6, 30)
        )
        evaluation = str(done.record.id)
    finally:
        ctx.db.dispose()
    halves = [str(folder / "upload-head.bin"), str(folder / "upload-tail.bin")]
    return {"token": token, "evaluation": evaluation, "ids": ids, "upload": halves}


# --- the counted process ------------------------------------------------------------------------------


def child(data_file: str, requests: int, uploads: int) -> None:
    """Run under callgrind: each route's requests, counted, then dumped as a part of their own."""
    from qualbridge.api.app import create_app

    data = json.loads(Path(data_file).read_text())
    settings = Settings(database_url=data["url"], blob_dir=Path(data["blobs"]))
    app = create_app(settings)
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {data['token']}".encode())]
    head, tail = (Path(half).read_bytes() for half in data["upload"])

    async def call(method: str, target: str, body: bytes = b"", *extra: tuple[bytes, bytes]) -> int:
        path, _, query = target.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [*headers, *extra],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        parts = [body[at : at + BODY_PART] for at in range(0, len(body), BODY_PART)] or [b""]
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> MutableMapping[str, Any]:
            part = parts.pop(0)
            return {"type": "http.request", "body": part, "more_body": bool(parts)}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        status: int = sent[0]["status"]
        return status

    async def get(target: str) -> None:
        status = await call("GET", target)
        if status != 200:
            raise SystemExit(f"GET {target} answered {status}")

    async def upload(serial: str) -> None:
        body = head + serial.encode() + tail
        extra = ((b"content-type", MULTIPART.encode()), (b"content-length", str(len(body)).encode()))
        status = await call("POST", "/api/v1/evidence", body, *extra)
        if status != 201:
            raise SystemExit(f"the upload of {serial} answered {status}")

    def control(*flags: str) -> None:
        subprocess.run(["callgrind_control", *flags, str(os.getpid())], check=True, capture_output=True)

    async def run() -> None:
        async with app.router.lifespan_context(app):
            for route, target in paths(data).items():
                for _ in range(WARM_UP):
                    await get(target)
                control("--instr=on")
                for _ in range(requests):
                    await get(target)
                control("--instr=off")
                control(f"--dump={route}")
            for n in range(UPLOAD_WARM_UP):
                await upload(f"warm-{n}")
            control("--instr=on")
            for n in range(uploads):
                await upload(f"counted-{n}")
            control("--instr=off")
            control(f"--dump={UPLOAD}")

    asyncio.run(run())


# --- the driver -----------------------------------------------------------------------------------------


def count(tree: Path, data_file: Path, requests: int, uploads: int, out: Path) -> dict[str, float]:
    """Instructions per request of each route (and per upload), ``tree``'s ``qualbridge`` under
    callgrind."""
    prefix = out / "callgrind.out"
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={prefix}.%p",
        sys.executable,
        "-m",
        "bench.api_instructions",
        "--child",
        str(data_file),
        "--requests",
        str(requests),
        "--uploads",
        str(uploads),
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree / "src"), str(ROOT)])}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the counted process failed ({done.returncode}):\n{done.stderr[-3000:]}")
    counts: dict[str, float] = {}
    for part in out.glob("callgrind.out.*"):
        text = part.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: dump (.+)$", text, re.M)
        total = re.search(r"^totals: (\d+)", text, re.M)
        if trigger and total and trigger.group(1) in (*ROUTES, UPLOAD):
            route = trigger.group(1)
            counts[route] = int(total.group(1)) / (uploads if route == UPLOAD else requests)
        part.unlink()
    missing = {*ROUTES, UPLOAD} - set(counts)
    if missing:
        raise SystemExit(f"no count for {sorted(missing)} in {out}")
    return {route: counts[route] for route in (*ROUTES, UPLOAD)}


@contextmanager
def baseline_tree(revision: str) -> Iterator[Path]:
    """``revision`` checked out beside this tree, with this tree's compiled extensions."""
    for path in SHARED:
        if subprocess.run(["git", "diff", "--quiet", revision, "--", path], cwd=ROOT).returncode != 0:
            raise SystemExit(f"{path} differs between {revision} and this tree: the two cannot share it")
    folder = Path(tempfile.mkdtemp(prefix="qualbridge-baseline-"))
    tree = folder / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--quiet", str(tree), revision], cwd=ROOT, check=True
    )
    try:
        for built in (ROOT / "src").rglob("*.so"):
            shutil.copy2(built, tree / built.relative_to(ROOT))
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def with_mix(counts: dict[str, float]) -> dict[str, float]:
    """The counts, and the load bench's read mix (each read route weighed by its share of the requests)
    after the reads."""
    mixed = sum(counts[route] * n for route, n in ROUTES.items()) / sum(ROUTES.values())
    reads = {route: counts[route] for route in ROUTES}
    return {**reads, "read mix": mixed, UPLOAD: counts[UPLOAD]}


@dataclass(frozen=True)
class Row:
    database: str
    route: str
    instructions: float
    baseline: float | None

    def cells(self) -> tuple[str, ...]:
        before = "-" if self.baseline is None else f"{self.baseline / 1e6:.2f}"
        ratio = "-" if self.baseline is None else f"{self.instructions / self.baseline:.2f}"
        return (self.database, self.route, f"{self.instructions / 1e6:.2f}", before, ratio)


def run(kind: str, args: argparse.Namespace, baseline: Path | None) -> list[Row]:
    mine = counted(ROOT, kind, args)
    theirs = counted(baseline, kind, args) if baseline else {}
    return [Row(kind, route, value, theirs.get(route)) for route, value in mine.items()]


def counted(tree: Path, kind: str, args: argparse.Namespace) -> dict[str, float]:
    """``tree``'s counts on a fresh database of its own (the uploads add to it) with the bench's data."""
    with tempfile.TemporaryDirectory(prefix="qualbridge-bench-") as tmp:
        folder = Path(tmp)
        with fresh_database(kind, args.postgres_url, folder) as url:
            settings = Settings(database_url=url, blob_dir=folder / "blobs")
            data = {"url": url, "blobs": str(folder / "blobs"), **seeded(settings, folder)}
            data_file = folder / "data.json"
            data_file.write_text(json.dumps(data))
            return with_mix(count(tree, data_file, args.requests, args.uploads, folder))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_options(parser)
    parser.add_argument("--requests", type=int, default=100, help="counted requests of each route")
    parser.add_argument("--uploads", type=int, default=20, help="counted uploads of 1 MB")
    parser.add_argument("--baseline", metavar="REV", help="a commit to count as well, for ratios")
    parser.add_argument("--child", metavar="DATA", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.requests, args.uploads)
        return
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (Debian package valgrind; `make install` installs it)")
    with baseline_tree(args.baseline) if args.baseline else nullcontext() as baseline:
        rows = [row for kind in databases(args) for row in run(kind, args, baseline)]
    heads = ("database", "route", "M instr/request", f"baseline {args.baseline or ''}".strip(), "ratio")
    for cells in [heads, *(row.cells() for row in rows)]:
        print(f"{cells[0]:<11} {cells[1]:<15} {cells[2]:>16} {cells[3]:>20} {cells[4]:>7}")


if __name__ == "__main__":
    main()
