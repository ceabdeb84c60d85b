#!/bin/sh
# Build build/machinist_VERSION_all.deb with dpkg-deb: `make install` into a staging root (absolute
# #!/usr/bin/node, since a generator runs before any login PATH exists), then control files from packaging/debian.
# No /etc file is shipped (the package only creates empty /etc/machinist folders), so there are no conffiles.
# The generator's code cache is made on the target by postinst (for its node), never shipped.
#
# The package's version is the newest entry of packaging/debian/changelog (as in any Debian package): package.json's
# version plus a Debian revision. Its maintainer is package.json's "author". The build is reproducible: every file
# gets the changelog entry's date as its time (SOURCE_DATE_EPOCH, which dpkg-deb uses too), gzip stores no name
# or time, so the same tree gives the same bytes.
set -eu
cd "$(dirname "$0")/.."

field() { node -p "require('./package.json').$1"; }
upstream=$(field version)
maintainer=$(field author)
[ "$(field license)" = MIT ] || { echo "build-deb.sh: the copyright file is written for the MIT (Expat) license" >&2; exit 1; }
changelog=packaging/debian/changelog
version=$(sed -n '1s/^machinist (\([^)]*\)) .*/\1/p' "$changelog")
case "$version" in
"$upstream"-*) ;;
*) echo "build-deb.sh: $changelog starts with version '$version', not package.json's $upstream-REVISION" >&2; exit 1 ;;
esac
date=$(sed -n 's/^ -- .*>  //p' "$changelog" | head -n 1)
SOURCE_DATE_EPOCH=$(date -d "$date" +%s)
export SOURCE_DATE_EPOCH
stage=build/deb/machinist_${version}_all
out=build/machinist_${version}_all.deb

rm -rf "$stage"
mkdir -p "$stage/DEBIAN"
make --no-print-directory install DESTDIR="$PWD/$stage" PREFIX=/usr SYSCONFDIR=/etc NODE_INTERPRETER=/usr/bin/node >/dev/null

# Debian keeps a package's documentation in /usr/share/doc/PACKAGE with its copyright and changelog, and man
# pages compressed.
doc=$stage/usr/share/doc/machinist
sed -e "s|@MAINTAINER@|$maintainer|g" -e "s|@YEAR@|$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)|" \
	packaging/debian/copyright.in > "$doc/copyright"
gzip -9n < "$changelog" > "$doc/changelog.Debian.gz"
gzip -9n "$stage/usr/share/man/man1/machinist.1"
install -d -m 0755 "$stage/usr/share/lintian/overrides"
grep -v '^#' packaging/debian/lintian-overrides > "$stage/usr/share/lintian/overrides/machinist"
chmod 0644 "$doc/copyright" "$doc/changelog.Debian.gz" "$stage/usr/share/lintian/overrides/machinist"

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" -e "s|@MAINTAINER@|$maintainer|" packaging/debian/control.in \
	> "$stage/DEBIAN/control"
for script in postinst postrm; do
	install -m 0755 "packaging/debian/$script" "$stage/DEBIAN/$script"
done
install -m 0644 packaging/debian/triggers "$stage/DEBIAN/triggers"

# md5sums, as dpkg --verify uses them.
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort | xargs md5sum) > "$stage/DEBIAN/md5sums"

# Owned by root whoever builds it; reproducible modes and times.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "$out"
