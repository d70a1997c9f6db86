"""One line from oha's JSON report on stdin: requests/s, p50 and p99 in ms, status counts."""

import json
import sys

report = json.load(sys.stdin)
latency = report["latencyPercentiles"]
codes = ",".join(f"{code}x{n}" for code, n in report.get("statusCodeDistribution", {}).items())
rps = report["summary"]["requestsPerSec"]
print(f"{rps:.0f} {latency['p50'] * 1000:.2f} {latency['p99'] * 1000:.2f} {codes}")
