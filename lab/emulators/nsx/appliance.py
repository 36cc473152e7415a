"""Placeholder."""
from ..common.appliance import BaseAppliance


class NsxEdgeAppliance(BaseAppliance):
    kind = "nsx"
