#!/usr/bin/env bash
# Lab vCenter for cloudmove.vcda: govmomi's vCenter simulator (vcsim) built
# from Debian's govmomi source with the patches in lab/vcsim/patches.
#
#   lab/vcsim.sh build                 build (cached) lab/build/bin/vcsim-lab
#   lab/vcsim.sh start [NAME] [IP:PORT] start an instance (default provider;
#                                       provider=127.0.0.1:8989, tenant=127.0.0.1:8990)
#   lab/vcsim.sh stop [NAME...]        stop instances (default: all running)
#   lab/vcsim.sh status [NAME...]      show instances (exit 3 if one is not running)
#   lab/vcsim.sh env [NAME]            print export VMWARE_HOST=... lines
#
# State: lab/run/vcsim-NAME.json; certificate, log and datastores in
# lab/run/vcsim-NAME/. See lab/README.md ("## vcsim").
set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC_DIR="$LAB_DIR/vcsim"
BUILD_DIR="${VCSIM_BUILD_DIR:-$LAB_DIR/build}"
RUN_DIR="${VCSIM_RUN_DIR:-$LAB_DIR/run}"
GOPATH_DIR="$BUILD_DIR/gopath"
BIN="$BUILD_DIR/bin/vcsim-lab"
STAMP="$BUILD_DIR/vcsim-lab.hash"
GOCODE="${VCSIM_GOCODE:-/usr/share/gocode/src}"
GOVMOMI_PKG=golang-github-vmware-govmomi-dev

VCSIM_USER="administrator@vsphere.local"
VCSIM_PASSWORD="${VCSIM_PASSWORD:-VMware1!Lab}"
START_TIMEOUT="${VCSIM_START_TIMEOUT:-60}"

log() { printf 'vcsim: %s\n' "$*" >&2; }
die() { printf 'vcsim: error: %s\n' "$*" >&2; exit 1; }

default_address() {
    case "$1" in
        provider) echo "127.0.0.1:8989" ;;
        tenant) echo "127.0.0.1:8990" ;;
        *) return 1 ;;
    esac
}

valid_name() {
    [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "invalid instance name '$1'"
}

# ---------------------------------------------------------------- build ----

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

ensure_packages() {
    local missing=() pkg
    for pkg in golang-go "$GOVMOMI_PKG"; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
    command -v patch >/dev/null || missing+=(patch)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v curl >/dev/null || missing+=(curl)
    command -v python3 >/dev/null || missing+=(python3)
    command -v setsid >/dev/null || missing+=(util-linux)
    command -v flock >/dev/null || missing+=(util-linux)
    [ "${#missing[@]}" -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "missing packages: ${missing[*]} (run as root or install them)"
        sudo=(sudo)
    fi
    log "installing missing packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

go_bin() {
    if command -v go >/dev/null; then command -v go
    elif [ -x /usr/lib/go/bin/go ]; then echo /usr/lib/go/bin/go
    else die "go not found after installing golang-go"
    fi
}

source_hash() {
    {
        echo "go: $("$(go_bin)" version)"
        echo "govmomi: $(dpkg-query -W -f='${Version}' "$GOVMOMI_PKG" 2>/dev/null || echo none)"
        sha256sum "$SRC_DIR/main.go" "$LAB_DIR/vcsim.sh"
        find "$SRC_DIR/patches" -maxdepth 1 -name '*.patch' -print0 | sort -z | xargs -0 -r sha256sum
    } | sed "s#$LAB_DIR/##" | sha256sum | cut -d' ' -f1
}

do_build() {
    local hash govmomi_dst start dir rel p
    hash="$(source_hash)"
    if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$hash" ]; then
        log "up to date: $BIN"
        return 0
    fi
    start=$(date +%s)
    log "building $BIN"
    [ -d "$GOCODE/github.com/vmware/govmomi" ] || die "govmomi source not found in $GOCODE"
    rm -rf "$GOPATH_DIR" "$STAMP"
    mkdir -p "$GOPATH_DIR/src/github.com/vmware" "$(dirname "$BIN")"

    govmomi_dst="$GOPATH_DIR/src/github.com/vmware/govmomi"
    cp -a "$GOCODE/github.com/vmware/govmomi" "$govmomi_dst"
    # Dependencies: link Debian's other Go sources (host/owner/repo and gopkg.in/pkg).
    while IFS= read -r dir; do
        rel="${dir#"$GOCODE"/}"
        [ "$rel" = "github.com/vmware/govmomi" ] && continue
        [ -e "$GOPATH_DIR/src/$rel" ] && continue
        mkdir -p "$(dirname "$GOPATH_DIR/src/$rel")"
        ln -s "$dir" "$GOPATH_DIR/src/$rel"
    done < <(find "$GOCODE" -mindepth 3 -maxdepth 3 -type d ! -path "$GOCODE/gopkg.in/*"; \
             find "$GOCODE" -mindepth 2 -maxdepth 2 -path "$GOCODE/gopkg.in/*")

    for p in "$SRC_DIR"/patches/*.patch; do
        [ -e "$p" ] || continue
        log "applying $(basename "$p")"
        patch -p1 --batch --forward --quiet -d "$govmomi_dst" < "$p" \
            || die "patch $(basename "$p") does not apply to $GOVMOMI_PKG $(dpkg-query -W -f='${Version}' "$GOVMOMI_PKG")"
    done

    mkdir -p "$GOPATH_DIR/src/cloudmove.lab/vcsim-lab"
    cp "$SRC_DIR/main.go" "$GOPATH_DIR/src/cloudmove.lab/vcsim-lab/main.go"

    (
        cd "$GOPATH_DIR/src/cloudmove.lab/vcsim-lab"
        env GOPATH="$GOPATH_DIR" GO111MODULE=off GOFLAGS= CGO_ENABLED=0 \
            GOCACHE="$BUILD_DIR/gocache" HOME="${HOME:-/tmp}" \
            "$(go_bin)" build -o "$BIN.tmp" .
    ) || die "go build failed"
    mv -f "$BIN.tmp" "$BIN"
    echo "$hash" > "$STAMP"
    log "built $BIN in $(( $(date +%s) - start ))s"
}

cmd_build() {
    ensure_packages
    mkdir -p "$BUILD_DIR"
    exec 9>"$BUILD_DIR/.build.lock"
    flock 9
    do_build
    flock -u 9
}

# ---------------------------------------------------------------- state ----

state_file() { echo "$RUN_DIR/vcsim-$1.json"; }
inst_dir() { echo "$RUN_DIR/vcsim-$1"; }

state_get() { # FILE KEY
    python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2], ""); print(v)' "$1" "$2"
}

pid_is_ours() {
    local pid="$1"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "vcsim-lab"
}

soap_ready() { # HOST:PORT
    local code
    code=$(curl -sk --max-time 3 -o /dev/null -w '%{http_code}' \
        -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: urn:vim25/7.0' \
        --data '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:vim25="urn:vim25"><soapenv:Body><vim25:RetrieveServiceContent><vim25:_this type="ServiceInstance">ServiceInstance</vim25:_this></vim25:RetrieveServiceContent></soapenv:Body></soapenv:Envelope>' \
        "https://$1/sdk" 2>/dev/null) || true
    [ "$code" = "200" ]
}

running() { # NAME -> 0 if its recorded process is alive and answering
    local f pid
    f="$(state_file "$1")"
    [ -f "$f" ] || return 1
    pid="$(state_get "$f" pid)"
    pid_is_ours "$pid" || return 1
    soap_ready "$(state_get "$f" hostname):$(state_get "$f" port)"
}

port_in_use() { # IP PORT
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

ensure_cert() { # NAME IP
    local dir ip="$2"
    dir="$(inst_dir "$1")"
    if [ -f "$dir/cert.pem" ] && [ -f "$dir/key.pem" ] \
        && openssl x509 -in "$dir/cert.pem" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:$ip\$" \
        && openssl x509 -in "$dir/cert.pem" -noout -checkend 86400 >/dev/null 2>&1; then
        return 0
    fi
    log "generating self-signed certificate for $ip"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" \
        -subj "/CN=$ip/O=cloudmove.vcda lab/OU=vcsim $1" \
        -addext "subjectAltName=IP:$ip" \
        -addext "basicConstraints=critical,CA:FALSE" \
        -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
        -addext "extendedKeyUsage=serverAuth" >/dev/null 2>&1 || die "openssl failed to create a certificate"
    chmod 600 "$dir/key.pem"
}

fingerprint() { # CERT ALGO -> AA:BB:...
    openssl x509 -in "$1" -noout -fingerprint "-$2" | sed 's/^[^=]*=//' | tr 'a-f' 'A-F'
}

# ---------------------------------------------------------------- start ----

cmd_start() {
    local name="${1:-provider}" addr="${2:-}" ip port dir f pid i
    valid_name "$name"
    if [ -z "$addr" ]; then
        addr="$(default_address "$name")" || die "no default address for '$name': give IP:PORT (e.g. 127.0.0.1:8991)"
    fi
    [[ "$addr" =~ ^(127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}):([0-9]{1,5})$ ]] \
        || die "address must be a loopback IPv4 address:port (127.x.y.z:PORT), got '$addr'"
    ip="${BASH_REMATCH[1]}"
    port="${BASH_REMATCH[2]}"
    f="$(state_file "$name")"

    if running "$name"; then
        if [ "$(state_get "$f" hostname):$(state_get "$f" port)" = "$ip:$port" ]; then
            log "$name already running at https://$ip:$port/sdk (pid $(state_get "$f" pid))"
            return 0
        fi
        die "$name is already running at $(state_get "$f" hostname):$(state_get "$f" port); stop it first"
    fi

    cmd_build

    port_in_use "$ip" "$port" && die "$ip:$port is already in use by another process"
    dir="$(inst_dir "$name")"
    rm -f "$f"
    rm -rf "$dir/tmp"
    mkdir -p "$dir/tmp"
    chmod 700 "$dir"
    ensure_cert "$name" "$ip"
    ( umask 077; printf '%s' "$VCSIM_PASSWORD" > "$dir/password" )
    rm -f "$dir/pid"

    local extra=()
    read -r -a extra <<<"${VCSIM_ARGS:-}"
    log "starting $name at https://$ip:$port/sdk"
    TMPDIR="$dir/tmp" setsid "$BIN" -listen "$ip:$port" \
        -cert "$dir/cert.pem" -key "$dir/key.pem" \
        -username "$VCSIM_USER" -password-file "$dir/password" \
        -pidfile "$dir/pid" "${extra[@]}" \
        </dev/null >"$dir/vcsim.log" 2>&1 &
    local launcher=$!

    for ((i = 0; i < START_TIMEOUT * 4; i++)); do
        if [ -s "$dir/pid" ] && soap_ready "$ip:$port"; then
            break
        fi
        if ! kill -0 "$launcher" 2>/dev/null && ! [ -s "$dir/pid" ]; then
            tail -n 20 "$dir/vcsim.log" >&2 || true
            die "$name exited during start (log: $dir/vcsim.log)"
        fi
        sleep 0.25
    done
    pid="$(cat "$dir/pid" 2>/dev/null || true)"
    if ! pid_is_ours "$pid" || ! soap_ready "$ip:$port"; then
        tail -n 20 "$dir/vcsim.log" >&2 || true
        if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
        die "$name did not answer on https://$ip:$port/sdk within ${START_TIMEOUT}s (log: $dir/vcsim.log)"
    fi

    NAME="$name" IP="$ip" PORT="$port" USERNAME="$VCSIM_USER" PASSWORD="$VCSIM_PASSWORD" PID="$pid" \
    SHA256="$(fingerprint "$dir/cert.pem" sha256)" SHA1="$(fingerprint "$dir/cert.pem" sha1)" \
    CERT="$dir/cert.pem" LOG="$dir/vcsim.log" OUT="$f" python3 - <<'PY'
import json, os
e = os.environ
base = "https://%s:%s" % (e["IP"], e["PORT"])
state = {
    "name": e["NAME"],
    "hostname": e["IP"],
    "port": int(e["PORT"]),
    "username": e["USERNAME"],
    "password": e["PASSWORD"],
    "thumbprint": "SHA-256:" + e["SHA256"],
    "thumbprint_sha1": e["SHA1"],
    "pid": int(e["PID"]),
    "url": base + "/sdk",
    "lookup_service_url": base + "/lookupservice/sdk",
    "sts_url": base + "/sts/STSService/vsphere.local",
    "lab_url": base + "/_lab",
    "cert_file": e["CERT"],
    "log_file": e["LOG"],
}
tmp = e["OUT"] + ".tmp"
with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
    json.dump(state, fh, indent=2)
    fh.write("\n")
os.replace(tmp, e["OUT"])
PY
    log "$name running (pid $pid), state in $f"
    # The provider's appliance VMs publish their certificates at power-on (lab/guestinfo.py, patch 0011).
    if [ "$name" = provider ] && [ -f "${EMULATORS_RUN_DIR:-$LAB_DIR/run}/emulators.json" ]; then
        VCSIM_RUN_DIR="$RUN_DIR" python3 "$LAB_DIR/guestinfo.py" publish --quiet \
            || log "warning: the emulated appliances' guestinfo certificates were not published"
    fi
}

# ----------------------------------------------------------------- stop ----

known_names() {
    local f
    for f in "$RUN_DIR"/vcsim-*.json; do
        [ -e "$f" ] || continue
        f="${f##*/vcsim-}"
        echo "${f%.json}"
    done
}

stop_one() {
    local name="$1" f pid i dir
    valid_name "$name"
    f="$(state_file "$name")"
    dir="$(inst_dir "$name")"
    if [ ! -f "$f" ]; then
        log "$name is not running"
        return 0
    fi
    pid="$(state_get "$f" pid)"
    if pid_is_ours "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 40; i++)); do
            pid_is_ours "$pid" || break
            sleep 0.25
        done
        if pid_is_ours "$pid"; then
            log "$name (pid $pid) did not stop on SIGTERM, killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        log "stopped $name (pid $pid)"
    else
        log "$name was not running (stale state removed)"
    fi
    rm -f "$f" "$dir/pid"
    rm -rf "$dir/tmp"
}

cmd_stop() {
    local names=("$@") n
    if [ "${#names[@]}" -eq 0 ]; then
        mapfile -t names < <(known_names)
    fi
    for n in "${names[@]}"; do
        stop_one "$n"
    done
}

# --------------------------------------------------------- status / env ----

cmd_status() {
    local names=("$@") n rc=0 f
    if [ "${#names[@]}" -eq 0 ]; then
        mapfile -t names < <(known_names)
        if [ "${#names[@]}" -eq 0 ]; then
            echo "no vcsim instance"
            return 3
        fi
    fi
    for n in "${names[@]}"; do
        valid_name "$n"
        f="$(state_file "$n")"
        if running "$n"; then
            echo "$n: running pid=$(state_get "$f" pid) url=$(state_get "$f" url) thumbprint=$(state_get "$f" thumbprint)"
        else
            echo "$n: stopped"
            rc=3
        fi
    done
    return $rc
}

cmd_env() {
    local name="${1:-provider}" f
    valid_name "$name"
    f="$(state_file "$name")"
    [ -f "$f" ] || die "$name is not running (no $f); run: $0 start $name"
    printf 'export VMWARE_HOST=%q\n' "$(state_get "$f" hostname)"
    printf 'export VMWARE_PORT=%q\n' "$(state_get "$f" port)"
    printf 'export VMWARE_USER=%q\n' "$(state_get "$f" username)"
    printf 'export VMWARE_PASSWORD=%q\n' "$(state_get "$f" password)"
    printf 'export VMWARE_THUMBPRINT=%q\n' "$(state_get "$f" thumbprint)"
}

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

main() {
    local cmd="${1:-}"
    [ $# -gt 0 ] && shift
    mkdir -p "$RUN_DIR"
    case "$cmd" in
        build) cmd_build ;;
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        restart) cmd_stop "${1:-provider}"; cmd_start "$@" ;;
        status) cmd_status "$@" ;;
        env) cmd_env "$@" ;;
        -h|--help|help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
