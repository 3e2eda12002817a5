"""`qualbridge verify`: numbered steps, exit codes 0 / 1 / 2, --json, and no store or API imported."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualbridge.cli.main import app
from qualbridge.trust import intoto
from qualbridge.trust.bundle import Bundle
from qualbridge.trust.dsse import Envelope
from tests.trust.scenario import World, chamber_bundle

runner = CliRunner()


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Bundle, Path]:
    """A bundle with a real evaluation of the demo chamber, and the trust root, written to disk."""
    folder = tmp_path_factory.mktemp("chamber")
    world, _, bundle = chamber_bundle(folder / "exports")
    (folder / "trust-root.json").write_bytes(world.trust_root.to_bytes())
    (folder / "bundle.zip").write_bytes(bundle.to_bytes())
    return world, bundle, folder


def _verify(folder: Path, *args: str, bundle: str = "bundle.zip") -> tuple[int, str]:
    result = runner.invoke(
        app, ["verify", str(folder / bundle), "--trust-root", str(folder / "trust-root.json"), *args]
    )
    return result.exit_code, result.output


def test_a_genuine_bundle_verifies_with_every_step_shown(issued: tuple[World, Bundle, Path]) -> None:
    _world, _, folder = issued
    code, out = _verify(folder)
    assert code == 0, out
    for number, name in enumerate(
        (
            "bundle and file digests",
            "attestation signatures",
            "checkpoint and witnesses",
            "inclusion proofs",
            "status as of the checkpoint",
            "evaluation re-run",
        ),
        1,
    ):
        assert f"✓ {number} {name}" in out
    assert "tree size 9" in out  # eight evidence statements and the evaluation
    assert "cosigned by witness0.example" in out
    assert "verified" in out


def test_json_is_the_report(issued: tuple[World, Bundle, Path]) -> None:
    _, _, folder = issued
    code, out = _verify(folder, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True
    assert [s["status"] for s in doc["steps"]] == ["passed"] * 6
    assert doc["checkpoint"]["treeSize"] == 9
    assert sorted(s["logIndex"] for s in doc["statements"]) == list(range(9))


def _member(bundle: Bundle, prefix: str) -> str:
    return sorted(p for p in bundle.members if p.startswith(prefix))[0]


def _evidence_envelope(bundle: Bundle) -> str:
    for path in sorted(bundle.members):
        if path.startswith("attestations/") and (
            json.loads(Envelope.from_json(bundle.members[path]).payload)["predicateType"] == intoto.EVIDENCE
        ):
            return path
    raise AssertionError("no evidence envelope")


def _swap(data: bytes, at: int) -> bytes:
    """Another character of the same alphabet at ``at``: only the value changes, never the syntax."""
    return data[:at] + (b"B" if data[at : at + 1] != b"B" else b"C") + data[at + 1 :]


def _after(data: bytes, marker: bytes, skip: int) -> int:
    return data.index(marker) + len(marker) + skip


Tamper = Callable[[Bundle], tuple[str, bytes]]
TAMPERS: dict[str, tuple[Tamper, int, str]] = {
    "manifest": (
        lambda b: (
            "manifest.json",
            b.members["manifest.json"].replace(b"vnd.qualbridge.bundle", b"vnd.other"),
        ),
        1,
        "not a QualBridge bundle manifest",
    ),
    "raw file": (
        lambda b: (p := _member(b, "files/"), b.members[p][:-2] + b"\x00\n"),
        1,
        "listed as",
    ),
    "signature": (
        lambda b: (p := _evidence_envelope(b), _swap(b.members[p], _after(b.members[p], b'"sig":"', 12))),
        2,
        "attestations/",
    ),
    "checkpoint": (
        lambda b: (
            "checkpoint",
            _swap(b.members["checkpoint"], _after(b.members["checkpoint"], b"\n9\n", 0)),
        ),
        3,
        "checkpoint: the signature by qualbridge.example/log/2026 does not verify",
    ),
    "proof node": (
        lambda b: (
            p := _member(b, "proofs/"),
            _swap(b.members[p], b.members[p].index(b"\n", b.members[p].index(b"index ")) + 6),
        ),
        4,
        "does not lead to the root of tree size 9",
    ),
    "status": (
        lambda b: (
            "status.dsse.json",
            _swap(b.members["status.dsse.json"], _after(b.members["status.dsse.json"], b'"payload":"', 60)),
        ),
        5,
        "status.dsse.json: ",
    ),
}


@pytest.mark.parametrize("part", TAMPERS)
def test_a_tampered_part_fails_with_exit_1_naming_its_step(
    part: str, issued: tuple[World, Bundle, Path], tmp_path: Path
) -> None:
    _, bundle, folder = issued
    locate, step, words = TAMPERS[part]
    path, data = locate(bundle)
    members = {**bundle.members, path: data}
    (tmp_path / "tampered.zip").write_bytes(Bundle(bundle.manifest, members).to_bytes())
    (tmp_path / "trust-root.json").write_bytes((folder / "trust-root.json").read_bytes())
    code, out = _verify(tmp_path, bundle="tampered.zip")
    assert code == 1, out
    assert f"✗ {step} " in out
    assert f"step {step}: " in out
    assert words in out
    code, out = _verify(tmp_path, "--json", bundle="tampered.zip")
    assert code == 1
    doc = json.loads(out)
    assert (doc["ok"], doc["step"]) == (False, step)
    assert doc["error"].startswith(f"step {step}: ")


def test_a_record_the_raw_file_does_not_give_fails_at_step_6(tmp_path: Path) -> None:
    world, _, bundle = chamber_bundle(tmp_path / "exports", alter="rga-scan.csv")
    (tmp_path / "bundle.zip").write_bytes(bundle.to_bytes())
    (tmp_path / "trust-root.json").write_bytes(world.trust_root.to_bytes())
    code, out = _verify(tmp_path)
    assert code == 1
    assert "✗ 6 evaluation re-run" in out
    assert "step 6: rga-scan.csv: parsing the raw file does not reproduce the signed record" in out


def test_bad_input_files_exit_2(issued: tuple[World, Bundle, Path], tmp_path: Path) -> None:
    _, _, folder = issued
    (tmp_path / "bundle.zip").write_bytes((folder / "bundle.zip").read_bytes())
    code, out = _verify(tmp_path)
    assert code == 2
    assert "cannot read the trust root" in out
    (tmp_path / "trust-root.json").write_text("not json", encoding="utf-8")
    code, out = _verify(tmp_path, "--json")
    assert code == 2
    doc = json.loads(out)
    assert doc["ok"] is False
    assert doc["step"] is None
    assert "the trust root is not JSON" in doc["error"]
    (tmp_path / "trust-root.json").write_bytes((folder / "trust-root.json").read_bytes())
    code, out = _verify(tmp_path, bundle="missing.zip")
    assert code == 2
    assert "missing.zip: cannot read the bundle" in out


def test_another_trust_root_fails_at_the_signatures(
    issued: tuple[World, Bundle, Path], tmp_path: Path
) -> None:
    _, _, folder = issued
    other = World(center=World().lab)  # another center key than the one that certified the lab
    (tmp_path / "bundle.zip").write_bytes((folder / "bundle.zip").read_bytes())
    (tmp_path / "trust-root.json").write_bytes(other.trust_root.to_bytes())
    code, out = _verify(tmp_path)
    assert code == 1
    assert "step 2: " in out


def test_verify_imports_nothing_of_the_store_or_the_api(issued: tuple[World, Bundle, Path]) -> None:
    """Offline verification runs on a laptop with no database and no server: prove it in a fresh process."""
    _, _, folder = issued
    script = (
        "import sys\n"
        "from qualbridge.cli.main import app\n"
        "try:\n"
        f"    app(['verify', {str(folder / 'bundle.zip')!r}, '--trust-root', "
        f"{str(folder / 'trust-root.json')!r}, '--json'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "bad = sorted(m for m in sys.modules\n"
        "    if m.split('.')[0] in ('sqlalchemy', 'fastapi', 'uvicorn', 'alembic')\n"
        "    or m.startswith(('qualbridge.store', 'qualbridge.api', 'qualbridge.web')))\n"
        "print('IMPORTED', bad, file=sys.stderr)\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "IMPORTED []" in done.stderr
    assert json.loads(done.stdout)["ok"] is True


def test_steps_are_named_in_chinese_with_lang_zh(issued: tuple[World, Bundle, Path]) -> None:
    _, _, folder = issued
    code, out = _verify(folder, "--lang", "zh")
    assert code == 0, out
    assert "✓ 1 捆绑包与文件摘要" in out
    assert "✓ 6 重新运行评估" in out
    assert "验证通过" in out
