#!/usr/bin/env bash
# Weft's network-namespace lab: an underlay bridge, N "hosts", an optional etcd, agents and
# kubelet-style pods, all in namespaces named with one per-run prefix. Used by `make demo`,
# `make bench` and the Java end-to-end tests. Run as root. Nothing is ever added to the root
# namespace: every veth is created with both ends already inside lab namespaces.
#
# Layout for prefix P (the seed drawing's addresses):
#   P-ul            underlay: bridge br0; one veth port per host (h1, h2, ...) and one for etcd
#   P-etcd          eth0 192.168.0.2/24, /usr/bin/etcd on 192.168.0.2:2379
#   P-h1, P-h2 ...  eth0 192.168.0.100, .200, .150, then .101, .102 ...; ip_forward=1
#   P-h<I>p<K>      pod K on host I, made by the CNI bridge plugin inside P-h<I>
# State lives in $LAB_STATE_ROOT/P (default <repo>/.lab/P); /run/weft-lab/P points at it so
# that `sweep` from any worktree can tell a live lab from leftovers.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_ROOT=${LAB_STATE_ROOT:-$REPO/.lab}
REGISTRY=/run/weft-lab
PREFIX_RE='^wl[a-z0-9]{2,8}$'
NS_FAMILY_RE='^(wl[a-z0-9]{2,8})-(ul|etcd|h[0-9]+(p[0-9]+)?)$'
ETCD_IP=192.168.0.2
ETCD_ENDPOINT=http://$ETCD_IP:2379
ETCD_PREFIX_DEFAULT=/coreos.com/network
HEALTHZ_PORT=${LAB_HEALTHZ_PORT:-8471}
CNI_PATH_DIR=${LAB_CNI_PATH:-/usr/lib/cni}
STOP_TIMEOUT=${LAB_STOP_TIMEOUT:-15}
MAX_HOSTS=40

usage() {
  cat <<'EOF'
usage: scripts/lab.sh COMMAND [options]

  new-prefix                                   print a fresh prefix (wl + 4 hex digits)
  up --prefix P --hosts N [--etcd] [--owner PID]
                                               build the lab; --owner (default: the caller) is
                                               the process whose death lets `sweep` remove the
                                               lab; --owner 0 keeps it until `down`
  netconf --prefix P --json JSON [--etcd-prefix /coreos.com/network]
                                               put the network config into etcd (<prefix>/config)
  etcdctl --prefix P -- ARGS...                etcdctl (v3 API) against the lab's etcd
  agent-start --prefix P --host I [AGENT FLAGS...]
                                               run the agent in host I (background, logged)
  agent-stop --prefix P --host I [--kill]      SIGTERM, wait, SIGKILL (--kill: SIGKILL at once)
  wait-ready --prefix P --host I [--timeout S] wait for /readyz = 200 and subnet.env
  agent-pid --prefix P --host I                print the agent's PID
  subnet-file --prefix P --host I              print the path of host I's subnet.env
  pod-add --prefix P --host I --pod K          make pod namespace P-h<I>p<K> with the CNI bridge
                                               plugin from host I's subnet.env; prints the pod IP
  pod-del --prefix P --host I --pod K          CNI DEL and delete the pod namespace
  pod-ip --prefix P --host I --pod K           print the pod's IP
  bg --prefix P --ns NAME --name LABEL -- CMD...
                                               run CMD in namespace NAME in the background,
                                               PID recorded as LABEL, output in LABEL.log
  stop --prefix P --name LABEL                 stop a process started with bg
  exec --prefix P --ns NAME -- CMD...          run CMD in namespace NAME (h1, h1p2, ul, etcd or
                                               the full name)
  down --prefix P                              stop everything, delete namespaces and state
  sweep                                        remove labs whose owner is gone and leftovers

Environment: WEFT_AGENT_CMD (default: $WEFT_JAVA --enable-native-access=ALL-UNNAMED -jar
<repo>/agent/target/quarkus-app/quarkus-run.jar), WEFT_JAVA (java), LAB_STATE_ROOT (<repo>/.lab),
LAB_HEALTHZ_PORT (8471), LAB_AGENT_IP_MASQ (1: pass --ip-masq), LAB_READY_TIMEOUT (90),
LAB_STOP_TIMEOUT (15), LAB_CNI_PATH (/usr/lib/cni).
EOF
}

die() { echo "lab.sh: $*" >&2; exit 1; }
note() { echo "lab.sh: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Names and addresses

host_ip() { # host index -> underlay address, as in the seed drawing
  case $1 in
    1) echo 192.168.0.100 ;;
    2) echo 192.168.0.200 ;;
    3) echo 192.168.0.150 ;;
    *) echo "192.168.0.$((97 + $1))" ;;
  esac
}

check_prefix() {
  [[ -n ${1:-} ]] || die "--prefix is required"
  [[ $1 =~ $PREFIX_RE ]] || die "--prefix '$1' must match $PREFIX_RE (e.g. $(new_prefix))"
}

check_index() { # flag value
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"
}

# A namespace given as h1, h1p2, ul or etcd gets the prefix; a full name is taken as is.
ns_name() {
  local p=$1 n=$2
  if [[ $n == "$p"-* ]]; then echo "$n"; else echo "$p-$n"; fi
}

ns_exists() { [[ -e /var/run/netns/$1 ]]; }

state_dir() { # the lab's state dir: the registry's pointer if any, else this repo's
  local p=$1
  if [[ -L $REGISTRY/$p ]]; then readlink "$REGISTRY/$p"; else echo "$LAB_ROOT/$p"; fi
}

subnet_file() { echo "$(state_dir "$1")/h$2/subnet.env"; }

new_prefix() {
  local p
  while :; do
    p=$(printf 'wl%04x' $((RANDOM ^ (RANDOM << 1) & 0xffff)))
    [[ -e $REGISTRY/$p || -e $LAB_ROOT/$p ]] && continue
    ip netns list 2>/dev/null | awk '{print $1}' | grep "^$p-" >/dev/null && continue
    echo "$p"; return
  done
}

# ---------------------------------------------------------------------------------------------
# Processes: recorded as "PID STARTTIME" so a reused PID is never signalled.

proc_start() { # prints the start time of a live, non-zombie process; fails otherwise
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # fields after "pid (comm) ": state is the 1st, starttime the 20th
  local -a fields
  read -ra fields <<<"$stat"
  [[ ${fields[0]} != Z && ${fields[0]} != X ]] || return 1
  echo "${fields[19]}"
}

record_pid() { # state-dir label pid
  local start
  start=$(proc_start "$3") || return 1
  mkdir -p "$1/pids"
  echo "$3 $start" >"$1/pids/$2"
}

recorded_alive() { # pid-file -> prints pid if that very process still runs
  local pid start
  [[ -f $1 ]] || return 1
  read -r pid start <"$1" || return 1
  [[ -n $pid && $(proc_start "$pid" 2>/dev/null) == "$start" ]] || return 1
  echo "$pid"
}

stop_process() { # pid start timeout-seconds [signal]
  local pid=$1 start=$2 timeout=$3 sig=${4:-TERM} i
  [[ $(proc_start "$pid" 2>/dev/null) == "$start" ]] || return 0
  kill "-$sig" "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 10; i++)); do
    [[ $(proc_start "$pid" 2>/dev/null) == "$start" ]] || return 0
    sleep 0.1
  done
  note "pid $pid did not stop within ${timeout}s after SIG$sig; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    [[ $(proc_start "$pid" 2>/dev/null) == "$start" ]] || return 0
    sleep 0.1
  done
  note "pid $pid survived SIGKILL"
}

stop_recorded() { # pid-file [timeout] [signal]
  local pid start
  [[ -f $1 ]] || return 0
  read -r pid start <"$1" || true
  [[ -n ${pid:-} ]] && stop_process "$pid" "$start" "${2:-$STOP_TIMEOUT}" "${3:-TERM}"
  rm -f "$1"
}

# Runs a command in a namespace in the background, detached (own session, no terminal, stdin
# from /dev/null, output to a log) so it outlives this script and the caller's pipes close.
# `setsid` does not fork here (a background job is never a group leader) and `ip netns exec`
# execs, so $! is the command's own PID.
spawn() { # state-dir label ns log cmd...
  local sd=$1 label=$2 ns=$3 log=$4 pid
  shift 4
  setsid ip netns exec "$ns" "$@" </dev/null >>"$log" 2>&1 &
  pid=$!
  record_pid "$sd" "$label" "$pid" || die "$label exited at once; log $log:
$(tail -n 20 "$log" 2>/dev/null)"
  echo "$pid"
}

# ---------------------------------------------------------------------------------------------
# Ownership: a lab is live while its registry entry points at a state dir whose owner runs.

lab_is_live() {
  local p=$1 sd owner start
  [[ -L $REGISTRY/$p ]] || return 1
  sd=$(readlink "$REGISTRY/$p")
  [[ -f $sd/owner ]] || return 1
  read -r owner start <"$sd/owner" || return 1
  [[ $owner == 0 ]] && return 0
  [[ $(proc_start "$owner" 2>/dev/null) == "$start" ]]
}

with_registry_lock() {
  mkdir -p "$REGISTRY"
  exec 9>"$REGISTRY/.lock"
  flock 9
  "$@"
  flock -u 9
}

# ---------------------------------------------------------------------------------------------
# up

cmd_up() {
  local p="" hosts="" etcd=0 owner=$PPID
  while (($#)); do
    case $1 in
      --prefix) p=${2:-}; shift 2 ;;
      --hosts) hosts=${2:-}; shift 2 ;;
      --etcd) etcd=1; shift ;;
      --owner) owner=${2:-}; shift 2 ;;
      *) die "up: unknown argument '$1'" ;;
    esac
  done
  check_prefix "$p"
  [[ -n $hosts ]] || die "up: --hosts is required"
  check_index --hosts "$hosts"
  ((hosts <= MAX_HOSTS)) || die "up: --hosts $hosts is more than $MAX_HOSTS"
  [[ $owner =~ ^[0-9]+$ ]] || die "up: --owner must be a PID or 0, got '$owner'"
  local owner_start=0
  if [[ $owner != 0 ]]; then
    owner_start=$(proc_start "$owner") || die "up: --owner $owner is not a running process"
  fi
  command -v ip >/dev/null || die "iproute2 ('ip') is not installed"
  ((etcd == 0)) || command -v etcd >/dev/null || die "--etcd needs /usr/bin/etcd (Debian etcd-server)"

  local sd=$LAB_ROOT/$p
  claim() {
    sweep_locked
    if [[ -e $REGISTRY/$p || -e $sd ]] || ip netns list | awk '{print $1}' | grep "^$p-" >/dev/null; then
      die "up: a lab with prefix $p already exists; run: scripts/lab.sh down --prefix $p"
    fi
    mkdir -p "$sd"
    echo "$owner $owner_start" >"$sd/owner"
    echo "$hosts" >"$sd/hosts"
    ln -s "$sd" "$REGISTRY/$p"
  }
  with_registry_lock claim

  local ul=$p-ul
  ip netns add "$ul"
  ip -n "$ul" link set lo up
  ip -n "$ul" link add br0 type bridge
  ip -n "$ul" link set br0 up

  local i h
  for ((i = 1; i <= hosts; i++)); do
    h=$p-h$i
    ip netns add "$h"
    ip -n "$h" link set lo up
    # Created inside the underlay with the peer placed straight into the host namespace.
    ip -n "$ul" link add "h$i" type veth peer name eth0 netns "$h"
    ip -n "$ul" link set "h$i" master br0 up
    ip -n "$h" addr add "$(host_ip "$i")/24" dev eth0
    ip -n "$h" link set eth0 up
    ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1
    mkdir -p "$sd/h$i"
  done

  if ((etcd)); then
    local e=$p-etcd
    ip netns add "$e"
    ip -n "$e" link set lo up
    ip -n "$ul" link add etcd type veth peer name eth0 netns "$e"
    ip -n "$ul" link set etcd master br0 up
    ip -n "$e" addr add "$ETCD_IP/24" dev eth0
    ip -n "$e" link set eth0 up
    mkdir -p "$sd/etcd"
    spawn "$sd" etcd "$e" "$sd/etcd.log" /usr/bin/etcd \
      --name lab --data-dir "$sd/etcd/data" \
      --listen-client-urls "$ETCD_ENDPOINT,http://127.0.0.1:2379" \
      --advertise-client-urls "$ETCD_ENDPOINT" \
      --listen-peer-urls http://127.0.0.1:2380 \
      --initial-advertise-peer-urls http://127.0.0.1:2380 \
      --initial-cluster lab=http://127.0.0.1:2380 \
      --initial-cluster-state new --log-level warn >/dev/null
    local t
    for ((t = 0; t < 200; t++)); do
      if ip netns exec "$e" env ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINT" \
        --dial-timeout=1s endpoint health >/dev/null 2>&1; then
        break
      fi
      recorded_alive "$sd/pids/etcd" >/dev/null ||
        die "etcd exited; log $sd/etcd.log:
$(tail -n 20 "$sd/etcd.log")"
      sleep 0.1
    done
    ((t < 200)) || die "etcd not healthy on $ETCD_ENDPOINT after 20s; log $sd/etcd.log:
$(tail -n 20 "$sd/etcd.log")"
  fi
  local what="$hosts host(s)"
  ((etcd == 0)) || what+=", etcd at $ETCD_ENDPOINT"
  note "lab $p up: $what; state $sd"
}

# ---------------------------------------------------------------------------------------------
# etcd

etcdctl_in_lab() { # prefix args...
  local p=$1
  shift
  ns_exists "$p-etcd" || die "lab $p has no etcd (run up with --etcd)"
  ip netns exec "$p-etcd" env ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINT" "$@"
}

cmd_netconf() {
  local p="" json="" eprefix=$ETCD_PREFIX_DEFAULT
  while (($#)); do
    case $1 in
      --prefix) p=${2:-}; shift 2 ;;
      --json) json=${2:-}; shift 2 ;;
      --etcd-prefix) eprefix=${2:-}; shift 2 ;;
      *) die "netconf: unknown argument '$1'" ;;
    esac
  done
  check_prefix "$p"
  [[ -n $json ]] || die "netconf: --json is required"
  [[ $json == \{* ]] || die "netconf: --json must be a JSON object, got '$json'"
  etcdctl_in_lab "$p" put "$eprefix/config" "$json" >/dev/null
}

cmd_etcdctl() {
  local p=""
  while (($#)); do
    case $1 in
      --prefix) p=${2:-}; shift 2 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  check_prefix "$p"
  etcdctl_in_lab "$p" "$@"
}

# ---------------------------------------------------------------------------------------------
# Agent

agent_command() { # prints nothing; fills the AGENT_CMD array
  if [[ -n ${WEFT_AGENT_CMD:-} ]]; then
    read -ra AGENT_CMD <<<"$WEFT_AGENT_CMD"
  else
    local jar=$REPO/agent/target/quarkus-app/quarkus-run.jar
    [[ -f $jar ]] || die "agent jar not found: $jar (run 'make build')"
    AGENT_CMD=("${WEFT_JAVA:-java}" --enable-native-access=ALL-UNNAMED -jar "$jar")
  fi
}

parse_host_args() { # sets P, HOST, REST from --prefix/--host and leaves the rest
  P="" HOST="" REST=()
  while (($#)); do
    case $1 in
      --prefix) P=${2:-}; shift 2 ;;
      --host) HOST=${2:-}; shift 2 ;;
      *) REST+=("$1"); shift ;;
    esac
  done
  check_prefix "$P"
  [[ -n $HOST ]] || die "--host is required"
  check_index --host "$HOST"
  [[ ${ALLOW_MISSING_HOST:-0} == 1 ]] || ns_exists "$P-h$HOST" ||
    die "host namespace $P-h$HOST does not exist"
}

cmd_agent_start() {
  parse_host_args "$@"
  local sd h=$P-h$HOST
  sd=$(state_dir "$P")
  if [[ ${REST[0]:-} == -- ]]; then REST=("${REST[@]:1}"); fi
  recorded_alive "$sd/pids/agent-h$HOST" >/dev/null &&
    die "agent on $h already runs (pid $(recorded_alive "$sd/pids/agent-h$HOST"))"
  agent_command
  local flags=(
    --etcd-endpoints="$ETCD_ENDPOINT"
    --etcd-prefix="$ETCD_PREFIX_DEFAULT"
    --iface=eth0
    --public-ip="$(host_ip "$HOST")"
    --subnet-file="$sd/h$HOST/subnet.env"
    --healthz-ip=127.0.0.1
    --healthz-port="$HEALTHZ_PORT"
  )
  [[ ${LAB_AGENT_IP_MASQ:-1} == 1 ]] && flags+=(--ip-masq)
  mkdir -p "$sd/h$HOST"
  local log=$sd/agent-h$HOST.log
  echo "=== $(date -Is) start in $h: ${AGENT_CMD[*]} ${flags[*]} ${REST[*]}" >>"$log"
  local pid
  pid=$(spawn "$sd" "agent-h$HOST" "$h" "$log" "${AGENT_CMD[@]}" "${flags[@]}" "${REST[@]}")
  echo "$pid"
}

cmd_agent_stop() {
  ALLOW_MISSING_HOST=1 parse_host_args "$@"
  local sig=TERM
  [[ ${REST[0]:-} == --kill ]] && sig=KILL
  stop_recorded "$(state_dir "$P")/pids/agent-h$HOST" "$STOP_TIMEOUT" "$sig"
}

cmd_agent_pid() {
  parse_host_args "$@"
  recorded_alive "$(state_dir "$P")/pids/agent-h$HOST" || die "no agent runs on $P-h$HOST"
}

cmd_wait_ready() {
  parse_host_args "$@"
  local timeout=${LAB_READY_TIMEOUT:-90}
  [[ ${REST[0]:-} == --timeout ]] && timeout=${REST[1]:-}
  [[ $timeout =~ ^[0-9]+$ ]] || die "wait-ready: --timeout must be seconds, got '$timeout'"
  local sd h=$P-h$HOST
  sd=$(state_dir "$P")
  local log=$sd/agent-h$HOST.log pidfile=$sd/pids/agent-h$HOST env=$sd/h$HOST/subnet.env
  [[ -f $pidfile ]] || die "wait-ready: no agent was started on $h"
  local deadline=$((SECONDS + timeout + 1)) # SECONDS ticks whole seconds: wait at least timeout
  while ((SECONDS < deadline)); do
    if ! recorded_alive "$pidfile" >/dev/null; then
      die "agent on $h exited before it was ready; last lines of $log:
$(tail -n 40 "$log")"
    fi
    if ((HEALTHZ_PORT == 0)); then
      # No health endpoint: a subnet.env written after this agent started means ready.
      [[ -f $env && $env -nt $pidfile ]] && return 0
    elif ip netns exec "$h" curl -fsS -o /dev/null -m 2 "http://127.0.0.1:$HEALTHZ_PORT/readyz" 2>/dev/null; then
      [[ -f $env ]] && return 0
      die "agent on $h answers /readyz 200 but wrote no $env"
    fi
    sleep 0.2
  done
  die "agent on $h not ready within ${timeout}s (/readyz on 127.0.0.1:$HEALTHZ_PORT, $env); last lines of $log:
$(tail -n 40 "$log")"
}

# ---------------------------------------------------------------------------------------------
# Pods, made as kubelet + the flannel CNI plugin would: subnet.env -> bridge delegate config

read_subnet_env() { # file -> sets FLANNEL_NETWORK FLANNEL_SUBNET FLANNEL_MTU FLANNEL_IPMASQ
  local f=$1 k v
  [[ -f $f ]] || die "no subnet.env at $f (is the agent running with --subnet-file=$f?)"
  FLANNEL_NETWORK="" FLANNEL_SUBNET="" FLANNEL_MTU="" FLANNEL_IPMASQ=""
  while IFS='=' read -r k v; do
    case $k in
      FLANNEL_NETWORK | FLANNEL_SUBNET | FLANNEL_MTU | FLANNEL_IPMASQ) printf -v "$k" '%s' "$v" ;;
    esac
  done <"$f"
  local cidr='^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$'
  [[ $FLANNEL_NETWORK =~ $cidr ]] || die "$f: FLANNEL_NETWORK must be an IPv4 CIDR, got '$FLANNEL_NETWORK'"
  [[ $FLANNEL_SUBNET =~ $cidr && ${FLANNEL_SUBNET#*/} -le 30 ]] || die "$f: FLANNEL_SUBNET must be an IPv4 CIDR of /30 or wider, got '$FLANNEL_SUBNET'"
  [[ $FLANNEL_MTU =~ ^[0-9]+$ ]] || die "$f: FLANNEL_MTU must be a number, got '$FLANNEL_MTU'"
  [[ $FLANNEL_IPMASQ == true || $FLANNEL_IPMASQ == false ]] ||
    die "$f: FLANNEL_IPMASQ must be true or false, got '$FLANNEL_IPMASQ'"
}

network_of() { # 10.1.15.1/24 -> 10.1.15.0/24
  local ip=${1%/*} len=${1#*/} a b c d n mask
  IFS=. read -r a b c d <<<"$ip"
  n=$(((a << 24) | (b << 16) | (c << 8) | d))
  mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
  n=$((n & mask))
  echo "$((n >> 24 & 255)).$((n >> 16 & 255)).$((n >> 8 & 255)).$((n & 255))/$len"
}

# The flannel CNI plugin parses FLANNEL_SUBNET as a CIDR, so host-local gets the network
# address (10.1.15.1/24 -> 10.1.15.0/24); the bridge plugin then gives cni0 the first address.
cni_delegate_config() { # host-local data dir -> the bridge config the flannel CNI plugin makes
  local ipmasq=true
  [[ $FLANNEL_IPMASQ == true ]] && ipmasq=false
  printf '{"cniVersion":"0.3.1","name":"weft","type":"bridge","bridge":"cni0","mtu":%s,' "$FLANNEL_MTU"
  printf '"isGateway":true,"ipMasq":%s,"hairpinMode":true,' "$ipmasq"
  printf '"ipam":{"type":"host-local","ranges":[[{"subnet":"%s"}]],' "$(network_of "$FLANNEL_SUBNET")"
  printf '"routes":[{"dst":"%s"}],"dataDir":"%s"}}\n' "$FLANNEL_NETWORK" "$1"
}

run_cni() { # command host-ns pod-ns config-file -> plugin stdout; fails like the plugin
  ip netns exec "$2" env CNI_COMMAND="$1" CNI_NETNS="/var/run/netns/$3" CNI_IFNAME=eth0 \
    CNI_CONTAINERID="$3" CNI_PATH="$CNI_PATH_DIR" "$CNI_PATH_DIR/bridge" <"$4"
}

parse_pod_args() {
  local args=() pod=""
  while (($#)); do
    case $1 in
      --pod) pod=${2:-}; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  parse_host_args "${args[@]}"
  [[ -n $pod ]] || die "--pod is required"
  check_index --pod "$pod"
  POD=$pod
  POD_NS=$P-h${HOST}p$POD
}

pod_ip() { ip -n "$1" -4 -o addr show dev eth0 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}'; }

cmd_pod_add() {
  parse_pod_args "$@"
  local sd h=$P-h$HOST
  sd=$(state_dir "$P")
  [[ -x $CNI_PATH_DIR/bridge && -x $CNI_PATH_DIR/host-local ]] ||
    die "CNI plugins not found in $CNI_PATH_DIR (Debian containernetworking-plugins)"
  ns_exists "$POD_NS" && die "pod namespace $POD_NS already exists"
  read_subnet_env "$sd/h$HOST/subnet.env"
  mkdir -p "$sd/pods" "$sd/cni/h$HOST"
  local conf=$sd/pods/h${HOST}p$POD.conf out
  cni_delegate_config "$sd/cni/h$HOST" >"$conf"
  # Debian's bridge plugin (1.1.1) fails the first ADD on a host whose cni0 it has to create
  # ("could not set bridge's mac: invalid argument" on kernel 6.x); with cni0 present it works,
  # so create the bridge first. The plugin still configures it (address, up, MTU via ports).
  if ! ip -n "$h" link show cni0 >/dev/null 2>&1; then
    ip -n "$h" link add cni0 type bridge
  fi
  ip netns add "$POD_NS"
  ip -n "$POD_NS" link set lo up
  if ! out=$(run_cni ADD "$h" "$POD_NS" "$conf" 2>&1); then
    run_cni DEL "$h" "$POD_NS" "$conf" >/dev/null 2>&1 || true
    ip netns del "$POD_NS" 2>/dev/null || true
    rm -f "$conf"
    die "CNI ADD for $POD_NS failed with subnet.env $(tr '\n' ' ' <"$sd/h$HOST/subnet.env"): $out"
  fi
  echo "$out" >"$sd/pods/h${HOST}p$POD.result.json"
  local ip
  ip=$(pod_ip "$POD_NS")
  [[ -n $ip ]] || die "CNI ADD for $POD_NS gave no IPv4 address on eth0: $out"
  echo "$ip"
}

pod_del() { # prefix state-dir conf-file  (best effort)
  local p=$1 sd=$2 conf=$3 base hostidx podns
  base=$(basename "$conf" .conf) # h<I>p<K>
  hostidx=${base#h}
  hostidx=${hostidx%%p*}
  podns=$p-$base
  if ns_exists "$p-h$hostidx"; then
    run_cni DEL "$p-h$hostidx" "$podns" "$conf" >/dev/null 2>&1 ||
      note "CNI DEL for $podns failed (ignored)"
  fi
  ns_exists "$podns" && ip netns del "$podns" 2>/dev/null
  rm -f "$conf" "$sd/pods/$base.result.json"
}

cmd_pod_del() {
  parse_pod_args "$@"
  local sd
  sd=$(state_dir "$P")
  if [[ -f $sd/pods/h${HOST}p$POD.conf ]]; then
    pod_del "$P" "$sd" "$sd/pods/h${HOST}p$POD.conf"
  elif ns_exists "$POD_NS"; then
    ip netns del "$POD_NS"
  fi
  return 0
}

cmd_pod_ip() {
  parse_pod_args "$@"
  local ip
  ip=$(pod_ip "$POD_NS")
  [[ -n $ip ]] || die "pod $POD_NS has no IPv4 address"
  echo "$ip"
}

# ---------------------------------------------------------------------------------------------
# Generic background processes and exec

cmd_bg() {
  local p="" ns="" label=""
  while (($#)); do
    case $1 in
      --prefix) p=${2:-}; shift 2 ;;
      --ns) ns=${2:-}; shift 2 ;;
      --name) label=${2:-}; shift 2 ;;
      --) shift; break ;;
      *) die "bg: unknown argument '$1' (the command goes after --)" ;;
    esac
  done
  check_prefix "$p"
  [[ $label =~ ^[a-zA-Z0-9_.-]+$ ]] || die "bg: --name must be a simple label, got '$label'"
  (($#)) || die "bg: no command after --"
  ns=$(ns_name "$p" "$ns")
  ns_exists "$ns" || die "bg: namespace $ns does not exist"
  local sd
  sd=$(state_dir "$p")
  recorded_alive "$sd/pids/$label" >/dev/null && die "bg: '$label' already runs"
  spawn "$sd" "$label" "$ns" "$sd/$label.log" "$@"
}

cmd_stop() {
  local p="" label=""
  while (($#)); do
    case $1 in
      --prefix) p=${2:-}; shift 2 ;;
      --name) label=${2:-}; shift 2 ;;
      *) die "stop: unknown argument '$1'" ;;
    esac
  done
  check_prefix "$p"
  [[ $label =~ ^[a-zA-Z0-9_.-]+$ ]] || die "stop: --name must be a simple label, got '$label'"
  stop_recorded "$(state_dir "$p")/pids/$label"
}

cmd_exec() {
  local p="" ns=""
  while (($#)); do
    case $1 in
      --prefix) p=${2:-}; shift 2 ;;
      --ns) ns=${2:-}; shift 2 ;;
      --) shift; break ;;
      *) die "exec: unknown argument '$1' (the command goes after --)" ;;
    esac
  done
  check_prefix "$p"
  [[ -n $ns ]] || die "exec: --ns is required"
  (($#)) || die "exec: no command after --"
  ns=$(ns_name "$p" "$ns")
  ns_exists "$ns" || die "exec: namespace $ns does not exist"
  exec ip netns exec "$ns" "$@"
}

# ---------------------------------------------------------------------------------------------
# down and sweep: best effort, idempotent, never fail on what is already gone

lab_namespaces() { # prefix -> its namespaces, pods first, the underlay last
  ip netns list 2>/dev/null | awk '{print $1}' | while read -r n; do
    if [[ $n =~ $NS_FAMILY_RE && ${BASH_REMATCH[1]} == "$1" ]]; then echo "$n"; fi
  done | sort -r -t- -k2 | awk '/-ul$/ {ul = $0; next} {print} END {if (ul) print ul}'
}

down_lab() {
  local p=$1 sd f n pid
  sd=$(state_dir "$p")
  if [[ -d $sd/pids ]]; then
    # Agents first (they may still talk to etcd), then everything else, etcd last.
    for f in "$sd"/pids/agent-*; do if [[ -e $f ]]; then stop_recorded "$f"; fi; done
    for f in "$sd"/pids/*; do if [[ -e $f && ${f##*/} != etcd ]]; then stop_recorded "$f"; fi; done
    stop_recorded "$sd/pids/etcd"
  fi
  if [[ -d $sd/pods ]]; then
    for f in "$sd"/pods/*.conf; do if [[ -e $f ]]; then pod_del "$p" "$sd" "$f"; fi; done
  fi
  # Anything still running inside one of our namespaces is ours: stop it by PID.
  for n in $(lab_namespaces "$p"); do
    for pid in $(ip netns pids "$n" 2>/dev/null); do
      stop_process "$pid" "$(proc_start "$pid" 2>/dev/null || echo gone)" 5
    done
  done
  for n in $(lab_namespaces "$p"); do
    ip netns del "$n" 2>/dev/null || note "could not delete namespace $n"
  done
  [[ $sd == */"$p" ]] && rm -rf -- "$sd"
  [[ -d $LAB_ROOT/$p ]] && rm -rf -- "${LAB_ROOT:?}/$p"
  rm -f "$REGISTRY/$p"
  return 0
}

cmd_down() {
  local p=""
  while (($#)); do
    case $1 in
      --prefix) p=${2:-}; shift 2 ;;
      *) die "down: unknown argument '$1'" ;;
    esac
  done
  check_prefix "$p"
  down_lab "$p"
}

sweep_locked() {
  local prefixes p n
  prefixes=$(
    {
      ip netns list 2>/dev/null | awk '{print $1}' | while read -r n; do
        if [[ $n =~ $NS_FAMILY_RE ]]; then echo "${BASH_REMATCH[1]}"; fi
      done
      for n in "$REGISTRY"/* "$LAB_ROOT"/*; do
        n=${n##*/}
        if [[ $n =~ $PREFIX_RE ]]; then echo "$n"; fi
      done
    } | sort -u
  )
  for p in $prefixes; do
    if ! lab_is_live "$p"; then
      note "sweep: removing stale lab $p"
      down_lab "$p"
    fi
  done
}

cmd_sweep() { with_registry_lock sweep_locked; }

# ---------------------------------------------------------------------------------------------

main() {
  (($#)) || { usage >&2; exit 2; }
  local cmd=$1
  shift
  case $cmd in
    -h | --help | help) usage ;;
    new-prefix) new_prefix ;;
    up) cmd_up "$@" ;;
    netconf) cmd_netconf "$@" ;;
    etcdctl) cmd_etcdctl "$@" ;;
    agent-start) cmd_agent_start "$@" ;;
    agent-stop) cmd_agent_stop "$@" ;;
    agent-pid) cmd_agent_pid "$@" ;;
    wait-ready) cmd_wait_ready "$@" ;;
    subnet-file) parse_host_args "$@"; subnet_file "$P" "$HOST" ;;
    pod-add) cmd_pod_add "$@" ;;
    pod-del) cmd_pod_del "$@" ;;
    pod-ip) cmd_pod_ip "$@" ;;
    bg) cmd_bg "$@" ;;
    stop) cmd_stop "$@" ;;
    exec) cmd_exec "$@" ;;
    down) cmd_down "$@" ;;
    sweep) cmd_sweep ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

[[ $(id -u) == 0 ]] || die "must run as root (network namespaces)"
main "$@"
