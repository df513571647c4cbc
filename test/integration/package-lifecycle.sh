#!/usr/bin/env bash
# The package's real scriptlets through install, upgrade, erase, reinstall and an upgrade whose
# default config changed, in a throwaway copy of this machine's root; for
# package-lifecycle.test.ts, which asserts on what this script records. As root:
#
#   unshare --mount --propagation private bash package-lifecycle.sh OUT RELEASE1 RELEASE2 NEWDEFAULT
#
# OUT is an empty directory; RELEASE1, RELEASE2 and NEWDEFAULT are .rpm files of increasing
# release, NEWDEFAULT's packaged sluice.toml differing from the others'. After each step the
# state of the root goes to OUT/<step>/ (see `record`).
#
# The root is an overlay whose lower layer is / and whose upper layer is a tmpfs mounted at
# OUT/mnt, so rpm and the scriptlets (which rpm runs chrooted into the root, with the root's sh,
# getent, groupadd, useradd and systemctl) change only the tmpfs. Everything happens in this one
# script because its mounts exist only in its private mount namespace: they vanish, and the
# copy with them, when its last process exits, however it exits. An upper layer in a directory
# of the host would outlive the script, but it would lie inside the lower layer (/tmp is on /
# here), and overlayfs leaves undefined what happens when a lower layer changes under it.
set -euo pipefail

out=${1:?OUT} release1=${2:?RELEASE1} release2=${3:?RELEASE2} newdefault=${4:?NEWDEFAULT}
mnt=$out/mnt
root=$mnt/root
# Inside the root: where the systemctl shim records its arguments.
systemctl_log=/var/log/sluice-test-systemctl.log

mkdir "$mnt"
mount -t tmpfs -o mode=0755 sluice-lifecycle "$mnt"
mkdir "$mnt/upper" "$mnt/work" "$root"
mount -t overlay sluice-lifecycle -o "lowerdir=/,upperdir=$mnt/upper,workdir=$mnt/work" "$root"
# Nothing below may write to the host: stop unless $root really is the overlay.
[ "$(findmnt -n -o FSTYPE --mountpoint "$root")" = overlay ] || {
  echo "package-lifecycle.sh: $root is not the overlay" >&2
  exit 1
}
# Mounts under / (/dev, /proc) are not part of the lower layer. Scriptlets write to /dev/null,
# and systemctl reads /proc.
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"

# A fresh system has no sluice user: drop one the host may have (another test makes it), so the
# package's %pre is what creates it here.
for file in passwd group shadow gshadow; do
  if [ -f "$root/etc/$file" ]; then sed -i '/^sluice:/d' "$root/etc/$file"; fi
done

# Fedora's presets enable only the units they list and end with this rule; Debian's enable
# every unit they do not list, which would hide a %post that enables the unit.
mkdir -p "$root/usr/lib/systemd/system-preset"
echo 'disable *' >"$root/usr/lib/systemd/system-preset/99-default-disable.preset"

# systemctl becomes a shim that records its arguments, then runs the real one (renamed) with
# SYSTEMD_OFFLINE=1: it edits the unit symlinks in the root (preset, enable, disable) and
# ignores start, restart and daemon-reload, as in any chroot. (Without SYSTEMD_OFFLINE it tells a
# chroot by comparing / with /proc/1/root, which is unreadable on some machines, and then goes
# looking for a systemd that is not there.) /bin/systemctl is a second file only without merged
# /usr; paths are resolved inside the root so that nothing outside it is renamed.
systemctl_real=
for path in /usr/bin/systemctl /bin/systemctl; do
  resolved=$(chroot "$root" realpath -e "$path" 2>/dev/null) || continue
  [ -e "$root$resolved.real" ] && continue
  mv "$root$resolved" "$root$resolved.real"
  cat >"$root$resolved" <<EOF
#!/bin/sh
# Test shim (package-lifecycle.sh): records the command, then runs the real systemctl offline.
printf '%s\n' "\$*" >>$systemctl_log
SYSTEMD_OFFLINE=1 exec $resolved.real "\$@"
EOF
  chmod 0755 "$root$resolved"
  systemctl_real=$resolved.real
done
[ -n "$systemctl_real" ] || {
  echo "package-lifecycle.sh: no systemctl to stand in for: apt-get install systemd" >&2
  exit 1
}

# A database of its own in the root, empty: none of the root's Debian packages are in it.
rm -rf "$root/var/lib/rpm"
rpm_root() { rpm --root "$root" --dbpath /var/lib/rpm "$@"; }
rpm_root --initdb

# Runs rpm for step $1, keeping its stderr (warnings: saved as .rpmsave, unknown user...).
# --nodeps: the package requires haproxy, and the root's (Debian's) haproxy is not in rpm's
# database; nothing else is checked by it here.
step() {
  local name=$1
  shift
  mkdir -p "$out/$name"
  rpm_root "$@" --nodeps 2>"$out/$name/rpm.stderr" || {
    echo "package-lifecycle.sh: step $name: rpm $* failed:" >&2
    cat "$out/$name/rpm.stderr" >&2
    exit 1
  }
}

# What runs with its root in the copy: a scriptlet that started something left it running.
processes_in_root() {
  local proc
  for proc in /proc/[0-9]*; do
    [ "$(readlink "$proc/root" 2>/dev/null)" = "$root" ] || continue
    printf '%s %s\n' "${proc#/proc/}" "$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null)"
  done
}
# Such a process would keep this namespace, and the copy, alive after the script: end it.
end_processes_in_root() {
  local pid rest
  processes_in_root | while read -r pid rest; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap end_processes_in_root EXIT

# The unit's symlinks that `systemctl enable` made, relative to /etc/systemd.
wants() { find "$root/etc/systemd" -path '*.wants/*' -name 'sluice*' -printf '%P\n'; }

# Writes the state of the root after step $1 to OUT/$1/.
record() {
  local dir=$out/$1 path
  rpm_root -q sluice >"$dir/query" 2>&1 || true
  grep '^sluice:' "$root/etc/passwd" >"$dir/passwd" || true
  grep '^sluice:' "$root/etc/group" >"$dir/group" || true
  stat -c '%a %u %g' "$root/var/lib/sluice" >"$dir/state-dir" 2>/dev/null || true
  ls -A "$root/var/lib/sluice" >"$dir/state-dir-files" 2>/dev/null || true
  wants >"$dir/wants"
  SYSTEMD_OFFLINE=1 chroot "$root" "$systemctl_real" is-enabled sluice.service \
    >"$dir/is-enabled" 2>&1 || true
  # Each step's log holds only the commands of that step's scriptlets.
  if [ -e "$root$systemctl_log" ]; then mv "$root$systemctl_log" "$dir/systemctl.log"; fi
  touch "$dir/systemctl.log"
  processes_in_root >"$dir/processes"
  if [ -d "$root/etc/sluice" ]; then cp -a "$root/etc/sluice" "$dir/etc-sluice"; fi
  # Which of the paths release 1 installed exist now.
  while read -r path; do
    if [ -e "$root$path" ] || [ -L "$root$path" ]; then echo "$path"; fi
  done <"$out/packaged" >"$dir/present"
}

# An operator's edit, which upgrades must keep: $1 names the copy of the edited file.
edit_config() {
  printf '# edited by the operator before %s\n' "$1" >>"$root/etc/sluice/sluice.toml"
  cp "$root/etc/sluice/sluice.toml" "$out/$1.toml"
}

step install -i "$release1"
rpm_root -ql sluice >"$out/packaged"
record install
# What the daemon writes into its state directory: rpm must leave files it did not install.
echo 'rendered by sluice' >"$root/var/lib/sluice/haproxy.cfg"
edit_config upgrade

step upgrade -U "$release2"
record upgrade

# The operator enables the unit (the log does not see this): erasing must disable it again.
SYSTEMD_OFFLINE=1 chroot "$root" "$systemctl_real" enable sluice.service >/dev/null 2>&1
wants >"$out/enabled-wants"

step erase -e sluice
record erase

step reinstall -i "$release2"
record reinstall
edit_config new-default

step new-default -U "$newdefault"
record new-default
