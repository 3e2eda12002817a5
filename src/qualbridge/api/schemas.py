"""Request and response bodies of the API. Requests are strict (unknown fields refused); responses are
built from the records the use cases return, never from table rows."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from qualbridge.evidence.models import Evidence
from qualbridge.services.actor import OrgKind, Role, Scope

T = TypeVar("T")

# Text the service stores the same on every database: no control characters, and (where a value is
# required) at least one character that is not a space. Stated in the schema, so clients know.
_C = r"\x00-\x1f\x7f-\x9f"
NO_CONTROL = rf"^[^{_C}]*$"
SOME_TEXT = rf"^[^{_C}]*[^\s{_C}][^{_C}]*$"
Email = Annotated[
    str, Field(min_length=3, max_length=254, pattern=rf"^[^@\s{_C}]+@[^@\s{_C}]+\.[^@\s{_C}]+$")
]


def text(max_length: int, description: str | None = None) -> Any:
    """A required line of text of at most ``max_length`` characters."""
    return Field(min_length=1, max_length=max_length, pattern=SOME_TEXT, description=description)


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


#: A calendar date, written YYYY-MM-DD only (not a timestamp, not another order).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
ProductKind = Literal["equipment", "subsystem", "component", "material"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageOut(Response, Generic[T]):
    items: list[T]
    total: int = Field(description="Items matching the query, on all pages.")
    limit: int
    offset: int


# --- organizations and users ---------------------------------------------------------------------------


#: An organization's short name: lower-case letters, digits and hyphens.
SLUG = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"


class OrgEntryOut(Response):
    """An organization's public directory entry."""

    id: uuid.UUID
    slug: str = Field(description="Unique short name, e.g. dresden-example-wafer-fab")
    kind: OrgKind
    name_en: str
    name_zh: str
    country: str


class OrgOut(OrgEntryOut):
    created_at: dt.datetime


class UserOut(Response):
    id: uuid.UUID
    org_id: uuid.UUID
    email: str
    name: str
    role: Role
    created_at: dt.datetime


class MeOut(Response):
    org: OrgOut
    user: UserOut


class UserIn(Request):
    email: Email
    name: str = text(200)
    role: Role
    password: str | None = Field(default=None, min_length=12, max_length=1024, description="None: API only")


class OrgIn(Request):
    kind: OrgKind
    name_en: str = text(200)
    name_zh: str = text(200)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. CN, DE, US")
    slug: str | None = Field(default=None, pattern=SLUG, description="Default: made from name_en")
    admin: UserIn = Field(description="The organization's first admin (the role given is ignored)")


class OrgCreatedOut(Response):
    org: OrgOut
    admin: UserOut


# --- tokens --------------------------------------------------------------------------------------------


class TokenIn(Request):
    name: str = text(100, "What the token is for")
    scope: Scope = "read"
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Days until it expires; at most the server's limit (90 by default)",
    )


class PasswordTokenIn(TokenIn):
    email: Email
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(Response):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str = Field(description="The first characters, to recognise the token")
    scope: Scope
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenIssuedOut(Response):
    token: TokenOut
    secret: str = Field(description="The token itself: shown this once, never again")


# --- products ------------------------------------------------------------------------------------------


class ProductIn(Request):
    kind: ProductKind
    model: str = text(100)
    name: str = text(200)


class ProductOut(Response):
    id: uuid.UUID
    owner_org_id: uuid.UUID
    kind: ProductKind
    model: str
    name: str
    created_at: dt.datetime


class ComponentIn(Request):
    quantity: int = Field(default=1, ge=1, le=100_000)


class ComponentOut(Response):
    product: ProductOut
    quantity: int


# --- evidence ------------------------------------------------------------------------------------------

EvidenceIdText = Annotated[
    str, Field(pattern=r"^sha256:[0-9a-f]{64}$", description="Content id: sha256:<hex>")
]


class RawFileOut(Response):
    digest: str
    filename: str | None
    size: int
    media_type: str


class EvidenceSummaryOut(Response):
    id: str = Field(description="Content id: sha256 of the evidence's canonical JSON")
    kind: str
    issuer: str
    test_date: dt.date
    subject_type: str
    subject_id: str
    raw: RawFileOut | None = Field(description="The raw file kept for this evidence, if any")
    uploaded_by_org: uuid.UUID
    uploaded_by_user: uuid.UUID
    created_at: dt.datetime


class LogOut(Response):
    index: int = Field(description="The attestation's index in the transparency log")
    checkpoint_size: int = Field(description="Size of the latest signed checkpoint (GET /log/checkpoint)")
    statement_digest: str = Field(description="sha256 of the signed in-toto statement")


EvidenceStatus = Literal["valid", "suspended", "withdrawn", "superseded"]


class EvidenceOut(EvidenceSummaryOut):
    document: dict[str, Any] = Field(description="The evidence document (see `qualbridge schema`)")
    products: list[ProductOut] = Field(description="Products this evidence is recorded on")
    log: LogOut | None = Field(default=None, description="Its signed attestation in the transparency log")
    status: EvidenceStatus = Field(default="valid", description="The latest logged status change")


class EvidenceStatusIn(Request):
    status: EvidenceStatus
    reason: str = text(500, "Why, for the record (it is public in the log's status change)")
    superseded_by: EvidenceIdText | None = Field(
        default=None, description="The evidence that replaces this one (only with 'superseded')"
    )


class EvidenceStatusOut(Response):
    evidence_id: str
    status: EvidenceStatus
    reason: str
    log: LogOut


class ProductEvidenceOut(Response):
    evidence: EvidenceSummaryOut
    inherited: bool = Field(description="Recorded on a subsystem or component, not on this product")
    origin: ProductOut = Field(description="The product the evidence is recorded on")
    depth: int = Field(description="0: this product; 1: a direct component; 2: a component of one...")


class IngestedOut(Response):
    evidence: EvidenceOut
    created: bool = Field(description="False: this evidence was stored before (same content id)")
    linked: bool = Field(description="False: it was recorded on this product before")


class EvidenceDocumentIn(Request):
    product_id: uuid.UUID
    document: Evidence = Field(description="An evidence document, of the kind its 'kind' names")


# --- profiles ------------------------------------------------------------------------------------------


class TextOut(Response):
    en: str
    zh: str


class ProfileOut(Response):
    id: str
    version: int
    status: Literal["draft", "published"]
    builtin: bool = Field(description="Shipped with QualBridge (no owner)")
    owner_org_id: uuid.UUID | None = Field(description="The organization that authored it")
    title: TextOut
    publisher: str
    extends: str | None = Field(description="The parent, 'id@version' once published")
    example: bool
    digest: str = Field(description="sha256 of the profile document's canonical JSON")
    created_at: dt.datetime | None
    published_at: dt.datetime | None


class ProfileDetailOut(ProfileOut):
    document: dict[str, Any] = Field(description="The profile document as stored (see `qualbridge schema`)")
    resolved: dict[str, Any] = Field(description="The profile with 'extends' applied")


class ProfileValidatedOut(Response):
    id: str
    version: int = Field(description="The version saving it would make")
    based_on: list[str] = Field(description="Ancestors, nearest first")
    requirements: int = Field(description="Requirements after 'extends' and 'remove'")
    resolved: dict[str, Any]


# --- evaluations ---------------------------------------------------------------------------------------

Overall = Literal["pass", "fail", "incomplete"]
ProfileRefText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=130,
        pattern=r"^[a-z0-9][a-z0-9._/-]*(@[0-9]{1,9})?$",
        description="Profile id (its latest published version) or id@version",
    ),
]


class EvaluationIn(Request):
    profile: ProfileRefText
    as_of: IsoDate | None = Field(default=None, description="Date for expiry checks (default: today, UTC)")
    evidence: list[EvidenceIdText] | None = Field(
        default=None,
        max_length=5_000,
        description="Evaluate only these evidence ids of the product (default: all, own and inherited)",
    )


class RerunIn(Request):
    as_of: IsoDate | None = Field(default=None, description="Default: the first evaluation's date")
    evidence: list[EvidenceIdText] | None = Field(
        default=None, max_length=5_000, description="Evaluate only these evidence ids (default: all)"
    )


class EvaluationSummaryOut(Response):
    id: uuid.UUID
    product_id: uuid.UUID
    profile_id: str
    profile_version: int
    engine_version: str
    as_of: dt.date
    overall: Overall
    digest: str = Field(description="sha256 of the result's canonical JSON (RFC 8785)")
    created_at: dt.datetime
    created_by: uuid.UUID


class EvaluationOut(EvaluationSummaryOut):
    evidence: list[str] = Field(description="Content ids of the evidence evaluated (own and inherited)")
    result: dict[str, Any] = Field(description="The engine's result: verdicts, margins, gaps")
    log: LogOut | None = Field(default=None, description="Its center-signed attestation in the log")


# --- packages and shares -------------------------------------------------------------------------------


class PackageIn(Request):
    product_id: uuid.UUID
    name: str = text(200)
    profiles: list[ProfileRefText] = Field(
        min_length=1, max_length=500, description="Target profiles, published ('id' pins the latest version)"
    )
    evidence: list[EvidenceIdText] = Field(
        default_factory=list, max_length=500, description="Evidence on the product (own or inherited)"
    )
    evaluations: list[uuid.UUID] = Field(
        default_factory=list, max_length=500, description="Evaluations of the product"
    )


class ProfileVersionOut(Response):
    id: str
    version: int


class PackageSummaryOut(Response):
    id: uuid.UUID
    vendor_org_id: uuid.UUID
    name: str
    product: ProductOut
    created_at: dt.datetime
    access: Literal["owner", "grant"] = Field(description="Yours, or seen through a grant")
    grant_expires_at: dt.datetime | None = Field(description="When the grant you see it through ends")


class PackageOut(PackageSummaryOut):
    profiles: list[ProfileVersionOut]
    evidence: list[EvidenceSummaryOut]
    evaluations: list[EvaluationSummaryOut]


class ShareIn(Request):
    fab_org_id: uuid.UUID | None = Field(default=None, description="The fab, by id…")
    fab_name: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=SOME_TEXT, description="…or by its English name"
    )
    fab_slug: str | None = Field(default=None, pattern=SLUG, description="…or by its slug")
    expires_at: AwareDatetime = Field(description="When the grant ends (at most three years ahead)")


class ShareOut(Response):
    id: uuid.UUID
    package_id: uuid.UUID
    fab_org_id: uuid.UUID
    fab_name_en: str
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    created_at: dt.datetime
    active: bool = Field(description="Neither revoked nor expired")


class AuditEventOut(Response):
    id: int
    org_id: uuid.UUID = Field(description="Who: the organization…")
    user_id: uuid.UUID | None = Field(description="…and its user")
    action: str
    object_type: str
    object_id: str
    at: dt.datetime
    detail: dict[str, Any]


# --- the transparency log ------------------------------------------------------------------------------


class CosignatureOut(Response):
    tree_size: int = Field(description="The checkpoint the cosignatures are for")
    accepted: list[str] = Field(description="Witnesses whose cosignatures were verified and stored")


# --- signing keys --------------------------------------------------------------------------------------


class KeyOut(Response):
    """An organization's attestation key: what verifiers need to know of it (never the private key)."""

    keyid: str = Field(description="Hex SHA-256 of the public key's SubjectPublicKeyInfo DER")
    purpose: str
    public_key: str = Field(description="The raw Ed25519 public key, base64")
    not_before: dt.datetime
    not_after: dt.datetime | None = Field(description="End of the validity window (exclusive)")
    retired_at: dt.datetime | None = Field(description="When it stopped signing (rotated or run out)")
    revoked: bool
    revoked_at: dt.datetime | None
    revocation_reason: str | None
    certificate: dict[str, Any] | None = Field(description="The center-signed certificate (DSSE envelope)")


class KeyRevokeIn(Request):
    reason: str = text(500, "Why the key is revoked (signed by the center and published in the trust root)")


class RevokedKeyOut(KeyOut):
    org_id: uuid.UUID = Field(description="The organization whose key it was")
    resigned: int = Field(description="Pieces of its still-valid evidence signed again with a new key")
