#!/usr/bin/env bash
# Throughput of GET /api/patients/{id} (summary) through a running system started by './novamind up' from TREE.
# Usage: benchmarks/edge/summary-throughput.sh TREE LABEL [SUBJECT]
#   TREE     a checkout (e.g. this one, or 'git worktree add /tmp/base <commit>' built with 'dotnet build NovaMind.sln')
#   LABEL    names the run's NOVAMIND_HOME (/tmp/bench-LABEL) and its output lines
#   SUBJECT  token subject that can read the demo patients (default dr-a; before care teams use demo-seeder)
# Needs wrk (apt-get install wrk). Runs wrk twice (-t2 -c8 -d15s) and stops the system. The per-caller rate limit is lifted
# for the run (Edge__RequestsPerMinute), so the figures show the cost of access checks and auditing, not the limiter.
set -u
tree=$1; label=$2; subject=${3:-dr-a}
export NOVAMIND_HOME=/tmp/bench-$label Edge__RequestsPerMinute=100000000
rm -rf "$NOVAMIND_HOME"
for _ in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/11111) 2>/dev/null || break; sleep 1; done
cd "$tree"
(./novamind up > "/tmp/bench-$label.up.log" 2>&1 &)
for _ in $(seq 1 180); do grep -q 'NovaMind is running' "/tmp/bench-$label.up.log" 2>/dev/null && break; sleep 1; done
TOKEN=$(./novamind token --sub "$subject" --role clinician 2>/dev/null)
ID=$(sed -E 's/^\["([^"]+)".*/\1/' "$NOVAMIND_HOME/demo-cohort.json")
curl -s -o /dev/null -w "$label check %{http_code}\n" -H "Authorization: Bearer $TOKEN" "localhost:5080/api/patients/$ID"
for run in 1 2; do
  wrk -t2 -c8 -d15s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:5080/api/patients/$ID" | grep -E 'Requests/sec|Latency|Non-2xx' | sed "s/^/$label run$run: /"
done
pkill -INT -f 'novamind up'; sleep 3; pkill -f NovaMind.Silo.dll; pkill -f NovaMind.Gateway.dll; pkill -f azurite; sleep 2
