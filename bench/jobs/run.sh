#!/usr/bin/env bash
# Job benchmarks for issue 3 ("Speed and memory"); results go to docs/benchmarks.md "## Jobs (issue 3)".
#   bench/jobs/run.sh [latency] [launch] [write] [logs] [sleepers]     (default: all five)
# Env: REPS (3), OUT (bench/results-raw/jobs-<time>), CERTS, DATA_PARENT (/var/tmp: the data dir
# and the host-side file of the write test share one filesystem), PERF=1 (perf record -g on
# jobletd during one launch run). Needs root (jobletd runs jobs in namespaces + cgroups), gcc, and
# the kit in ../shared/bench for "logs". Everything is on loopback, every loop is bounded.
# NETWORK=host|bridge|...: jobs.defaultNetwork of the measured jobletd (default: its own, bridge);
# issue 16's latency target is on host: NETWORK=host REPS=2 bench/jobs/run.sh latency
# WORKSPACE_MB=N: jobs.defaultWorkspaceMB N, the data directory on a 1 GiB btrfs loop image with
# quotas (made under DATA_PARENT, removed at the end): issue 16's "with a workspace limit".
set -euo pipefail
cd "$(dirname "$0")/../.."
KIT=${KIT:-../shared/bench}
[[ -d $KIT ]] || KIT=/work/shared/bench   # a git worktree sits one level deeper than the checkout
# SMOKE=1: one small round of each workload (bench/smoke.sh; proves the script works, no figure).
SMOKE=${SMOKE:-0}
if [[ $SMOKE == 1 ]]; then REPS=1; N_LAT=20; N_LAUNCH=50; N_SLEEP=20; WRITE_MB=16; else N_LAT=200; N_LAUNCH=2000; N_SLEEP=1000; WRITE_MB=1024; fi
REPS=${REPS:-3}
OUT=${OUT:-bench/results-raw/jobs-$(date -u +%Y%m%dT%H%M%SZ)}
CERTS=${CERTS:-/tmp/jobletd-bench-certs}
DATA_PARENT=${DATA_PARENT:-/var/tmp}
mkdir -p "$OUT"
want=("${@:-latency launch write logs sleepers}")
# shellcheck disable=SC2206
want=(${want[*]})

note() { echo "# $(date -u +%FT%TZ) $*" | tee -a "$OUT/log.txt"; }
load() { note "uptime: $(uptime)"; }

scripts/build-release.sh jobs-bench
BENCH=.build-static/release/jobs-bench
cc -O2 -static -nostdlib -fno-stack-protector -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,norelro -Wl,-n -s \
  -o "$OUT/stamp" bench/jobs/stamp.c
scripts/gen-certs.sh "$CERTS" >/dev/null
[[ " ${want[*]} " == *" logs "* ]] && bash "$KIT/setup.sh" >/dev/null

data=$(mktemp -d "$DATA_PARENT/jobbench-data.XXXXXX")
btrfs_dir=""
if [[ -n ${WORKSPACE_MB:-} ]]; then
  btrfs_dir=$(mktemp -d "$DATA_PARENT/jobbench-btrfs.XXXXXX")
  truncate -s 1G "$btrfs_dir/image"
  mkfs.btrfs -q "$btrfs_dir/image" >/dev/null 2>&1
  mkdir "$btrfs_dir/mnt"
  mount -o loop "$btrfs_dir/image" "$btrfs_dir/mnt"
  btrfs quota enable "$btrfs_dir/mnt"
  rmdir "$data"
  data=$btrfs_dir/mnt/data
fi
config=()
if [[ -n ${NETWORK:-}${WORKSPACE_MB:-} ]]; then
  {
    echo "jobs:"
    [[ -n ${NETWORK:-} ]] && echo "  defaultNetwork: $NETWORK"
    [[ -n ${WORKSPACE_MB:-} ]] && echo "  defaultWorkspaceMB: $WORKSPACE_MB"
    [[ -n ${WORKSPACE_MB:-} ]] && printf "server:\n  minFreeDiskMB: 16\n"
    true
  } > "$OUT/config.yml"
  config=(--config "$OUT/config.yml")
fi
.build-static/release/jobletd --address 127.0.0.1:0 --certs "$CERTS" --data "$data" "${config[@]}" --log-level warning \
  > "$OUT/jobletd.stdout" 2> "$OUT/jobletd.stderr" &
pid=$!
cleanup() {
  [[ -f "$OUT/sleep.ids" ]] && $BENCH stop "${T[@]}" --ids "$OUT/sleep.ids" >/dev/null 2>&1 || true
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  # Jobs survive a jobletd restart by design: end whatever is left of OUR jobs (the joblet/ cgroup
  # parent is shared with other servers on this host, so only ids from our data dir), then drop it.
  for dir in "$data"/jobs/*/; do
    procs=/sys/fs/cgroup/memory/joblet/$(basename "$dir")/cgroup.procs
    [[ -s $procs ]] && xargs -r kill -9 < "$procs" 2>/dev/null || true
  done
  rm -rf "$data"
  if [[ -n $btrfs_dir ]]; then umount -l "$btrfs_dir/mnt" 2>/dev/null || true; rm -rf "$btrfs_dir"; fi
}
trap cleanup EXIT
for _ in $(seq 100); do grep -q listening "$OUT/jobletd.stdout" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' "$OUT/jobletd.stdout")
[[ -n $port ]] || { cat "$OUT/jobletd.stderr"; exit 1; }
T=(--target "127.0.0.1:$port" --certs "$CERTS")
note "jobletd pid $pid port $port data $data ($(df --output=source,fstype "$data" | tail -1)); $(nproc) cores; network ${NETWORK:-bridge (default)}; workspace limit ${WORKSPACE_MB:-none} MB"

proc_sample() {  # RSS (kB), HWM, threads, fds of jobletd
  echo "{\"rss_kb\": $(awk '/VmRSS/{print $2}' /proc/$pid/status), \"hwm_kb\": $(awk '/VmHWM/{print $2}' /proc/$pid/status)," \
       "\"threads\": $(ls /proc/$pid/task | wc -l), \"fds\": $(ls /proc/$pid/fd | wc -l)}"
}

cpu_ticks() {  # utime + stime + cutime + cstime of jobletd (the jobs' inits are its reaped children)
  awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat"
}

for w in "${want[@]}"; do
  case $w in
  latency)  # 1. RunJob round trip, and RunJob sent → first instruction after exec (the stamp's clock)
    for r in $(seq "$REPS"); do
      load
      $BENCH latency "${T[@]}" --n "$N_LAT" --warmup 10 --stamp "$OUT/stamp" --wait 120 | tee -a "$OUT/latency.jsonl"
    done ;;
  launch)   # 2. launch throughput: 2000 x `true`, 32 RunJobs in flight over 2 connections
    for r in $(seq "$REPS"); do
      load
      c0=$(cpu_ticks)
      $BENCH launch "${T[@]}" --n "$N_LAUNCH" --concurrency 32 --channels 2 --wait 120 -- true | tee -a "$OUT/launch.jsonl"
      c1=$(cpu_ticks)
      note "launch: jobletd + reaped children CPU $(( (c1 - c0) * 1000000 / $(getconf CLK_TCK) / N_LAUNCH )) us per job"
    done
    if [[ ${PERF:-0} == 1 ]]; then
      load
      perf record -g -o "$OUT/launch.perf.data" -p "$pid" -- sleep 12 > /dev/null 2>&1 &
      perf_pid=$!
      sleep 0.5
      $BENCH launch "${T[@]}" --n 1000 --concurrency 32 --channels 2 --wait 60 -- true | tee -a "$OUT/launch-perf.jsonl"
      wait $perf_pid || true
      perf report -i "$OUT/launch.perf.data" --no-children --sort dso,sym --stdio 2>/dev/null | head -80 > "$OUT/launch.perf.txt" || true
    fi ;;
  write)    # 3. 1 GiB to stdout (the job's log) vs the same command into a file
    for cmd in "dd if=/dev/zero bs=1M count=$WRITE_MB status=none" "head -c ${WRITE_MB}M /dev/zero"; do
      for r in $(seq "$REPS"); do
        load
        sync; rm -f "$data/host-out"; sync
        t0=$(date +%s%N); sh -c "exec $cmd > $data/host-out"; t1=$(date +%s%N)
        echo "{\"mode\": \"host-file\", \"cmd\": \"$cmd\", \"wall_s\": $(awk "BEGIN{printf \"%.4f\", ($t1-$t0)/1e9}")}" | tee -a "$OUT/write.jsonl"
        rm -f "$data/host-out"; sync
        # The same, from a fresh cpu + memory cgroup of its own (a job is a scheduling group of its
        # own in the v1 cpu hierarchy, a shell command competes task by task on a shared host).
        cg=jobbench-host-$$
        mkdir -p "/sys/fs/cgroup/cpu/$cg" "/sys/fs/cgroup/memory/$cg"
        t0=$(date +%s%N)
        sh -c "echo \$\$ > /sys/fs/cgroup/cpu/$cg/cgroup.procs; echo \$\$ > /sys/fs/cgroup/memory/$cg/cgroup.procs; exec $cmd > $data/host-out"
        t1=$(date +%s%N)
        echo "{\"mode\": \"host-file-own-cgroup\", \"cmd\": \"$cmd\", \"wall_s\": $(awk "BEGIN{printf \"%.4f\", ($t1-$t0)/1e9}")}" | tee -a "$OUT/write.jsonl"
        rm -f "$data/host-out"; sync
        # ... and with the job's default memory limit (512 MB: page cache counts against a v1 memcg)
        echo $((512 * 1024 * 1024)) > "/sys/fs/cgroup/memory/$cg/memory.limit_in_bytes"
        t0=$(date +%s%N)
        sh -c "echo \$\$ > /sys/fs/cgroup/cpu/$cg/cgroup.procs; echo \$\$ > /sys/fs/cgroup/memory/$cg/cgroup.procs; exec $cmd > $data/host-out"
        t1=$(date +%s%N)
        echo "{\"mode\": \"host-file-own-cgroup-512MB\", \"cmd\": \"$cmd\", \"wall_s\": $(awk "BEGIN{printf \"%.4f\", ($t1-$t0)/1e9}")}" | tee -a "$OUT/write.jsonl"
        rm -f "$data/host-out"; sync
        rmdir "/sys/fs/cgroup/cpu/$cg" "/sys/fs/cgroup/memory/$cg" 2>/dev/null || true
        # shellcheck disable=SC2086
        $BENCH timejob "${T[@]}" -- $cmd | sed "s#^{#{\"variant\": \"job-stdout\", \"cmd\": \"$cmd\", #" | tee -a "$OUT/write.jsonl"
        sync
        # shellcheck disable=SC2086
        $BENCH timejob "${T[@]}" --max-memory 4096 -- $cmd | sed "s#^{#{\"variant\": \"job-stdout-4GB\", \"cmd\": \"$cmd\", #" | tee -a "$OUT/write.jsonl"
        sync
        $BENCH timejob "${T[@]}" -- sh -c "$cmd > /work/out" | sed "s#^{#{\"variant\": \"job-file\", \"cmd\": \"$cmd\", #" | tee -a "$OUT/write.jsonl"
        sync
      done
    done ;;
  logs)     # 4. GetJobLogs of a finished 1 GiB log: jobload alone, then side by side with the reference
    load
    uuid=$($BENCH timejob "${T[@]}" -- dd if=/dev/zero bs=1M count="$WRITE_MB" status=none | python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])')
    bytes=$(stat -c %s "$data/logs/$uuid.log")
    note "joblogs job $uuid, $bytes bytes"
    for r in $(seq "$REPS"); do
      load
      /tmp/jobletd-bench/bin/jobload --target "127.0.0.1:$port" --certs "$CERTS" --method joblogs --uuid "$uuid" \
        --expect-bytes "$bytes" --json | tee -a "$OUT/joblogs.jsonl"
    done
    load
    bash "$KIT/compare.sh" --target "127.0.0.1:$port" --certs "$CERTS" --target-pid "$pid" --method joblogs \
      --uuid "$uuid" --reps "$([[ $SMOKE == 1 ]] && echo 1 || echo 5)" --out "$OUT/compare-joblogs" | tee "$OUT/compare-joblogs.txt" ;;
  sleepers) # 5. 1000 concurrent `sleep 60`: jobletd RSS, threads and fds before, during, after
    load
    echo "{\"when\": \"before\", $(proc_sample | cut -c2-)" | tee -a "$OUT/sleepers.jsonl"
    $BENCH launch "${T[@]}" --n "$N_SLEEP" --concurrency 32 --channels 2 --ids-out "$OUT/sleep.ids" --wait 50 -- sleep 60 \
      | tee -a "$OUT/sleepers.jsonl"
    sleep 2
    running=$(while read -r id; do grep -qs . "/sys/fs/cgroup/memory/joblet/$id/cgroup.procs" && echo yes || true; done < "$OUT/sleep.ids" | wc -l)
    echo "{\"when\": \"$N_SLEEP running\", \"job_cgroups_with_processes\": $running, $(proc_sample | cut -c2-)" | tee -a "$OUT/sleepers.jsonl"
    $BENCH stop "${T[@]}" --ids "$OUT/sleep.ids" --concurrency 32 | tee -a "$OUT/sleepers.jsonl"
    $BENCH wait "${T[@]}" --ids "$OUT/sleep.ids" --wait 60 | tee -a "$OUT/sleepers.jsonl"
    rm -f "$OUT/sleep.ids"
    sleep 2
    echo "{\"when\": \"after stop\", $(proc_sample | cut -c2-)" | tee -a "$OUT/sleepers.jsonl" ;;
  *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done
load
note "done; raw results in $OUT"
