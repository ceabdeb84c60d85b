#!/bin/sh
# Build build/machinist_VERSION_all.deb with dpkg-deb: `make install` into a staging root (absolute
# #!/usr/bin/node, since a generator runs before any login PATH exists), then control files from packaging/debian.
# No /etc file is shipped (the package only creates empty /etc/machinist folders), so there are no conffiles.
# The generator's code cache is made on the target by postinst (for its node), never shipped.
set -eu
cd "$(dirname "$0")/.."

version=$(node -p "require('./package.json').version")
stage=build/deb/machinist_${version}_all
out=build/machinist_${version}_all.deb

rm -rf "$stage"
mkdir -p "$stage/DEBIAN"
make --no-print-directory install DESTDIR="$PWD/$stage" PREFIX=/usr SYSCONFDIR=/etc NODE_INTERPRETER=/usr/bin/node >/dev/null

# Debian keeps a package's documentation in /usr/share/doc/PACKAGE, with a copyright file.
cat > "$stage/usr/share/doc/machinist/copyright" <<'COPYRIGHT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: machinist
License: MIT
COPYRIGHT

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" packaging/debian/control.in > "$stage/DEBIAN/control"
for script in postinst postrm; do
	install -m 0755 "packaging/debian/$script" "$stage/DEBIAN/$script"
done
install -m 0644 packaging/debian/triggers "$stage/DEBIAN/triggers"

# md5sums, as dpkg --verify uses them.
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort | xargs md5sum) > "$stage/DEBIAN/md5sums"

# Owned by root whoever builds it; reproducible modes.
find "$stage" -type d -exec chmod 0755 {} +
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "$out"
