# keys2man.awk: turns `bootstack check-config --keys` (tab-separated, see
# app/cli_config.c) into the roff of the KEYS section of bootstack.conf(5).
# make runs it on every build, so the manual lists exactly the keys, types,
# bounds and defaults of lib/config_table.c.
BEGIN { FS = "\t" }

# Escapes text for roff: backslashes, and a leading dot or quote.
function esc(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

# "int 1..256" -> "Integer, 1..256"; "enum a|b" -> "One of a, b".
function kind(t) {
	if (t ~ /^int /) {
		sub(/^int /, "", t)
		return "Integer, " esc(t)
	}
	if (t ~ /^enum /) {
		sub(/^enum /, "", t)
		gsub(/\|/, ", ", t)
		return "One of " esc(t)
	}
	if (t == "bool")
		return "Yes or no"
	if (t == "secret")
		return "Secret, never printed"
	if (t == "file")
		return "A file name"
	return "String"
}

$2 == "" && ($3 == "section" || $3 == "multi") {
	if ($3 == "multi")
		printf(".SS \"[%s NAME]\"\n", $1)
	else
		printf(".SS \"[%s]\"\n", $1)
	printf("%s", esc($5))
	if ($3 == "multi")
		printf("; repeat the section with another NAME for each one")
	printf(".\n")
	next
}

# One key: "name = default" (or "name (unset)") as the tag, then its kind
# and help.
NF >= 5 {
	d = $4
	gsub(/"/, "\\(dq", d)
	if (d == "")
		printf(".TP\n.BR \"%s\" \" (unset)\"\n", esc($2))
	else
		printf(".TP\n.B \"%s = %s\"\n", esc($2), esc(d))
	printf("%s: %s.\n", kind($3), esc($5))
}
