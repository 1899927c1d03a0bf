#!/bin/bash
# A real one-node SLURM cluster for the SLURM backend's tests, entirely inside DIR: its own
# munge key and socket, slurm.conf, state and spool, ports and logs, and no accounting (many
# clusters have none; the backend must not need it). Clients find it through
# SLURM_CONF=DIR/slurm.conf.
#   slurm-test-cluster.sh start DIR   prints the seconds it took until the node was idle
#   slurm-test-cluster.sh stop DIR    stops the daemons (cancelling what still runs)
# As root (SLURM's daemons are); ports SLURM_TEST_PORT and the next one (default 16817).
set -euo pipefail
action=${1:?start or stop}
dir=${2:?the cluster folder}

stop() {
    export SLURM_CONF="$dir/slurm.conf"
    if [ -f "$dir/slurm.conf" ]; then scancel --quiet --user="$(id -un)" 2>/dev/null || true; fi
    for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

if [ "$action" = stop ]; then
    stop
    exit 0
fi
[ "$action" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
for tool in munged slurmctld slurmd sbatch; do
    command -v "$tool" >/dev/null || { echo "error: $tool is not installed (make deps installs slurmctld, slurmd, slurm-client and munge)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "error: SLURM's daemons run as root; run the SLURM tests as root" >&2; exit 1; }

stop  # a cluster left behind by an earlier, killed run
rm -rf "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 711 "$dir" "$dir/munge"
start=$(date +%s.%N)
head -c 1024 /dev/urandom > "$dir/munge/munge.key"
chmod 600 "$dir/munge/munge.key"
munged --force --socket="$dir/munge/socket" --key-file="$dir/munge/munge.key" \
    --log-file="$dir/log/munged.log" --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/seed"

port=${SLURM_TEST_PORT:-16817}
host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
cat > "$dir/slurm.conf" <<CONF
ClusterName=inoculab-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroups in a container: processes are tracked by their parent, tasks are not confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# squeue --states=all lists ended tasks this long; the backend must also cope once it stops.
MinJobAge=300
# Small, so that the 8 runs of the smoke experiment are split over two array jobs.
MaxArraySize=5
KillWait=15
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
# No cgroups here either: from Slurm 23.11 on slurmd initialises a cgroup plugin at start
# whatever the proctrack and task plugins, and stops when /sys/fs/cgroup is not mounted (a
# chroot, such as make test-debian13's); `disabled` is the value those releases know for none.
# Slurm 22.05 (Debian 12) neither needs nor knows it.
version=$(slurmd -V | awk '{print $2}')
if [ "$(printf '%s\n' "$version" 23.11 | sort -V | head -n 1)" = 23.11 ]; then
    echo "CgroupPlugin=disabled" > "$dir/cgroup.conf"
fi
export SLURM_CONF="$dir/slurm.conf"
slurmctld -i
slurmd
for _ in $(seq 300); do
    if sinfo --noheader --format=%T 2>/dev/null | grep -qx idle; then
        awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "SLURM test cluster up in %.1f s (SLURM_CONF=%s)\n", e - s, ENVIRON["SLURM_CONF"] }'
        exit 0
    fi
    sleep 0.1
done
echo "error: the node did not become idle in 30 s; logs in $dir/log:" >&2
tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
exit 1
