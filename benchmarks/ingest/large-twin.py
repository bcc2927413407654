#!/usr/bin/env python3
"""One twin with a long minute-level stream, through the running system's API (started by './novamind up').

Usage: benchmarks/ingest/large-twin.py TOKEN [READINGS] [BATCH]
Creates a patient, posts READINGS (default 1,000,000) minute-level resting heart rate readings in batches of BATCH
(default 5,000), 4 requests in flight, then times the summary, a forecast-sized read and one export page, and prints
the same timings for a fresh patient holding 100 days of daily data (the comparison the issue asks for).
"""
import json, sys, time, urllib.request, concurrent.futures, datetime, statistics

BASE = "http://localhost:5080/api/patients"
token = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 5_000
start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)

def call(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, r.read()

def new_patient():
    status, body = call("POST", BASE)
    return json.loads(body)["id"]

def post(pid, first, count, step_minutes=1, kind="resting_hr"):
    obs = [{"time": (start + datetime.timedelta(minutes=(first + i) * step_minutes)).isoformat().replace("+00:00", "Z"),
            "type": kind, "value": 55 + (first + i) % 40} for i in range(count)]
    t = time.perf_counter()
    status, _ = call("POST", f"{BASE}/{pid}/observations", {"observations": obs})
    assert status == 202, status
    return time.perf_counter() - t

def timed(url, n=20):
    samples = []
    for _ in range(n):
        t = time.perf_counter(); call("GET", url); samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)

big = new_patient()
t0 = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    latencies = list(pool.map(lambda f: post(big, f, min(batch, total - f)), range(0, total, batch)))
elapsed = time.perf_counter() - t0
print(f"ingested {total} readings in {elapsed:.1f} s: {total / elapsed:,.0f} readings/s; request p50 {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")

small = new_patient()
post(small, 0, 100, step_minutes=24 * 60)
for name, pid in (("1,000,000-reading twin" if total == 1_000_000 else f"{total}-reading twin", big), ("100-day daily twin", small)):
    summary = json.loads(call("GET", f"{BASE}/{pid}")[1])
    print(f"{name}: {summary['total_observations']} readings; summary median {timed(f'{BASE}/{pid}'):.1f} ms; "
          f"correlations median {timed(f'{BASE}/{pid}/correlations?lookback_days=90', 5):.1f} ms; "
          f"export page of 1,000 median {timed(f'{BASE}/{pid}/observations?limit=1000', 5):.1f} ms")
