# Shared helpers for the .ci scripts; source it, don't run it.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/myca-target}"
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Runs a named phase in a subshell with errexit in force (bash ignores `set -e`
# inside anything tested by `||`), prints its duration and records it.
PHASES=()
phase() {
  local name=$1; shift
  local started=$SECONDS status=0
  log "── $name"
  set +e
  (set -e; "$@")
  status=$?
  set -e
  local took=$((SECONDS - started))
  PHASES+=("$(printf '%-34s %5ss  %s' "$name" "$took" "$([ "$status" = 0 ] && echo ok || echo "FAILED ($status)")")")
  log "── $name: ${took}s$([ "$status" = 0 ] || echo " — FAILED ($status)")"
  # Sub-scripts share one log so the caller can print every phase at the end.
  if [ -n "${MYCA_PHASE_LOG:-}" ]; then printf '%s\n' "${PHASES[-1]}" >>"$MYCA_PHASE_LOG"; fi
  return "$status"
}

print_phases() {
  [ "${#PHASES[@]}" -gt 0 ] || return 0
  printf '\nPhase durations:\n' >&2
  printf '  %s\n' "${PHASES[@]}" >&2
}

print_phase_log() {
  [ -s "${MYCA_PHASE_LOG:-}" ] || return 0
  printf '\nAll phases:\n' >&2
  sed 's/^/  /' "$MYCA_PHASE_LOG" >&2
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  [ "$#" -gt 0 ] || return 0
  local attempt
  for attempt in 1 2 3; do
    if [ "$APT_UPDATED" = 0 ]; then
      as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q && APT_UPDATED=1
    fi
    if as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
      install -y -q --no-install-recommends "$@"; then
      return 0
    fi
    log "apt-get install failed (attempt $attempt); retrying"
    APT_UPDATED=0
    sleep $((attempt * 5))
  done
  die "could not install: $*"
}

# Installs only the packages dpkg does not already know as installed.
ensure_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

# Waits until a command succeeds, up to a number of seconds.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { log "$what did not come up within ${seconds}s"; return 1; }
    sleep 0.2
  done
}

docker_answers() {
  curl -sf --max-time 2 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null
}

# Starts a local Docker Engine on the default socket unless one answers.
ensure_dockerd() {
  local log_file=$1 pid_file=$2
  docker_answers && return 0
  [ "$(id -u)" = 0 ] || die "no Docker Engine answers on /var/run/docker.sock and starting one needs root"
  log "starting dockerd (vfs storage driver)"
  dockerd --storage-driver=vfs --pidfile="$pid_file" >"$log_file" 2>&1 &
  wait_for 60 dockerd docker_answers || { tail -n 30 "$log_file" >&2; return 1; }
}

# Installs npm dependencies when they are missing or older than the lockfile.
ensure_ui_deps() {
  local ui="$REPO_ROOT/ui"
  if [ ! -d "$ui/node_modules" ] || [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
    (cd "$ui" && npm ci --no-audit --no-fund)
  fi
}
