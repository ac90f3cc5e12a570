"""Azure regions per cloud, as ARM's ``GET /subscriptions/{id}/locations`` lists them (a sensible subset of the
real ones: names, display names, geography, coordinates and pairs as Microsoft publishes them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    display_name: str
    geography_group: str
    geography: str
    physical_location: str
    latitude: str
    longitude: str
    paired_region: str | None
    category: str = "Recommended"


REGIONS: dict[str, tuple[Region, ...]] = {
    "public": (
        Region("eastus", "East US", "US", "United States", "Virginia", "37.3719", "-79.8164", "westus"),
        Region("eastus2", "East US 2", "US", "United States", "Virginia", "36.6681", "-78.3889", "centralus"),
        Region("westus", "West US", "US", "United States", "California", "37.783", "-122.417", "eastus", "Other"),
        Region("westus2", "West US 2", "US", "United States", "Washington", "47.233", "-119.852", "westcentralus"),
        Region("westus3", "West US 3", "US", "United States", "Phoenix", "33.448376", "-112.074036", "eastus"),
        Region("centralus", "Central US", "US", "United States", "Iowa", "41.5908", "-93.6208", "eastus2"),
        Region(
            "westcentralus",
            "West Central US",
            "US",
            "United States",
            "Wyoming",
            "40.890",
            "-110.234",
            "westus2",
            "Other",
        ),
        Region("northeurope", "North Europe", "Europe", "Europe", "Ireland", "53.3478", "-6.2597", "westeurope"),
        Region("westeurope", "West Europe", "Europe", "Europe", "Netherlands", "52.3667", "4.9", "northeurope"),
        Region("uksouth", "UK South", "UK", "United Kingdom", "London", "50.941", "-0.799", "ukwest"),
        Region("ukwest", "UK West", "UK", "United Kingdom", "Cardiff", "53.427", "-3.084", "uksouth", "Other"),
        Region(
            "southeastasia",
            "Southeast Asia",
            "Asia Pacific",
            "Asia Pacific",
            "Singapore",
            "1.283",
            "103.833",
            "eastasia",
        ),
        Region(
            "eastasia", "East Asia", "Asia Pacific", "Asia Pacific", "Hong Kong", "22.267", "114.188", "southeastasia"
        ),
        Region(
            "australiaeast",
            "Australia East",
            "Asia Pacific",
            "Australia",
            "New South Wales",
            "-33.86",
            "151.2094",
            "australiasoutheast",
        ),
        Region(
            "australiasoutheast",
            "Australia Southeast",
            "Asia Pacific",
            "Australia",
            "Victoria",
            "-37.8136",
            "144.9631",
            "australiaeast",
            "Other",
        ),
        Region("japaneast", "Japan East", "Asia Pacific", "Japan", "Tokyo, Saitama", "35.68", "139.77", "japanwest"),
        Region(
            "japanwest", "Japan West", "Asia Pacific", "Japan", "Osaka", "34.6939", "135.5022", "japaneast", "Other"
        ),
        Region("canadacentral", "Canada Central", "Canada", "Canada", "Toronto", "43.653", "-79.383", "canadaeast"),
        Region(
            "canadaeast", "Canada East", "Canada", "Canada", "Quebec", "46.817", "-71.217", "canadacentral", "Other"
        ),
    ),
    "usgov": (
        Region(
            "usgovvirginia", "USGov Virginia", "US", "United States", "Virginia", "37.3719", "-79.8164", "usgovtexas"
        ),
        Region("usgovtexas", "USGov Texas", "US", "United States", "Texas", "29.4241", "-98.4936", "usgovvirginia"),
        Region("usgovarizona", "USGov Arizona", "US", "United States", "Arizona", "33.4484", "-112.0740", "usgovtexas"),
        Region("usdodeast", "USDoD East", "US", "United States", "Virginia", "36.6676", "-78.3875", "usdodcentral"),
        Region("usdodcentral", "USDoD Central", "US", "United States", "Iowa", "41.6005", "-93.6091", "usdodeast"),
    ),
}
