# machinist: build and install onto a system.
#
#   make                      bundle dist/machinist and dist/machinist-generator (needs node and npm; in a fresh
#                             clone it first runs `npm ci` to get the bundler)
#   make install              install (as root); DESTDIR=/staging and PREFIX=/usr/local are honoured
#   make uninstall            remove what install put there (never a file in /etc/machinist)
#   make deb                  build/machinist_VERSION_all.deb (scripts/build-deb.sh)
#
# Installed layout (PREFIX=/usr):
#   /usr/bin/machinist                                     the CLI
#   /usr/lib/systemd/system-generators/machinist-generator the boot-time generator
#   /usr/lib/systemd/system/machine@.service               the template every container runs from
#   /usr/lib/systemd/system/machinist-{image,image-fs,overlay,copy}@.service  image fetch and root templates
#   /usr/share/doc/machinist/{README.md,examples/}         documentation and example configurations
#   /usr/share/man/man1/machinist.1, shell completions     made by `machinist man` / `machinist completions SHELL`
#   /usr/share/machinist/schema/*.schema.json              JSON Schemas for editors (`machinist schema --kind K`)
#   /etc/machinist/{containers,profiles,slices,images}/   created if missing; nothing in /etc is ever overwritten
#   /usr/lib/machinist/guest/machinist-passwords.{service,conf}  bound into booted guests that get password hashes
#   /usr/lib/machinist/machinist-generator.core.js         the generator's code, which the generator (a small loader)
#                                                          reads from ../../machinist beside its own folder
#   /usr/lib/machinist/machinist-generator.cache           V8 code cache for this machine's node (not with DESTDIR;
#                                                          `make code-cache` remakes it after a node upgrade)
#
# NODE_INTERPRETER=/usr/bin/node rewrites the bundles' `#!/usr/bin/env node` line to that absolute path (the
# Debian package does this: a generator runs before any login PATH exists).

PREFIX ?= /usr
DESTDIR ?=
SYSCONFDIR ?= /etc
BINDIR ?= $(PREFIX)/bin
SYSTEMDLIBDIR ?= $(PREFIX)/lib/systemd
# Where the generator finds its code: ../../machinist from SYSTEMDLIBDIR/system-generators (generator/loader.ts).
LIBDIR := $(patsubst %/,%,$(dir $(SYSTEMDLIBDIR)))/machinist
DOCDIR ?= $(PREFIX)/share/doc/machinist
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
NODE ?= node
NPM ?= npm
NODE_INTERPRETER ?=

INSTALL ?= install
# The shipped template units (units/).
UNITS := machine@.service machinist-image@.service machinist-image-fs@.service machinist-overlay@.service machinist-copy@.service machinist-pod@.service
# Units that machinist binds into booted guests (units/guest/); containers name them at /usr/lib/machinist/guest.
GUEST_UNITS := machinist-passwords.service machinist-passwords.conf
BUNDLES := dist/machinist dist/machinist-generator dist/machinist-generator.core.js
SOURCES := $(shell find src generator -name '*.ts' 2>/dev/null) scripts/build.mjs package.json

.PHONY: all build install uninstall code-cache deb clean

all: build

build: $(BUNDLES)

# The bundler is a devDependency (package-lock.json). Only its absence runs `npm ci`: an existing node_modules is
# never reinstalled behind your back.
BUILD_TOOLS := node_modules/esbuild/package.json

$(BUNDLES): $(SOURCES) | $(BUILD_TOOLS)
	$(NODE) scripts/build.mjs

$(BUILD_TOOLS):
	$(NPM) ci --no-audit --no-fund

# Install one bundle, optionally with an absolute interpreter in its first line.
define install_bundle
	$(INSTALL) -d -m 0755 $(dir $(2))
	if [ -n "$(NODE_INTERPRETER)" ]; then \
		sed '1s|^#!.*|#!$(NODE_INTERPRETER)|' $(1) > $(2).tmp && chmod 0755 $(2).tmp && mv -f $(2).tmp $(2); \
	else \
		$(INSTALL) -m 0755 $(1) $(2); \
	fi
endef

install: build
	$(call install_bundle,dist/machinist,$(DESTDIR)$(BINDIR)/machinist)
	$(call install_bundle,dist/machinist-generator,$(DESTDIR)$(SYSTEMDLIBDIR)/system-generators/machinist-generator)
	$(INSTALL) -d -m 0755 $(DESTDIR)$(LIBDIR)
	$(INSTALL) -m 0644 dist/machinist-generator.core.js $(DESTDIR)$(LIBDIR)/machinist-generator.core.js
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSTEMDLIBDIR)/system
	for u in $(UNITS); do $(INSTALL) -m 0644 units/$$u $(DESTDIR)$(SYSTEMDLIBDIR)/system/$$u || exit 1; done
	$(INSTALL) -d -m 0755 $(DESTDIR)$(LIBDIR)/guest
	for u in $(GUEST_UNITS); do $(INSTALL) -m 0644 units/guest/$$u $(DESTDIR)$(LIBDIR)/guest/$$u || exit 1; done
	$(INSTALL) -d -m 0755 $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
# Each example's README and config/ (not the expected/ trees the tests compare against).
	cd examples && find . -path '*/expected' -prune -o -type d -exec $(INSTALL) -d -m 0755 '$(DESTDIR)$(DOCDIR)/examples/{}' ';'
	cd examples && find . -path '*/expected' -prune -o -type f -exec $(INSTALL) -m 0644 '{}' '$(DESTDIR)$(DOCDIR)/examples/{}' ';'
# Man page, completions and JSON Schemas: made by the CLI itself from the definitions --help and validation use.
	$(INSTALL) -d -m 0755 $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)/bash-completion/completions \
		$(DESTDIR)$(DATADIR)/zsh/vendor-completions $(DESTDIR)$(DATADIR)/fish/vendor_completions.d \
		$(DESTDIR)$(DATADIR)/machinist/schema
	$(NODE) dist/machinist man > $(DESTDIR)$(MANDIR)/man1/machinist.1
	$(NODE) dist/machinist completions bash > $(DESTDIR)$(DATADIR)/bash-completion/completions/machinist
	$(NODE) dist/machinist completions zsh > $(DESTDIR)$(DATADIR)/zsh/vendor-completions/_machinist
	$(NODE) dist/machinist completions fish > $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/machinist.fish
	$(NODE) dist/machinist schema --kind container > $(DESTDIR)$(DATADIR)/machinist/schema/container.schema.json
	$(NODE) dist/machinist schema --kind slice > $(DESTDIR)$(DATADIR)/machinist/schema/slice.schema.json
	$(NODE) dist/machinist schema --kind settings > $(DESTDIR)$(DATADIR)/machinist/schema/machinist.schema.json
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/machinist.1 $(DESTDIR)$(DATADIR)/bash-completion/completions/machinist \
		$(DESTDIR)$(DATADIR)/zsh/vendor-completions/_machinist $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/machinist.fish \
		$(DESTDIR)$(DATADIR)/machinist/schema/*.schema.json
# The configuration directory: created when missing, never touched when present.
	for d in containers profiles slices images; do $(INSTALL) -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/machinist/$$d; done
	@if [ -z "$(DESTDIR)" ]; then $(MAKE) --no-print-directory code-cache; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		echo "Run 'systemctl daemon-reload' to load the generator and the template."; fi

# The generator's code cache, made by the installed generator for the node it runs with. Optional: without it
# (or with a stale one) the generator compiles from source, only slower.
code-cache:
	-$(DESTDIR)$(SYSTEMDLIBDIR)/system-generators/machinist-generator --write-code-cache $(DESTDIR)$(LIBDIR)/machinist-generator.cache

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/machinist
	rm -f $(DESTDIR)$(SYSTEMDLIBDIR)/system-generators/machinist-generator
	for u in $(UNITS); do rm -f $(DESTDIR)$(SYSTEMDLIBDIR)/system/$$u; done
	rm -rf $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/machinist
	rm -f $(DESTDIR)$(MANDIR)/man1/machinist.1 $(DESTDIR)$(DATADIR)/bash-completion/completions/machinist
	rm -f $(DESTDIR)$(DATADIR)/zsh/vendor-completions/_machinist $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/machinist.fish
	rm -f $(DESTDIR)$(LIBDIR)/machinist-generator.core.js $(DESTDIR)$(LIBDIR)/machinist-generator.cache
	for u in $(GUEST_UNITS); do rm -f $(DESTDIR)$(LIBDIR)/guest/$$u; done
	-rmdir $(DESTDIR)$(LIBDIR)/guest 2>/dev/null; true
	-rmdir $(DESTDIR)$(LIBDIR) 2>/dev/null; true
# Only empty configuration folders go; anything you wrote stays.
	-for d in containers profiles slices images; do rmdir $(DESTDIR)$(SYSCONFDIR)/machinist/$$d 2>/dev/null; done; true
	-rmdir $(DESTDIR)$(SYSCONFDIR)/machinist 2>/dev/null; true

deb:
	sh scripts/build-deb.sh

clean:
	rm -rf build
