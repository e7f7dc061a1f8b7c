"""Mesa agents: partners and advocates (handles onto the population arrays) and vendor staff."""

from simcomm.agents.partner import Advocate, Partner
from simcomm.agents.staff import VendorStaff

__all__ = ["Advocate", "Partner", "VendorStaff"]
