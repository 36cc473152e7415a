"""VMware Cloud Director Availability emulator (contract: docs/api/vcda.md, docs/api/open-questions.md).

Appliance types ``cloud``, ``replicator``, ``tunnel``, ``onprem``; API versions 3.5 to 4.7.
Behaviour the contract leaves open is collected in ``inferred``.
"""
from .appliance import VcdaAppliance

__all__ = ["VcdaAppliance"]
