#!/usr/bin/env bash
# The smoke preset's Figure 6, training included, on a real single-node SLURM through
# `--profile workflow/profiles/slurm` (snakemake-executor-plugin-slurm), then a job that fails.
#
# Needs root and apt-get (Debian's slurmctld, slurmd, slurm-client, munge); skipped otherwise.
# Everything but /etc/slurm/slurm.conf (removed on exit) lives in a scratch directory: a private munge
# socket and key, the daemons' state and logs, and the pipeline's results/ and figures/. Every daemon
# runs in the foreground under this script and is stopped by its PID on exit.
#
#   bash .ci/slurm.sh            # after `make .venv/bin/.installed`; `make test` runs it after pytest
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
SNAKEMAKE=$REPO/.venv/bin/snakemake
PYTHON=$REPO/.venv/bin/python
SMOKE_TIMEOUT=${SMOKE_TIMEOUT:-900}   # s; the whole smoke preset took 590 s with two trainings beside it on 2 cores
FAIL_TIMEOUT=180     # s: a failing job must end the run well before this

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "SLURM smoke test SKIPPED: installing SLURM needs root and apt-get (uid $(id -u))."
    exit 0
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "== installing slurmctld, slurmd, slurm-client, munge (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

# srun inside a job reads the default slurm.conf path (SLURM_CONF does not reach the job step), so
# the configuration goes there; a machine that has one already is a real cluster: leave it alone.
CONF=/etc/slurm/slurm.conf
if [ -e "$CONF" ]; then
    echo "SLURM smoke test SKIPPED: $CONF exists (this machine has its own SLURM)."
    exit 0
fi

WORK=$(mktemp -d /tmp/motornet-slurm.XXXXXX)
chmod 755 "$WORK"    # munged and the jobs must reach their files in it
PIDS=()
stop_daemons() {
    local status=$?
    # Jobs outlive a killed snakemake (their slurmstepd is not ours): cancel them first.
    if squeue -h -t PENDING,RUNNING -o %i 2>/dev/null | xargs -r scancel 2>/dev/null; then
        for _ in $(seq 20); do
            [ -z "$(squeue -h -t PENDING,RUNNING,COMPLETING -o %i 2>/dev/null)" ] && break
            sleep 0.5
        done
    fi
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$status" != 0 ]; then
        echo "== SLURM smoke test FAILED (exit $status); daemon logs:"
        tail -n 20 "$WORK"/*.log 2>/dev/null || true
    fi
    rm -f "$CONF"
    rm -rf "$WORK"
}
trap stop_daemons EXIT
trap 'exit 143' TERM INT

# munge: a private key and socket, so that no other munged on the machine is involved.
mkdir -p "$WORK/munge"
mungekey --create --keyfile "$WORK/munge/munge.key"
chown -R munge:munge "$WORK/munge"
chmod 700 "$WORK/munge"
chmod 600 "$WORK/munge/munge.key"
setpriv --reuid munge --regid munge --init-groups munged --foreground \
    --key-file "$WORK/munge/munge.key" --socket "$WORK/munge/munge.socket" \
    --pid-file "$WORK/munge/munged.pid" --seed-file "$WORK/munge/munged.seed" \
    --log-file "$WORK/munge/munged.log" >/dev/null 2>&1 &
PIDS+=($!)
chmod 711 "$WORK/munge"    # root's daemons connect to the socket; the key stays private

# slurm.conf from this machine's own node line (CPUs, memory), everything on loopback. No cgroups
# and no accounting database here: processes are tracked through /proc, and jobs stay visible to
# squeue for an hour (MinJobAge) so that the plugin can read their final state without sacct.
HOST=$(hostname -s)
NODE=$(slurmd -C | head -n 1)
mkdir -p "$(dirname "$CONF")"
cat >"$CONF" <<EOF
ClusterName=ci
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/munge.socket
StateSaveLocation=$WORK/slurmctld
SlurmdSpoolDir=$WORK/slurmd
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MinJobAge=3600
ReturnToService=2
$NODE NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
sed -i 's/ UpTime=[^ ]*//' "$CONF"    # slurmd -C's node line ends with the uptime
mkdir -p "$WORK/slurmctld" "$WORK/slurmd"

for _ in $(seq 50); do [ -S "$WORK/munge/munge.socket" ] && break; sleep 0.1; done
slurmctld -D -c >/dev/null 2>&1 &
PIDS+=($!)
slurmd -D >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do
    state=$(sinfo -h -N -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || { echo "SLURM node not idle: '$state'"; exit 1; }
echo "== single-node SLURM up: $(sinfo -h -o '%P %D node, %c CPUs, %m MB')"

# Without slurmdbd, sacct fails and the plugin would wait on it forever: read job states with
# squeue instead. Status checks every 2 s (+10 s per idle check) instead of from 40 s.
SLURM_FLAGS=(--profile workflow/profiles/slurm --slurm-status-command squeue
             --slurm-init-seconds-before-status-checks 2)

# Figure 6 of the smoke preset (its trainings, tests, PMD analysis, claims and plot: 20-odd jobs): what SLURM
# adds is the submission, the resources and the logs, which every rule shares; pytest
# (tests/test_pipeline.py) builds the whole smoke preset locally.
echo "== smoke preset's Figure 6 through SLURM"
RUN=$WORK/smoke
TARGETS=(figures/smoke/fig6.pdf figures/smoke/fig6.png results/smoke/claims/fig6.json)
start=$SECONDS
timeout -k 30 "$SMOKE_TIMEOUT" "$SNAKEMAKE" --snakefile "$REPO/Snakefile" --directory "$RUN" \
    "${SLURM_FLAGS[@]}" "${TARGETS[@]}" --config preset=smoke >"$WORK/smoke.log" 2>&1 || {
    status=$?
    tail -n 60 "$WORK/smoke.log"
    find "$RUN/.snakemake/slurm_logs" -name '*.log' | head -n 2 | xargs -r tail -n 30
    squeue --states=all -o '%i %k %C %m %l %T %r'
    exit "$status"
}
echo "smoke preset's Figure 6 through SLURM: $((SECONDS - start)) s"

# Every job of the run went through SLURM (one job per benchmark file: every rule writes one),
# finished, and asked for its rule's threads, memory and runtime: the partition sets no defaults,
# so a job without them would show 0 MB / UNLIMITED.
squeue --states=all -h -o '%i|%k|%C|%m|%l|%T' >"$WORK/jobs.txt"
"$PYTHON" - "$WORK/jobs.txt" "$RUN" <<'EOF'
import re
import sys
from pathlib import Path

jobs = [line.split("|") for line in Path(sys.argv[1]).read_text().splitlines()]
run = Path(sys.argv[2])
rules = [re.sub(r"^rule_(\w+?)(_wildcards_.*)?$", r"\1", comment) for _, comment, *_ in jobs]
print(f"SLURM ran {len(jobs)} jobs:", ", ".join(f"{r} x{rules.count(r)}" for r in sorted(set(rules))))
benchmarks = list((run / "results" / "smoke" / "benchmarks").rglob("*.tsv"))
assert len(jobs) == len(benchmarks), f"{len(benchmarks)} jobs ran, {len(jobs)} of them through SLURM"
bad = [job for job in jobs if job[5] != "COMPLETED" or job[3] in ("0", "") or job[4] in ("UNLIMITED", "")]
assert not bad, f"jobs not completed or without memory/runtime: {bad}"
train = [job for job, rule in zip(jobs, rules) if rule.startswith("train_")]
assert train and all(int(job[2]) > 1 for job in train), f"train jobs did not get their threads: {train}"
figures = [run / "figures" / "smoke" / f"fig6.{ext}" for ext in ("pdf", "png")]
missing = [p for p in figures + [run / "results" / "smoke" / "claims" / "fig6.json"] if not p.is_file()]
assert not missing, f"missing outputs: {missing}"
print(f"Figure 6 (PDF, PNG) and its claims written; train jobs asked for "
      f"{train[0][2]} CPUs, {train[0][3]}, {train[0][4]}")
EOF

# A job that fails: the run must exit non-zero as soon as SLURM reports the failure (the profile
# retries a failed job once).
echo "== a failing job through SLURM"
FAIL=$WORK/fail
mkdir -p "$FAIL"
cat >"$FAIL/Snakefile" <<'EOF'
rule fails:
    output:
        "never.txt",
    threads: 1
    resources:
        mem_mb=100,
        runtime=1,
    shell:
        "echo 'this job fails on purpose' >&2; exit 3"
EOF
start=$SECONDS
if timeout -k 10 "$FAIL_TIMEOUT" "$SNAKEMAKE" --snakefile "$FAIL/Snakefile" --directory "$FAIL" \
    "${SLURM_FLAGS[@]}" >"$WORK/fail.log" 2>&1; then
    tail -n 30 "$WORK/fail.log"; echo "a failing SLURM job ended the run with exit 0"; exit 1
else
    status=$?
fi
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    tail -n 30 "$WORK/fail.log"; echo "a failing SLURM job left the run hanging for ${FAIL_TIMEOUT} s"; exit 1
fi
grep -q "Error in rule fails" "$WORK/fail.log" || {
    tail -n 30 "$WORK/fail.log"; echo "the run failed, but not on the failing job"; exit 1; }
echo "failing job: the run exited $status after $((SECONDS - start)) s"
echo "== SLURM smoke test passed"
