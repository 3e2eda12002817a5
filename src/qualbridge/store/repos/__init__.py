"""Repositories: the queries of the service, one class per area, each bound to one session.

They add, find and list rows; they never commit (the unit of work in ``services/`` does) and never
decide who may see what (the use cases pass the organization whose data is asked for).
"""

from qualbridge.store.repos.accounts import AccountRepo
from qualbridge.store.repos.audit import AuditRepo, IdempotencyRepo
from qualbridge.store.repos.catalog import ProductRepo
from qualbridge.store.repos.evidence import EvidenceRepo, Page

__all__ = ["AccountRepo", "AuditRepo", "EvidenceRepo", "IdempotencyRepo", "Page", "ProductRepo"]
