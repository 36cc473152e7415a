"""Routes every Cloud Director module test needs: version discovery and the provider login."""

VERSIONS = """<?xml version="1.0"?><SupportedVersions xmlns="http://www.vmware.com/vcloud/versions">
<VersionInfo deprecated="false"><Version>37.0</Version><LoginUrl>https://vcd/api/sessions</LoginUrl></VersionInfo>
</SupportedVersions>"""
VCD_ARGS = {"url": "https://vcd.example", "username": "administrator", "password": "Vcd-Secret-1!",
            "thumbprint": "AB" * 32}


def page(values):
    return (200, {"resultTotal": len(values), "pageCount": 1, "page": 1, "pageSize": 128, "values": list(values)}, None)


def vcd_routes(**routes):
    base = {
        "GET /api/versions": (200, VERSIONS, None),
        "POST /cloudapi/1.0.0/sessions/provider": (200, {"id": "urn:vcloud:session:1"},
                                                   {"X-VMWARE-VCLOUD-ACCESS-TOKEN": "jwt-1"}),
        "DELETE /cloudapi/1.0.0/sessions/.*": (204, None, None),
    }
    base.update(routes)
    return base
