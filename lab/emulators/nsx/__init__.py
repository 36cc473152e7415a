"""The NSX autonomous edge emulator (tenant-side L2VPN client). See lab/README.md."""
from .appliance import NsxEdgeAppliance

__all__ = ["NsxEdgeAppliance"]
