#!/usr/bin/env bash
# `make rpm [ARCH=x86_64|aarch64]`: builds dist/sluice-<version>-1.<arch>.rpm from
# packaging/sluice.spec. The version comes from package.json. For this machine's architecture
# the packaged executable is dist/sluice itself; for the other one Bun cross-compiles
# dist/<arch>/sluice.
#
# RPM_RELEASE (default 1) sets the package's release, and RPM_OUT (default dist) where the
# package and its build tree go: the tests build a second release to try an upgrade.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:-$(uname -m)}
case "$arch" in
  x86_64) bun_target=bun-linux-x64 ;;
  aarch64 | arm64) arch=aarch64 bun_target=bun-linux-arm64 ;;
  *) echo "make rpm: unsupported ARCH=$arch (use x86_64 or aarch64)" >&2; exit 2 ;;
esac
command -v rpmbuild >/dev/null || {
  echo "make rpm: rpmbuild is missing: apt-get install rpm (Debian) or dnf install rpm-build" >&2
  exit 1
}

version=$(node_modules/.bin/bun -e 'console.log(require("./package.json").version)')
if [ "$arch" = "$(uname -m)" ]; then
  binary=dist/sluice
else
  binary=dist/$arch/sluice
  mkdir -p "dist/$arch"
  node_modules/.bin/bun packaging/build.ts "$binary" "$bun_target"
fi

release=${RPM_RELEASE:-1}
out=$(realpath -m "${RPM_OUT:-dist}")
top=$out/rpm
rm -rf "$top"
mkdir -p "$top"/{SOURCES,SPECS,BUILD,RPMS,SRPMS}
cp "$binary" "$top/SOURCES/sluice"
cp systemd/sluice.service systemd/sluice-register@.service packaging/sluice.sysusers packaging/sluice.toml \
  templates/haproxy.cfg.liquid LICENSE README.md CHANGELOG.md "$top/SOURCES/"
# lbctl's bash completion, made by this machine's dist/sluice (the same source as a cross-built
# binary, which could not run here).
dist/sluice completion bash >"$top/SOURCES/lbctl.bash"
{
  printf '%%global sluice_version %s\n%%global sluice_release %s\n' "$version" "$release"
  cat packaging/sluice.spec
} >"$top/SPECS/sluice.spec"

# No %{dist}: Fedora defines it (.fc41), which would name the package sluice-<v>-1.fc41.<arch>.rpm
# and fail the copy below; one package, built anywhere, serves every Fedora release.
rpmbuild --quiet -bb --target "$arch" --define "_topdir $top" --define "dist %{nil}" \
  "$top/SPECS/sluice.spec"
rpm_file=sluice-$version-$release.$arch.rpm
cp "$top/RPMS/$arch/$rpm_file" "$out/"
echo "$out/$rpm_file"
