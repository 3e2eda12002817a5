"""The database schema: SQLAlchemy 2 table models. They never leave ``store/`` and ``services/``."""

from qualbridge.store.models.accounts import ORG_KINDS, ROLES, SCOPES, ApiToken, Organization, User
from qualbridge.store.models.audit import AuditEvent, IdempotencyKey
from qualbridge.store.models.base import Base
from qualbridge.store.models.catalog import PRODUCT_KINDS, Product, ProductComponent
from qualbridge.store.models.evidence import Blob, Evidence, EvidenceLink
from qualbridge.store.models.qualification import (
    PROFILE_STATUSES,
    Evaluation,
    EvaluationInput,
    Package,
    PackageEvaluation,
    PackageEvidence,
    PackageProfile,
    Profile,
    Share,
)
from qualbridge.store.models.transparency import (
    KEY_PURPOSES,
    Attestation,
    LogCheckpoint,
    LogCosignature,
    LogEntry,
    LogNode,
    SigningKey,
)

__all__ = [
    "KEY_PURPOSES",
    "ORG_KINDS",
    "PRODUCT_KINDS",
    "PROFILE_STATUSES",
    "ROLES",
    "SCOPES",
    "ApiToken",
    "Attestation",
    "AuditEvent",
    "Base",
    "Blob",
    "Evaluation",
    "EvaluationInput",
    "Evidence",
    "EvidenceLink",
    "IdempotencyKey",
    "LogCheckpoint",
    "LogCosignature",
    "LogEntry",
    "LogNode",
    "Organization",
    "Package",
    "PackageEvaluation",
    "PackageEvidence",
    "PackageProfile",
    "Product",
    "ProductComponent",
    "Profile",
    "Share",
    "SigningKey",
    "User",
]
