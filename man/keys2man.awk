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

# "int 1..256" -> "an integer, 1..256"; "enum a|b" -> "one of: a, b".
function kind(t) {
	if (t ~ /^int /) {
		sub(/^int /, "", t)
		return "integer, " esc(t)
	}
	if (t ~ /^enum /) {
		sub(/^enum /, "", t)
		gsub(/\|/, ", ", t)
		return "one of: " esc(t)
	}
	if (t == "bool")
		return "yes or no"
	if (t == "secret")
		return "secret, never printed; prefer the _file key below"
	if (t == "file")
		return "path of a file"
	return "string"
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

NF >= 5 {
	printf(".TP\n.B %s\n", esc($2))
	printf("(%s; ", kind($3))
	if ($4 == "")
		printf("unset by default)\n")
	else
		printf("default \\fB%s\\fR)\n", esc($4))
	printf(".br\n%s.\n", esc($5))
}
