#!/bin/sh
# machinist e2e: a small bootable Debian 12 root for test guests, from Debian's packages only, cached.
#
#   scripts/e2e-rootfs.sh            build it unless cached; print   dir=…  tar=…  sha256=…  (one per line)
#   scripts/e2e-rootfs.sh --prune    also delete cached roots of other recipes
#
# The cache key is this file plus the apt sources it installs from: edit either and the next run builds a new
# root (the old one stays until --prune). One build at a time (flock on the cache); a build is bounded
# (MACHINIST_E2E_ROOTFS_TIMEOUT seconds, default 900) and lands under its final name only when complete.
#
# The root: systemd as init, dbus, sshd, cloud-init (NoCloud), iproute2, sudo, procps; no docs, man pages or
# translations. Its /etc carries no identity: /etc/machine-id is empty (systemd makes a transient one; not a
# first boot), no /etc/hostname (the machine name applies), no SSH host keys (an ed25519 one is made at first
# start, by cloud-init when it runs, else by a oneshot). Units that only make noise in a test guest are masked.
#
# Environment: MACHINIST_E2E_CACHE (default /var/cache/machinist-e2e), MACHINIST_E2E_APT_SOURCES (default
# /etc/apt/sources.list.d/debian.sources, else /etc/apt/sources.list: the mirrors this machine already uses).
set -eu

CACHE=${MACHINIST_E2E_CACHE:-/var/cache/machinist-e2e}
SOURCES=${MACHINIST_E2E_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}
# Older installs keep their mirrors in one-line format.
[ -n "${MACHINIST_E2E_APT_SOURCES:-}" ] || [ -r "$SOURCES" ] || SOURCES=/etc/apt/sources.list
TIMEOUT=${MACHINIST_E2E_ROOTFS_TIMEOUT:-900}
SUITE=bookworm
PACKAGES=systemd,systemd-sysv,dbus,openssh-server,cloud-init,iproute2,sudo,procps
# Units of a minimal Debian that a test guest must not start: timers that wake up to do maintenance, and the
# time sync that cannot work in a container anyway.
MASKED="apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service
fstrim.timer man-db.timer systemd-timesyncd.service"

prune=no
case "${1:-}" in
  --prune) prune=yes ;;
  '') ;;
  *) echo "usage: $0 [--prune]" >&2; exit 2 ;;
esac

[ "$(id -u)" = 0 ] || { echo "e2e-rootfs: needs root (mmdebstrap --mode=root)" >&2; exit 1; }
command -v mmdebstrap >/dev/null ||
  { echo "e2e-rootfs: mmdebstrap is missing (apt-get install mmdebstrap)" >&2; exit 1; }
[ -r "$SOURCES" ] || { echo "e2e-rootfs: no apt sources at $SOURCES (set MACHINIST_E2E_APT_SOURCES)" >&2; exit 1; }

# Comment lines and layout do not count: only what changes the root does.
key=$( { sed '/^[[:space:]]*#/d' "$0" | tr -d ' \t\n'; cat "$SOURCES"; dpkg --print-architecture; } | sha256sum | cut -c1-16)
name=rootfs-$key
dir=$CACHE/$name
tar=$CACHE/$name.tar

report() {
  echo "dir=$dir"
  echo "tar=$tar"
  echo "sha256=$(cat "$tar.sha256")"
}

prune_others() {
  for old in "$CACHE"/rootfs-*; do
    case "$old" in "$dir"|"$tar"|"$tar.sha256"|"$CACHE/$name.log"|"$CACHE/$name.packages") continue ;; esac
    [ -e "$old" ] || continue
    echo "e2e-rootfs: removing $old" >&2
    rm -rf "$old"
  done
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w $((TIMEOUT + 60)) 9 || { echo "e2e-rootfs: another build holds $CACHE/.lock" >&2; exit 1; }

if [ -d "$dir" ] && [ -f "$tar" ] && [ -f "$tar.sha256" ]; then
  [ $prune = yes ] && prune_others
  report
  exit 0
fi

work=$(mktemp -d "$CACHE/.build-$key.XXXXXX")
# A killed mmdebstrap can leave /proc, /sys or /dev mounted in its chroot: unmount them, and never let rm cross
# into another file system.
cleanup() {
  findmnt -rn -o TARGET | grep "^$work/" | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
start=$(date +%s)
echo "e2e-rootfs: building $name (mmdebstrap $SUITE; log $CACHE/$name.log)" >&2
# The build log goes to a file: mmdebstrap is chatty, and a failure prints its tail.
if ! timeout --kill-after=30 "$TIMEOUT" mmdebstrap --mode=root --variant=minbase --include="$PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    "$SUITE" "$work/root" "$SOURCES" >"$work/log" 2>&1; then
  tail -n 40 "$work/log" >&2
  cp "$work/log" "$CACHE/$name.log"
  echo "e2e-rootfs: mmdebstrap failed or took longer than ${TIMEOUT}s" >&2
  exit 1
fi

r=$work/root
# No identity in /etc: the host's hostname and resolver are what mmdebstrap copied in.
rm -f "$r/etc/hostname" "$r/etc/resolv.conf"
: >"$r/etc/machine-id"
rm -f "$r"/etc/ssh/ssh_host_*
for unit in $MASKED; do ln -sf /dev/null "$r/etc/systemd/system/$unit"; done
# sshd refuses to start without host keys: make them on the guest's first start, after cloud-init (which, when
# it runs, makes its own), before sshd. One ed25519 key: an RSA key costs seconds per first boot on a busy machine.
mkdir -p "$r/etc/ssh/sshd_config.d" "$r/etc/cloud/cloud.cfg.d"
echo 'HostKey /etc/ssh/ssh_host_ed25519_key' >"$r/etc/ssh/sshd_config.d/10-hostkey.conf"
printf '%s\n' '# machinist e2e (scripts/e2e-rootfs.sh): the one host key type sshd is told to use' \
  'ssh_genkeytypes: [ed25519]' >"$r/etc/cloud/cloud.cfg.d/90-machinist-e2e.cfg"
cat >"$r/etc/systemd/system/ssh-hostkeys.service" <<'EOF'
# machinist e2e (scripts/e2e-rootfs.sh): SSH host keys on first start; the image ships none.
[Unit]
Description=Generate missing SSH host keys
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key
After=cloud-init.service
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key

[Install]
WantedBy=ssh.service
EOF
mkdir -p "$r/etc/systemd/system/ssh.service.wants"
ln -sf ../ssh-hostkeys.service "$r/etc/systemd/system/ssh.service.wants/ssh-hostkeys.service"
rm -rf "$r"/var/log/* "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old
chroot "$r" dpkg-query -W -f '${Package} ${Version}\n' >"$work/packages"

tar --numeric-owner --xattrs -C "$r" -cf "$work/root.tar" .
sha256sum "$work/root.tar" | cut -d' ' -f1 >"$work/root.tar.sha256"

# Final names last, directory first: a cache hit needs all three.
rm -rf "$dir"
mv "$r" "$dir"
mv "$work/root.tar.sha256" "$tar.sha256"
mv "$work/packages" "$CACHE/$name.packages"
mv "$work/log" "$CACHE/$name.log"
mv "$work/root.tar" "$tar"
echo "e2e-rootfs: built $name in $(( $(date +%s) - start ))s: $(du -sh "$dir" | cut -f1) directory," \
  "$(du -sh "$tar" | cut -f1) tar, $(wc -l <"$CACHE/$name.packages") packages" >&2
[ $prune = yes ] && prune_others
report
