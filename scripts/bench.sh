#!/usr/bin/env bash
# `make bench`: pod → pod throughput and latency between two namespace hosts, for several ways
# of carrying the overlay, all measured in one run on one lab so the ratios mean something.
#
#   BENCH_MODES=hostroutes,vxlan,weft-udp,weft-udp-1pkt,vxlan-rules,weft-vxlan,hostroutes-rules,weft-hostgw
#                                           which rows, in this order (the default); weft-vxlan
#                                           compares with vxlan-rules, weft-hostgw with
#                                           hostroutes-rules (the same kernel path, Flannel's rules loaded),
#                                           weft-udp also with vxlan-rules (the same rules)
#   BENCH_SECONDS=10                        iperf3 duration per measurement
#   BENCH_WARMUP=5                          unmeasured iperf3 seconds before each mode (JIT warm-up)
#   BENCH_PINGS=50                          pings (0.05 s apart) for the RTT
#   BENCH_PEERTABLE=1                       also print the peer-table cost for 2, 500, 5000 peers
#   WEFT_JAVA=java                          the JVM the agents run on (e.g. a JDK 25's bin/java)
#
# Per mode: iperf3 TCP h1p1 → h2p1 with 1 and 4 streams, ping RTT, and the receiving host's
# (h2) Udp RcvbufErrors delta from /proc/net/snmp. The table goes to stdout and to
# .lab/bench-<timestamp>.md. Builds nothing: the Makefile builds first.
#
# Adding a row: define mode_<name>_setup and mode_<name>_teardown (a '-' in the name becomes
# '_' in function names) and list <name> in BENCH_MODES. Setup must write both hosts'
# subnet.env (write_subnet_env does it for modes without an agent) and make the pod subnets
# reach each other; pods, iperf3 and ping are the bench's job. Optional:
# mode_<name>_available (print why not and return 1 to skip the row) and mode_<name>_notes
# (called after measuring, before teardown; print lines for the notes under the table).
set -euo pipefail

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPTS/.." && pwd)
LAB=$SCRIPTS/lab.sh
SECS=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-5}
PINGS=${BENCH_PINGS:-50}
MODES=${BENCH_MODES:-hostroutes,vxlan,weft-udp,weft-udp-1pkt,vxlan-rules,weft-vxlan,hostroutes-rules,weft-hostgw}
NETWORK=10.1.0.0/16
H1_IP=192.168.0.100
H2_IP=192.168.0.200
IPERF_PORT=5201

[[ $SECS =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: BENCH_SECONDS must be a positive integer, got '$SECS'" >&2; exit 2; }
[[ $PINGS =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: BENCH_PINGS must be a positive integer, got '$PINGS'" >&2; exit 2; }

say() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Helpers for modes

# Modes without an agent use fixed subnets: host I owns 10.1.I.0/24.
write_subnet_env() { # host mtu
  local f
  f=$("$LAB" subnet-file --prefix "$P" --host "$1")
  printf 'FLANNEL_NETWORK=%s\nFLANNEL_SUBNET=10.1.%d.1/24\nFLANNEL_MTU=%d\nFLANNEL_IPMASQ=true\n' \
    "$NETWORK" "$1" "$2" >"$f"
}

remove_subnet_env() { rm -f "$("$LAB" subnet-file --prefix "$P" --host "$1")"; }

link_mac() { ip -n "$1" -o link show "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }

# ---------------------------------------------------------------------------------------------
# (a) host routes: each host routes the peer's pod subnet via the peer's underlay address,
#     as Flannel's host-gw backend would.

mode_hostroutes_setup() {
  write_subnet_env 1 1500
  write_subnet_env 2 1500
  ip -n "$P-h1" route add 10.1.2.0/24 via "$H2_IP" dev eth0
  ip -n "$P-h2" route add 10.1.1.0/24 via "$H1_IP" dev eth0
}

mode_hostroutes_teardown() {
  ip -n "$P-h1" route del 10.1.2.0/24 2>/dev/null || true
  ip -n "$P-h2" route del 10.1.1.0/24 2>/dev/null || true
  remove_subnet_env 1
  remove_subnet_env 2
}

# ---------------------------------------------------------------------------------------------
# (b) kernel VXLAN, configured as Flannel's vxlan backend does: VNI 1, port 8472, no learning,
#     VTEP address = the subnet's network address, one neighbour + fdb entry + route per peer.

mode_vxlan_setup() {
  local i j ip_i ip_j mac
  for i in 1 2; do
    write_subnet_env "$i" 1450
    ip_i=$H1_IP
    [[ $i == 2 ]] && ip_i=$H2_IP
    ip -n "$P-h$i" link add vxl0 type vxlan id 1 local "$ip_i" dev eth0 dstport 8472 nolearning
    ip -n "$P-h$i" link set vxl0 mtu 1450
    ip -n "$P-h$i" addr add "10.1.$i.0/32" dev vxl0
    ip -n "$P-h$i" link set vxl0 up
  done
  for i in 1 2; do
    j=$((3 - i))
    ip_j=$H1_IP
    [[ $j == 2 ]] && ip_j=$H2_IP
    mac=$(link_mac "$P-h$j" vxl0)
    ip -n "$P-h$i" neigh replace "10.1.$j.0" lladdr "$mac" dev vxl0 nud permanent
    ip netns exec "$P-h$i" bridge fdb append "$mac" dev vxl0 dst "$ip_j"
    ip -n "$P-h$i" route add "10.1.$j.0/24" via "10.1.$j.0" dev vxl0 onlink
  done
}

mode_vxlan_teardown() {
  local i
  for i in 1 2; do
    ip -n "$P-h$i" link del vxl0 2>/dev/null || true # takes its neighbours, fdb and routes along
    remove_subnet_env "$i"
  done
}

# ---------------------------------------------------------------------------------------------
# (a') and (b') the same kernel paths with Flannel's masquerade and forward rules loaded by hand,
#     as Weft's agents load them (--ip-masq, forward rules on): the rules turn on netfilter's NAT
#     and connection tracking for every packet, so these are the baselines of the same kind for
#     Weft's vxlan and host-gw rows.

flannel_rules_on() { # host subnet
  ip netns exec "$P-h$1" iptables-restore --noflush <<EOF
*nat
:FLANNEL-POSTRTG - [0:0]
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s $2 -d $NETWORK -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s $NETWORK -d $2 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s $NETWORK -d $2 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s $NETWORK ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s $NETWORK -d $NETWORK -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
COMMIT
*filter
:FLANNEL-FWD - [0:0]
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A FLANNEL-FWD -s $NETWORK -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d $NETWORK -m comment --comment "flanneld forward" -j ACCEPT
COMMIT
EOF
}

rules_off() { # flushes every rule in both hosts (the lab's own namespaces), whoever loaded them
  local i t
  for i in 1 2; do
    for t in nat filter; do
      ip netns exec "$P-h$i" iptables -t "$t" -F 2>/dev/null || true
      ip netns exec "$P-h$i" iptables -t "$t" -X 2>/dev/null || true
    done
  done
}

mode_hostroutes_rules_setup() { rules_off; mode_hostroutes_setup; flannel_rules_on 1 10.1.1.0/24; flannel_rules_on 2 10.1.2.0/24; }
mode_hostroutes_rules_teardown() { mode_hostroutes_teardown; rules_off; }
mode_vxlan_rules_setup() { rules_off; mode_vxlan_setup; flannel_rules_on 1 10.1.1.0/24; flannel_rules_on 2 10.1.2.0/24; }
mode_vxlan_rules_teardown() { mode_vxlan_teardown; rules_off; }

# ---------------------------------------------------------------------------------------------
# (c) Weft's UDP backend: the real agents, started as the demo starts them.

weft_jar_available() {
  if [[ ! -f $REPO/agent/target/quarkus-app/quarkus-run.jar ]]; then
    echo "agent jar missing: agent/target/quarkus-app/quarkus-run.jar (run 'make build')"
    return 1
  fi
}

tx_dropped() { # ns dev -> TX dropped counter
  ip -n "$1" -s link show "$2" | awk '/^ *TX:/ {getline; print $4; exit}'
}

agent_cpu_ticks() { # pid -> utime + stime in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}

agent_metric() { # host series -> value from the agent's /metrics
  "$LAB" exec --prefix "$P" --ns "h$1" -- curl -fsS -m 5 "http://127.0.0.1:${LAB_HEALTHZ_PORT:-8471}/metrics" |
    awk -v s="$2" '$1 == s {printf "%.0f\n", $2; found = 1} END {if (!found) print 0}'
}

gc_pauses() { # log file -> number of GC pauses so far
  [[ -f $1 ]] && grep -c 'Pause' "$1" || echo 0
}

# Starts both agents for a network of one backend type, with extra agent flags; records the
# counters the notes compare against. Each agent logs its GCs, so the notes can show that the data
# path does not allocate per packet.
weft_agents_up() { # backend-type [agent flags...]
  local type=$1 i
  shift
  rules_off # the agents load their own; an earlier mode's are left behind on exit, as flanneld leaves them
  # Leases of a previous mode (another backend type) would be ignored as peers: start clean.
  "$LAB" etcdctl --prefix "$P" -- del --prefix /coreos.com/network/subnets/ >/dev/null
  "$LAB" netconf --prefix "$P" --json '{"Network":"'"$NETWORK"'","SubnetLen":24,"Backend":{"Type":"'"$type"'"}}'
  for i in 1 2; do
    # As Flannel is deployed: --ip-masq (the lab's default), so subnet.env says FLANNEL_IPMASQ=true
    # and the pods' CNI config does not masquerade, exactly as in the hand-made modes.
    WEFT_AGENT_CMD="${WEFT_JAVA:-java} --enable-native-access=ALL-UNNAMED -Xlog:gc:file=$STATE/gc-h$i.log -jar $REPO/agent/target/quarkus-app/quarkus-run.jar" \
      "$LAB" agent-start --prefix "$P" --host "$i" "$@" >/dev/null
  done
  for i in 1 2; do
    "$LAB" wait-ready --prefix "$P" --host "$i"
    WEFT_TX_DROPS_BEFORE[i]=$(tx_dropped "$P-h$i" flannel0 2>/dev/null || echo 0)
    WEFT_PID[i]=$("$LAB" agent-pid --prefix "$P" --host "$i")
    WEFT_CPU_BEFORE[i]=$(agent_cpu_ticks "${WEFT_PID[i]}")
    WEFT_GC_BEFORE[i]=$(gc_pauses "$STATE/gc-h$i.log")
  done
  WEFT_BYTES_BEFORE=$(agent_metric 1 'weft_udp_bytes_total{direction="tx"}')
  for i in 1 2; do
    WEFT_ALLOC_BEFORE[i]=$(agent_metric "$i" 'weft_udp_datapath_allocated_bytes_total')
    WEFT_PACKETS_BEFORE[i]=$(($(agent_metric "$i" 'weft_udp_packets_total{direction="tx"}') + $(agent_metric "$i" 'weft_udp_packets_total{direction="rx"}')))
  done
}

weft_notes() { # mode
  local i rss ticks=0 bytes hz
  hz=$(getconf CLK_TCK)
  for i in 1 2; do
    echo "$1 h$i: flannel0 TX dropped +$(($(tx_dropped "$P-h$i" flannel0) - WEFT_TX_DROPS_BEFORE[i]))"
    rss=$(awk '/^VmRSS:/ {print $2, $3}' "/proc/${WEFT_PID[i]}/status")
    echo "$1 h$i: agent pid ${WEFT_PID[i]} VmRSS $rss; GC pauses after ready (warm-up and measured runs): $(($(gc_pauses "$STATE/gc-h$i.log") - WEFT_GC_BEFORE[i]))"
    ticks=$((ticks + $(agent_cpu_ticks "${WEFT_PID[i]}") - WEFT_CPU_BEFORE[i]))
    local alloc packets
    alloc=$(($(agent_metric "$i" 'weft_udp_datapath_allocated_bytes_total') - WEFT_ALLOC_BEFORE[i]))
    packets=$(($(agent_metric "$i" 'weft_udp_packets_total{direction="tx"}') + $(agent_metric "$i" 'weft_udp_packets_total{direction="rx"}') - WEFT_PACKETS_BEFORE[i]))
    echo "$1 h$i: data path threads allocated $alloc bytes of heap while moving $packets packets"
  done
  bytes=$(($(agent_metric 1 'weft_udp_bytes_total{direction="tx"}') - WEFT_BYTES_BEFORE))
  awk -v t="$ticks" -v hz="$hz" -v b="$bytes" -v m="$1" 'BEGIN {
      printf "%s: both agents used %.1f CPU s for %.2f GB sent by h1 (warm-up included): %.2f CPU s per GB\n",
        m, t / hz, b / 1e9, (b > 0 ? (t / hz) / (b / 1e9) : 0) }'
  echo "$1: $(grep -h 'UDP fast path' "$STATE/agent-h1.log" | tail -1 | sed 's/.*UDP fast path/fast path/')"
}

weft_agents_down() { # device the backend leaves behind (or "")
  local i
  for i in 1 2; do
    "$LAB" agent-stop --prefix "$P" --host "$i" || true
    # The kernel backends leave their device and routes behind on exit, as flanneld does.
    [[ -n $1 ]] && ip -n "$P-h$i" link del "$1" 2>/dev/null
    ip -n "$P-h$i" route flush root "$NETWORK" 2>/dev/null || true
    remove_subnet_env "$i"
  done
}

# (c) the fast path (TUN offloads, UDP GSO/GRO), as agents start by default
mode_weft_udp_available() { weft_jar_available; }
mode_weft_udp_setup() { weft_agents_up udp; }
mode_weft_udp_notes() { weft_notes weft-udp; }
mode_weft_udp_teardown() { weft_agents_down flannel0; }

# (d) the one-packet path: --udp-offloads=false, one packet per syscall
mode_weft_udp_1pkt_available() { weft_jar_available; }
mode_weft_udp_1pkt_setup() { weft_agents_up udp --udp-offloads=false; }
mode_weft_udp_1pkt_notes() { weft_notes weft-udp-1pkt; }
mode_weft_udp_1pkt_teardown() { weft_agents_down flannel0; }

# ---------------------------------------------------------------------------------------------
# (e) Weft's vxlan and host-gw backends: the real agents program the kernel (the same data path as
#     (b) and (a)), so these rows should match those within noise.

weft_rules_note() { echo "$1: the agents run with --ip-masq and forward rules (Flannel's deployment), so netfilter's NAT and conntrack hooks are on the path; compare with the -rules rows, which load the same rules by hand"; }

mode_weft_vxlan_available() { mode_weft_udp_available; }
mode_weft_vxlan_notes() { weft_rules_note weft-vxlan; }
mode_weft_hostgw_notes() { weft_rules_note weft-hostgw; }
mode_weft_vxlan_setup() { weft_agents_up vxlan; }
mode_weft_vxlan_teardown() { weft_agents_down flannel.1; }

mode_weft_hostgw_available() { mode_weft_udp_available; }
mode_weft_hostgw_setup() { weft_agents_up host-gw; }
mode_weft_hostgw_teardown() { weft_agents_down ""; }

# ---------------------------------------------------------------------------------------------
# Measurement (the same for every mode)

udp_rcvbuf_errors() { # ns
  ip netns exec "$1" awk '/^Udp:/ {
      if (!seen) { for (i = 2; i <= NF; i++) col[$i] = i; seen = 1 } else { print $col["RcvbufErrors"]; exit }
    }' /proc/net/snmp
}

iperf_gbps() { # server-ip streams -> receiver Gbit/s
  local out
  out=$("$LAB" exec --prefix "$P" --ns h1p1 -- timeout $((SECS + 30)) \
    iperf3 -c "$1" -p "$IPERF_PORT" -t "$SECS" -P "$2" -f m 2>&1) || {
    say "iperf3 -P $2 to $1 failed: $out"
    return 1
  }
  awk '/receiver/ {for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") v = $(i - 1)} END {
      if (v == "") exit 1; printf "%.2f\n", v / 1000 }' <<<"$out"
}

ping_rtt_us() { # ip -> average RTT in microseconds
  local out
  out=$("$LAB" exec --prefix "$P" --ns h1p1 -- ping -c "$PINGS" -i 0.05 -W 2 -q "$1" 2>&1) || {
    say "ping to $1 failed: $out"
    return 1
  }
  awk -F/ '/^rtt/ {printf "%d\n", $5 * 1000}' <<<"$out"
}

pods_up() {
  local i
  for i in 1 2; do
    POD_IP[i]=$("$LAB" pod-add --prefix "$P" --host "$i" --pod 1)
  done
}

pods_down() { # best effort; cni0 goes too so the next mode's subnet and MTU start fresh
  local i
  for i in 1 2; do
    "$LAB" pod-del --prefix "$P" --host "$i" --pod 1 || true
    ip -n "$P-h$i" link del cni0 2>/dev/null || true
  done
}

measure() { # mode -> "r1 r4 rtt udp_errors_delta" on stdout
  local m=$1 before r1 r4 rtt t
  "$LAB" exec --prefix "$P" --ns h1p1 -- ping -c 3 -i 0.2 -W 2 -q "${POD_IP[2]}" >/dev/null ||
    { say "$m: pod h1p1 cannot reach pod h2p1 (${POD_IP[2]})"; return 1; }
  "$LAB" bg --prefix "$P" --ns h2p1 --name "iperf3-$m" -- iperf3 -s -p "$IPERF_PORT" >/dev/null
  for ((t = 0; t < 50; t++)); do
    ip netns exec "$P-h2p1" ss -ltnH "sport = :$IPERF_PORT" | grep . >/dev/null && break
    sleep 0.1
  done
  if ((WARMUP > 0)); then
    # Unmeasured: lets a JIT-compiled data path (Weft's agents) reach steady state, same for every mode.
    say "$m: warm-up, ${WARMUP}s"
    "$LAB" exec --prefix "$P" --ns h1p1 -- timeout $((WARMUP + 30)) \
      iperf3 -c "${POD_IP[2]}" -p "$IPERF_PORT" -t "$WARMUP" -P 4 >/dev/null 2>&1 || true
  fi
  before=$(udp_rcvbuf_errors "$P-h2")
  say "$m: iperf3 1 stream, ${SECS}s"
  r1=$(iperf_gbps "${POD_IP[2]}" 1)
  say "$m: iperf3 4 streams, ${SECS}s"
  r4=$(iperf_gbps "${POD_IP[2]}" 4)
  say "$m: ping x$PINGS"
  rtt=$(ping_rtt_us "${POD_IP[2]}")
  "$LAB" stop --prefix "$P" --name "iperf3-$m"
  echo "$r1 $r4 $rtt $(($(udp_rcvbuf_errors "$P-h2") - before))"
}

run_mode() { # mode; leaves $RES/<mode> (result line) and $RES/<mode>.notes
  local m=$1 id=${1//-/_} reason rc
  if declare -F "mode_${id}_available" >/dev/null && ! reason=$("mode_${id}_available"); then
    echo "skipped" >"$RES/$m"
    echo "$m: skipped: $reason" >"$RES/$m.notes"
    say "$m: skipped: $reason"
    return 0
  fi
  say "$m: setting up"
  set +e
  (
    set -e
    "mode_${id}_setup"
    pods_up
    measure "$m" >"$RES/$m"
    if declare -F "mode_${id}_notes" >/dev/null; then "mode_${id}_notes" >"$RES/$m.notes"; fi
  )
  rc=$?
  set -e
  if ((rc != 0)); then
    echo "failed" >"$RES/$m"
    echo "$m: FAILED (exit $rc; messages above)" >>"$RES/$m.notes"
  fi
  pods_down
  "mode_${id}_teardown" || say "$m: teardown reported an error"
}

# ---------------------------------------------------------------------------------------------

IFS=, read -ra MODE_LIST <<<"$MODES"
((${#MODE_LIST[@]})) || { echo "bench.sh: BENCH_MODES is empty" >&2; exit 2; }
for m in "${MODE_LIST[@]}"; do
  if ! declare -F "mode_${m//-/_}_setup" >/dev/null; then
    known=$(declare -F | awk '{print $3}' | sed -n 's/^mode_\(.*\)_setup$/\1/p' | tr _ - | paste -sd, -)
    echo "bench.sh: unknown mode '$m' in BENCH_MODES (known: $known)" >&2
    exit 2
  fi
done

need_etcd=()
[[ ,$MODES, == *,weft-* ]] && need_etcd=(--etcd)

P=$("$LAB" new-prefix)
RES=$(mktemp -d)
trap '"$LAB" down --prefix "$P"; rm -rf "$RES"' EXIT
trap 'exit 130' INT TERM
STATE=${LAB_STATE_ROOT:-$REPO/.lab}/$P
declare -a POD_IP WEFT_TX_DROPS_BEFORE WEFT_PID WEFT_CPU_BEFORE WEFT_GC_BEFORE WEFT_ALLOC_BEFORE WEFT_PACKETS_BEFORE

"$LAB" up --prefix "$P" --hosts 2 "${need_etcd[@]}" --owner $$
for m in "${MODE_LIST[@]}"; do run_mode "$m"; done

ratio() { # value reference
  awk -v v="$1" -v r="$2" 'BEGIN { if (r + 0 > 0 && v != "") printf "%.2f×", v / r; else printf "–" }'
}

read -r vx1 vx4 vxrtt _ < <(cat "$RES/vxlan" 2>/dev/null || echo "")
[[ ${vx1:-} =~ ^[0-9.]+$ ]] || vx1="" vx4="" vxrtt=""
read -r hr1 hr4 _ _ < <(cat "$RES/hostroutes" 2>/dev/null || echo "")
[[ ${hr1:-} =~ ^[0-9.]+$ ]] || hr1="" hr4=""
read -r vr1 vr4 vrrtt _ < <(cat "$RES/vxlan-rules" 2>/dev/null || echo "")
[[ ${vr1:-} =~ ^[0-9.]+$ ]] || vr1="" vr4="" vrrtt=""
read -r hrr1 hrr4 _ _ < <(cat "$RES/hostroutes-rules" 2>/dev/null || echo "")
[[ ${hrr1:-} =~ ^[0-9.]+$ ]] || hrr1="" hrr4=""

same_kind() { # mode result-1 result-4 rtt -> "x× / y×" against the kernel baseline of its kind, or –
  case $1 in
    # The UDP agents load Flannel's rules too (--ip-masq), so vxlan-rules is VXLAN under the same rules.
    weft-udp | weft-udp-1pkt) if [[ -n $vr1 ]]; then
        echo "$(ratio "$2" "$vr1") / $(ratio "$3" "$vr4"), RTT $(ratio "$4" "$vrrtt") of vxlan-rules"
      else echo "–"; fi ;;
    weft-vxlan) if [[ -n $vr1 ]]; then echo "$(ratio "$2" "$vr1") / $(ratio "$3" "$vr4") of vxlan-rules"
      else echo "$(ratio "$2" "$vx1") / $(ratio "$3" "$vx4") of vxlan"; fi ;;
    weft-hostgw) if [[ -n $hrr1 ]]; then echo "$(ratio "$2" "$hrr1") / $(ratio "$3" "$hrr4") of hostroutes-rules"
      else echo "$(ratio "$2" "$hr1") / $(ratio "$3" "$hr4") of hostroutes"; fi ;;
    *) echo "–" ;;
  esac
}
stamp=$(date +%Y%m%d-%H%M%S)
out_dir=${LAB_STATE_ROOT:-$REPO/.lab}
mkdir -p "$out_dir"
report=$out_dir/bench-$stamp.md
{
  echo "# Weft bench $(date -Is)"
  echo
  echo "Pod → pod (h1p1 → h2p1), two namespace hosts on one bridge; iperf3 TCP ${SECS}s;" \
    "RTT = average of $PINGS pings; kernel $(uname -r), $(nproc) CPUs;" \
    "agents on $("${WEFT_JAVA:-java}" -version 2>&1 | head -1)."
  echo
  echo "| mode | 1 stream Gbit/s | 4 streams Gbit/s | RTT µs | 1 stream vs VXLAN | 4 streams vs VXLAN | RTT vs VXLAN | 1 / 4 streams vs same kernel path (or same rules) | UDP RcvbufErrors Δ (h2) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for m in "${MODE_LIST[@]}"; do
    read -r r1 r4 rtt udp <"$RES/$m" || true
    case $r1 in
      skipped | failed) echo "| $m | $r1 | | | | | | | |" ;;
      *) echo "| $m | $r1 | $r4 | $rtt | $(ratio "$r1" "$vx1") | $(ratio "$r4" "$vx4") | $(ratio "$rtt" "$vxrtt") | $(same_kind "$m" "$r1" "$r4" "$rtt") | $udp |" ;;
    esac
  done
  notes=$(for m in "${MODE_LIST[@]}"; do cat "$RES/$m.notes" 2>/dev/null || true; done)
  if [[ -n $notes ]]; then
    echo
    sed 's/^/- /' <<<"$notes"
  fi
  if [[ ${BENCH_PEERTABLE:-1} == 1 && -d $REPO/agent/target/test-classes ]]; then
    echo
    echo "Peer table: per-packet routing cost of the UDP data path by number of peers (O(1) lookup by masking):"
    echo
    "${WEFT_JAVA:-java}" -cp "$REPO/agent/target/test-classes:$REPO/agent/target/classes:$REPO/agent/target/quarkus-app/lib/main/*" \
      dev.weft.agent.udp.PeerTableBench
  fi
} | tee "$report"
echo
echo "bench: written to $report"
