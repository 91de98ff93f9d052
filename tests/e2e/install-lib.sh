# tests/e2e/install-lib.sh: scratch copies and builds of the tree, for the
# tests of the production install, the upgrade and the guides (sourced
# after lib.sh). The checkout is only read: no git command here changes
# its state, and every build happens under $T.

# scratch_tree DIR: copies the tree's source files as they are on disk
# (tracked and untracked-but-not-ignored, uncommitted edits included) into
# DIR. Outside a git checkout (a tarball), copies the source folder.
scratch_tree() {
	mkdir -p "$1"
	if [ -e "$BS_TOP_SRCDIR/.git" ] && command -v git >/dev/null 2>&1 &&
	    git -c safe.directory="$BS_TOP_SRCDIR" -C "$BS_TOP_SRCDIR" ls-files -co \
	    --exclude-standard -z >"$T/tree.files" 2>/dev/null && [ -s "$T/tree.files" ]; then
		(cd "$BS_TOP_SRCDIR" && tar --null --ignore-failed-read \
		    -T "$T/tree.files" -cf - 2>/dev/null) |
		    tar -xf - -C "$1" || fail "copying the tree"
	else
		(cd "$BS_TOP_SRCDIR" && tar --exclude=./.stack --exclude='*.o' \
		    --exclude='*.a' --exclude='*.log' --exclude=autom4te.cache \
		    --exclude=./config.status \
		    -cf - .) | tar -xf - -C "$1" || fail "copying the tree"
	fi
	rm -f "$1/.tarball-version"
}

# scratch_configure SRC BUILD VERSION [configure args...]: makes SRC's
# build system for VERSION (autoreconf) and configures it in BUILD.
# Logs go to $T/build.log.
scratch_configure() {
	local src=$1 build=$2 version=$3
	shift 3
	printf '%s' "$version" >"$src/.tarball-version"
	(cd "$src" && autoreconf -fi) >>"$T/build.log" 2>&1 \
	    || fail "autoreconf in $src (see $T/build.log)"
	mkdir -p "$build"
	(cd "$build" && "$src/configure" -q "$@") >>"$T/build.log" 2>&1 \
	    || fail "configure in $build (see $T/build.log)"
}

# scratch_make BUILD [targets...]: runs make quietly, on every core.
scratch_make() {
	local build=$1
	shift
	make -C "$build" -s -j"$(nproc)" "$@" >>"$T/build.log" 2>&1 \
	    || { tail -n 30 "$T/build.log" >&2; fail "make ${*:-all} in $build"; }
}

# The production layout, as docs/deploy.md configures it.
FHS_ARGS="--prefix=/usr --sysconfdir=/etc --localstatedir=/var"
