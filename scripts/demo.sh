#!/usr/bin/env bash
# `make demo`: three hosts and an etcd in network namespaces, one Weft agent (UDP backend) per
# host, one kubelet-style pod per host, then what etcd holds, each host's routes and a pod→pod
# ping matrix. Exits non-zero if any ping fails. Builds nothing: the Makefile builds first.
#
# usage: scripts/demo.sh [--keep]      (or DEMO_KEEP=1) keep the lab up afterwards
set -euo pipefail

LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab.sh
HOSTS=3
NETCONF='{"Network":"10.1.0.0/16","SubnetLen":24,"Backend":{"Type":"udp"}}'
KEEP=${DEMO_KEEP:-0}
for arg in "$@"; do
  case $arg in
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

P=$("$LAB" new-prefix)
if [[ $KEEP == 1 ]]; then
  OWNER=0 # lives until `lab.sh down`
  trap 'echo; echo "Lab kept. Tear it down with: scripts/lab.sh down --prefix $P"' EXIT
else
  OWNER=$$
  trap '"$LAB" down --prefix "$P"' EXIT
fi
trap 'exit 130' INT TERM

section() { printf '\n== %s\n' "$*"; }

section "lab $P: $HOSTS hosts + etcd"
"$LAB" up --prefix "$P" --hosts "$HOSTS" --etcd --owner "$OWNER"
"$LAB" netconf --prefix "$P" --json "$NETCONF"
echo "net-conf: $NETCONF"

section "agents"
for ((i = 1; i <= HOSTS; i++)); do
  echo "h$i: agent pid $("$LAB" agent-start --prefix "$P" --host "$i"), log .lab/$P/agent-h$i.log"
done
for ((i = 1; i <= HOSTS; i++)); do
  "$LAB" wait-ready --prefix "$P" --host "$i"
  echo "h$i: ready; $(tr '\n' ' ' <"$("$LAB" subnet-file --prefix "$P" --host "$i")")"
done

section "pods (CNI bridge + host-local from each host's subnet.env)"
declare -a POD_IP
for ((i = 1; i <= HOSTS; i++)); do
  POD_IP[i]=$("$LAB" pod-add --prefix "$P" --host "$i" --pod 1)
  echo "$P-h${i}p1: ${POD_IP[i]}"
done

section "leases in etcd"
"$LAB" etcdctl --prefix "$P" -- get --prefix /coreos.com/network/subnets

for ((i = 1; i <= HOSTS; i++)); do
  section "host h$i ($P-h$i)"
  "$LAB" exec --prefix "$P" --ns "h$i" -- ip -br -4 addr show dev flannel0 || echo "(no flannel0)"
  "$LAB" exec --prefix "$P" --ns "h$i" -- ip route
done

section "ping matrix pod → pod (3 pings each, avg RTT)"
failures=0
printf '%-12s' "from \\ to"
for ((j = 1; j <= HOSTS; j++)); do printf '%-22s' "h${j}p1 ${POD_IP[j]}"; done
echo
for ((i = 1; i <= HOSTS; i++)); do
  printf '%-12s' "h${i}p1"
  for ((j = 1; j <= HOSTS; j++)); do
    if out=$("$LAB" exec --prefix "$P" --ns "h${i}p1" -- ping -c 3 -i 0.2 -W 2 -q "${POD_IP[j]}" 2>&1) &&
      rtt=$(awk -F/ '/^rtt/ {print $5}' <<<"$out") && [[ -n $rtt ]]; then
      printf '%-22s' "OK ${rtt} ms"
    else
      printf '%-22s' "FAIL"
      failures=$((failures + 1))
    fi
  done
  echo
done

if ((failures)); then
  echo "demo: $failures of $((HOSTS * HOSTS)) pings failed" >&2
  exit 1
fi
echo "demo: all $((HOSTS * HOSTS)) pod → pod pings OK"
