"""Append to a transparency log, prove inclusion and verify, against pymerkle in the same run.

    .venv/bin/python -m bench.log                      # 1,000,000 entries
    .venv/bin/python -m bench.log --entries 100000     # a quick run

Both implementations get the same entries — realistic QualBridge log entries (the canonical JSON a DSSE
attestation is logged as, 515 bytes each) — and each runs in a fresh subprocess, so that its peak
memory (max RSS) is its own:

1. **qualbridge**: ``TransparencyLog`` over ``MemoryStorage``, appended in batches of ``--batch``
   entries (the way the service appends: one batch per transaction), then ``inclusion_proof`` for
   ``--proofs`` random indices at the full size and ``merkle.verify_inclusion`` of each;
2. **pymerkle** (7.x, ``InmemoryTree``, RFC 6962-compatible hashing with its security prefixes on):
   ``append_entry`` per entry (its ``append_entries`` is the same loop), ``prove_inclusion`` and
   ``verify_inclusion`` for the same indices (fewer of them by default: it is slower).

Both must end with the same root hash, and every proof must verify, or the run fails. Appends are timed
from the first to the last entry (entry generation excluded); "sustained" is the slowest tenth of the
run, so a rate that decays as the tree grows shows there.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

Result = dict[str, Any]
SEED = 6962


def entries(n: int) -> list[bytes]:
    """``n`` distinct log entries shaped like ``qualbridge.trust.entry.log_entry`` output."""
    template = (
        b'{"apiVersion":"1","kind":"qualbridge/dsse","spec":{"payloadSha256":"%064x",'
        b'"payloadType":"application/vnd.in-toto+json",'
        b'"predicateType":"https://qualbridge.dev/attestations/evidence/v1",'
        b'"signatures":[{"keyid":"%064x","sig":"%088x"}],"subjects":["%064x"]}}'
    )
    return [template % (i, i * 7919, i * 104729, i * 1299709) for i in range(n)]


def _rates(chunk_times: list[float], chunk: int, total: int) -> tuple[float, float]:
    """Overall rate and the rate of the slowest tenth of the run."""
    overall = total / sum(chunk_times)
    tenth = max(1, len(chunk_times) // 10)
    windows = [sum(chunk_times[i : i + tenth]) for i in range(0, len(chunk_times) - tenth + 1, tenth)]
    return overall, chunk * tenth / max(windows)


def run_qualbridge(n: int, batch: int, proofs: int) -> Result:
    from qualbridge.trust import merkle
    from qualbridge.trust.log import MemoryStorage, TransparencyLog

    data = entries(n)
    log = TransparencyLog(MemoryStorage(), origin="bench.example/log")
    times = []
    for start in range(0, n, batch):
        t0 = time.perf_counter()
        log.append(data[start : start + batch])
        times.append(time.perf_counter() - t0)
    appends, sustained = _rates(times, batch, n)
    indices = random.Random(SEED).choices(range(n), k=proofs)
    t0 = time.perf_counter()
    paths = [log.inclusion_proof(i) for i in indices]
    prove = time.perf_counter() - t0
    root = log.root()
    leaves = [log.leaf_hash(i) for i in indices]
    t0 = time.perf_counter()
    for index, leaf, path in zip(indices, leaves, paths, strict=True):
        merkle.verify_inclusion(index, n, leaf, path, root)
    verify = time.perf_counter() - t0
    return {"appends": appends, "sustained": sustained, "proofs": proofs / prove, "verifies": proofs / verify,
            "root": root.hex(), "count": proofs}  # fmt: skip


def run_pymerkle(n: int, batch: int, proofs: int) -> Result:
    from pymerkle import InmemoryTree, verify_inclusion

    data = entries(n)
    tree = InmemoryTree()
    times = []
    for start in range(0, n, batch):
        t0 = time.perf_counter()
        for entry in data[start : start + batch]:
            tree.append_entry(entry)
        times.append(time.perf_counter() - t0)
    appends, sustained = _rates(times, batch, n)
    indices = random.Random(SEED).choices(range(n), k=proofs)
    t0 = time.perf_counter()
    paths = [tree.prove_inclusion(i + 1) for i in indices]  # pymerkle counts leaves from 1
    prove = time.perf_counter() - t0
    root = tree.get_root()
    leaves = [tree.get_leaf(i + 1) for i in indices]
    t0 = time.perf_counter()
    for leaf, path in zip(leaves, paths, strict=True):
        verify_inclusion(leaf, root, path)
    verify = time.perf_counter() - t0
    return {"appends": appends, "sustained": sustained, "proofs": proofs / prove, "verifies": proofs / verify,
            "root": root.hex(), "count": proofs}  # fmt: skip


RUNNERS = {"qualbridge": run_qualbridge, "pymerkle": run_pymerkle}


def measure(name: str, n: int, batch: int, proofs: int) -> None:
    result = RUNNERS[name](n, batch, proofs)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(json.dumps(result))


def _child(name: str, n: int, batch: int, proofs: int) -> Result:
    cmd = [sys.executable, "-m", "bench.log", "--measure", name, "--entries", str(n), "--batch", str(batch),
           "--proofs", str(proofs)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=Path(__file__).parent.parent)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    result: Result = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(n: int, batch: int, proofs: int, baseline_proofs: int) -> None:
    print(f"{n:,} entries in batches of {batch:,}; proofs: {proofs:,} ours, {baseline_proofs:,} pymerkle")
    ours = _child("qualbridge", n, batch, proofs)
    base = _child("pymerkle", n, batch, baseline_proofs)
    if ours["root"] != base["root"]:
        raise SystemExit(f"the roots differ: qualbridge {ours['root']}, pymerkle {base['root']}")
    print(f"both roots: {ours['root']}")
    print(f"{'':12}{'appends/s':>12}{'sustained':>12}{'proofs/s':>12}{'verifies/s':>12}{'peak RSS':>11}")
    for name, r in (("qualbridge", ours), ("pymerkle", base)):
        print(f"{name:12}{r['appends']:>12,.0f}{r['sustained']:>12,.0f}{r['proofs']:>12,.0f}"
              f"{r['verifies']:>12,.0f}{r['peak_mb']:>8,.0f} MB")  # fmt: skip
    ratios = [f"{key} {ours[key] / base[key]:.1f}x" for key in ("appends", "sustained", "proofs", "verifies")]
    print("ratios qualbridge/pymerkle: " + ", ".join(ratios))
    targets = [
        ("≥ 20,000 appends/s sustained", ours["sustained"] >= 20_000),
        ("≥ 10,000 inclusion proofs/s", ours["proofs"] >= 10_000),
        ("≥ 10x pymerkle on appends", ours["appends"] >= 10 * base["appends"]),
    ]
    for text, met in targets:
        print(f"target {text}: {'met' if met else 'NOT MET'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000, help="log size (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=1_000, help="entries per batch (default 1,000)")
    parser.add_argument("--proofs", type=int, default=100_000, help="qualbridge proofs (default 100,000)")
    parser.add_argument("--baseline-proofs", type=int, default=10_000, help="pymerkle proofs (10,000)")
    parser.add_argument("--measure", choices=sorted(RUNNERS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.entries < 1 or args.batch < 1:
        parser.error("--entries and --batch must be positive")
    if args.measure:
        measure(args.measure, args.entries, args.batch, args.proofs)
    else:
        compare(args.entries, args.batch, args.proofs, args.baseline_proofs)


if __name__ == "__main__":
    main()
