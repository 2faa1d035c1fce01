#!/bin/sh
set -e
# The app's agents are containers and keep running (the next start adopts
# them); the installed app, CLI and runtime must not outlive their files.
# Matched by executable path, so a copy run from elsewhere is left alone
# (an agent in a container runs /myca-agent of the container's own root).
bin=/usr/bin
installed_pids() {
  for exe in /proc/[0-9]*/exe; do
    case "$(readlink "$exe" 2>/dev/null)" in
      "$bin/myca-desktop" | "$bin/myca" | "$bin/myca-agent")
        pid=${exe#/proc/}
        echo "${pid%/exe}"
        ;;
    esac
  done
}
pids=$(installed_pids)
[ -z "$pids" ] && exit 0
kill -TERM $pids 2>/dev/null || true
for _ in 1 2 3 4 5 6 7 8 9 10; do
  [ -z "$(installed_pids)" ] && exit 0
  sleep 0.5
done
kill -KILL $(installed_pids) 2>/dev/null || true
exit 0
