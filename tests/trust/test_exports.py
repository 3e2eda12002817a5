"""The public names of qualbridge.trust are pinned, and the core stays pure."""

import ast
from pathlib import Path

import qualbridge.trust as trust


def test_public_exports() -> None:
    assert sorted(trust.__all__) == sorted(
        [
            "Batch",
            "Bundle",
            "Checkpoint",
            "Envelope",
            "EvaluationInput",
            "Freshness",
            "KeyCertificate",
            "KeyRevocation",
            "KeyValidity",
            "LogStorage",
            "Logged",
            "MemoryStorage",
            "Note",
            "NoteSigner",
            "NoteVerifier",
            "Rerun",
            "SigningKey",
            "Statement",
            "Subject",
            "TlogProof",
            "TransparencyLog",
            "TrustRoot",
            "VerificationReport",
            "VerifyingKey",
            "Witness",
            "WitnessPolicy",
            "assemble",
            "check_freshness",
            "cosign",
            "open_checkpoint",
            "verify_bundle",
        ]
    )
    assert all(hasattr(trust, name) for name in trust.__all__)


def test_the_core_imports_only_canonical_json_errors_and_itself() -> None:
    for path in Path(trust.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            for module in modules:
                parts = module.split(".")
                assert parts[0] not in {"fastapi", "sqlalchemy", "typer", "rich", "jinja2", "httpx"}, (
                    path.name
                )
                if parts[0] == "qualbridge":
                    assert parts[1] in {"trust", "canonical", "errors"}, f"{path.name} imports {module}"
