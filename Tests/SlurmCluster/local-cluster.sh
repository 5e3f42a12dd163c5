#!/bin/bash
# A private single-node Slurm cluster for tests (and for trying `rllab compare --submit slurm`
# on one machine). Debian's slurmctld, slurmd, slurm-client and munge; no systemd, no root
# services touched: its own munge key and socket, slurm.conf, state, logs and ports, all in DIR.
#
#   local-cluster.sh start DIR CTLD_PORT SLURMD_PORT   # then: export SLURM_CONF=DIR/slurm.conf
#   local-cluster.sh stop DIR                          # stops the daemons by their PIDs
#
# Facts this relies on (Slurm 22.05): munged refuses a socket folder that is not
# world-executable; the node's CPUs and RealMemory must not exceed what `slurmd -C`
# reports (else the node is invalid and jobs stay pending); select/cons_tres with CR_CPU
# runs jobs side by side; the scheduler parameters below drop the ~3 s delay per wave;
# jobcomp/filetxt records each job's (and array task's) final state without a database.
set -eu
command=${1:-}; dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 start DIR CTLD_PORT SLURMD_PORT | stop DIR" >&2; exit 2; }

if [ "$command" = stop ]; then
  # Cancel what is left, then stop the daemons by PID (slurmd, slurmctld, munged).
  if [ -f "$dir/slurm.conf" ]; then SLURM_CONF="$dir/slurm.conf" scancel --user="$(id -un)" >/dev/null 2>&1 || true; fi
  for name in slurmd slurmctld munged; do
    if [ -f "$dir/$name.pid" ]; then kill "$(cat "$dir/$name.pid")" 2>/dev/null || true; fi
  done
  for name in slurmd slurmctld munged; do
    if [ -f "$dir/$name.pid" ]; then
      pid=$(cat "$dir/$name.pid"); i=0
      # A test cluster's state is thrown away: no need to wait for a clean shutdown.
      while kill -0 "$pid" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  exit 0
fi

[ "$command" = start ] || { echo "unknown command '$command'" >&2; exit 2; }
# The daemons must not inherit descriptors of whoever started this script: a caller that
# waits for its child through a descriptor (Foundation's Process does) would wait for the
# daemons too. Close everything above stderr.
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
ctld_port=${3:?controller port}; slurmd_port=${4:?slurmd port}
for tool in munged slurmctld slurmd sbatch squeue sinfo; do
  command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool not found: install slurmctld slurmd slurm-client munge (make setup)" >&2; exit 3; }
done
mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
chmod 755 "$dir" "$dir/munge"
head -c 1024 /dev/urandom > "$dir/munge/munge.key"
chmod 400 "$dir/munge/munge.key"
munged --foreground --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munged.seed" \
  </dev/null >"$dir/munged.out" 2>&1 &
echo $! > "$dir/munged.pid"
i=0; while [ ! -S "$dir/munge/munge.socket" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$dir/munge/munge.socket" ] || { echo "error: munged did not start; see $dir/munged.log" >&2; cat "$dir/munged.out" "$dir/munged.log" >&2 2>/dev/null; exit 4; }

host=$(hostname -s)
node=$(slurmd -C | head -n 1)
cpus=$(echo "$node" | tr ' ' '\n' | sed -n 's/^CPUs=//p')
memory=$(echo "$node" | tr ' ' '\n' | sed -n 's/^RealMemory=//p')
cat > "$dir/slurm.conf" <<CONF
ClusterName=rllabtest
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pidfile
SlurmdPidFile=$dir/slurmd.pidfile
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -D -i </dev/null >"$dir/slurmctld.out" 2>&1 &
echo $! > "$dir/slurmctld.pid"
slurmd -D </dev/null >"$dir/slurmd.out" 2>&1 &
echo $! > "$dir/slurmd.pid"
i=0
while [ "$(sinfo -h -o %T 2>/dev/null)" != idle ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(sinfo -h -o %T 2>/dev/null)" != idle ]; then
  echo "error: the Slurm node did not become idle; see $dir/slurmctld.log and $dir/slurmd.log" >&2
  tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 2>/dev/null || true
  exit 5
fi
echo "Slurm is up: export SLURM_CONF=$dir/slurm.conf"
