"""QualBridge: verifiable qualification evidence for the semiconductor supply chain."""

__version__ = "0.1.0"

#: Version of the evaluation engine. It is recorded in every evaluation result; bump it whenever a
#: change could alter a verdict, a margin or a message for the same profile and evidence.
ENGINE_VERSION = "qualbridge-engine/0.1.0"

__all__ = ["ENGINE_VERSION", "__version__"]
