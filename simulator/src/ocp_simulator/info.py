"""What `GET /api/v2/info` reports: the build of the OCP server being simulated.

OCP documents the call ("Query the basic information of an OCP application",
https://en.oceanbase.com/docs/common-ocp-10000000001484304): it needs an authenticated
caller and answers a bare JSON object, not the usual envelope, with name, group,
artifact, buildTime, buildVersion, buildJavaVersion and springBootVersion. OCP Express's
InfoController builds the same map from Spring's BuildProperties, adds `server`, and
returns it without a wrapper. The values below are the simulator's own choice of a
plausible build, fixed so that answers stay the same from run to run; buildVersion is the
OCP version being played (profiles.Profile.build_version).
"""

from datetime import datetime, timedelta, timezone

OCP_BUILD = {
    "name": "ocp-server",
    "group": "com.oceanbase",
    "artifact": "ocp-server",
    "buildVersion": "4.3.5-20250115104501",
    "buildTime": datetime(2025, 1, 15, 10, 45, 1, tzinfo=timezone(timedelta(hours=8))),
    "buildJavaVersion": "1.8",
    "springBootVersion": "2.7.18",
}


def build_info(build_version=None):
    info = dict(OCP_BUILD)
    if build_version:
        info["buildVersion"] = build_version
    return info
