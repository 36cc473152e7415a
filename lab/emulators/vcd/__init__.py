"""The Cloud Director emulator (``/api`` XML, ``/cloudapi`` JSON, NSX-V proxy ``/network``).
See lab/README.md, section "vCD and NSX emulators"."""
from .appliance import VcdAppliance

__all__ = ["VcdAppliance"]
