#!/bin/sh
# Writes one man page from the docs already written (one source: the man
# pages are never edited by hand), through pandoc:
#   mcsecctl.8      NAME, SYNOPSIS and COMMANDS from `mcsecctl --help` (the
#                   command tables of tools/mcsecctl*.c), then
#                   docs/operator-guide.md
#   mcsec-httpd.8   SYNOPSIS from `mcsec-httpd --help`, then docs/http-proxy.md
#   mcsec-policy.5  docs/policy-reference.md
#   mcsec-fetch-crls.8  the --help text of tools/mcsec-fetch-crls.sh
# Links become their text, tables definition lists; the documents' top heading is dropped (the page's
# NAME says it) and the others move up one level (## -> .SH), in pandoc
# (a "# " line in a code block stays).
# Usage: make-man.sh PAGE OUT SRCDIR VERSION [MCSECCTL | MCSEC_HTTPD | FETCH_CRLS_SH]
# Env: PANDOC (default pandoc). SOURCE_DATE_EPOCH (dpkg-buildpackage sets it
# from debian/changelog) dates the page; without it the page has no date, so
# that two builds of one tree give the same page.
set -eu
page=$1 out=$2 src=$3 version=$4 bin=${5:-}
pandoc=${PANDOC:-pandoc}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
date=""
[ -n "${SOURCE_DATE_EPOCH:-}" ] && date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)

# help_md: --help text as a Markdown definition list (command, then its
# indented description), the exit-status paragraph kept as text.
help_md() {
    "$bin" --help | awk '
        /^usage:/ || /^       / { next }
        /^commands:/ { next }
        /^  [a-z]/ { sub(/^  /, ""); gsub(/\\/, "\\\\"); gsub(/[*_`<>\[\]|]/, "\\\\&"); print "**" $0 "**"; next }
        /^      / { sub(/^ +/, ""); print ":   " $0; print ""; next }
        /^exit status/ { print ""; print "## EXIT STATUS"; print ""; print; next }
        { print }'
}

case $page in
mcsecctl.8)
    name="mcsecctl - check, render and operate mcsec border policies and keys"
    title=MCSECCTL section=8
    {
        echo "## NAME"; echo; echo "$name"; echo
        echo "## SYNOPSIS"; echo
        echo '**mcsecctl** *COMMAND* *SUBCOMMAND* \[*ARGS*...\]\'
        echo '**mcsecctl** *COMMAND* \[*SUBCOMMAND*\] **\-\-help**\'
        echo '**mcsecctl** **\-\-help** \| **\-\-version**'
        echo
        echo "## COMMANDS"; echo
        help_md
        echo
        echo "## OPERATOR GUIDE"; echo
        echo "The rest of this page is the operator guide (/usr/share/doc/mcsec/operator-guide.md)."
        echo
        sed '1{/^# /d}' "$src/docs/operator-guide.md"
        echo
        echo "## SEE ALSO"; echo
        echo "**mcsec-policy**(5), **mcsec-httpd**(8), **kamailio**(8), **swanctl**(8)"
    } >"$tmp"
    ;;
mcsec-httpd.8)
    name="mcsec-httpd - the HTTP-3 border proxy of an MC system"
    title=MCSEC-HTTPD section=8
    {
        echo "## NAME"; echo; echo "$name"; echo
        echo "## SYNOPSIS"; echo
        echo '```'
        "$bin" --help
        echo '```'
        echo
        echo "## DESCRIPTION"; echo
        sed '1{/^# /d}' "$src/docs/http-proxy.md"
        echo
        echo "## SEE ALSO"; echo
        echo "**mcsec-policy**(5), **mcsecctl**(8)"
    } >"$tmp"
    ;;
mcsec-fetch-crls.8)
    name="mcsec-fetch-crls - the CRL job of an mcsec border"
    title=MCSEC-FETCH-CRLS section=8
    {
        echo "## NAME"; echo; echo "$name"; echo
        echo "## SYNOPSIS"; echo
        echo '**mcsec-fetch-crls** **\-\-policy** *FILE* \[**\-\-warn-before** *SECONDS*\] \[**\-\-on-change** *CMD*\]... \[**\-\-mcsecctl** *PATH*\] \[**\-\-no-fetch**\]'
        echo
        echo "## DESCRIPTION"; echo
        echo '```'
        bash "$bin" --help | sed '/^usage:/,$d'
        echo '```'
        echo
        echo "The unit mcsec-fetch-crls.service runs it from mcsec-fetch-crls.timer (hourly)."
        echo
        echo "## SEE ALSO"; echo
        echo "**mcsec-policy**(5) (Revocation), **mcsec-httpd**(8), **mcsecctl**(8)"
    } >"$tmp"
    ;;
mcsec-policy.5)
    name="mcsec-policy - the border policy file of mcsec (/etc/mcsec/policy.yaml)"
    title=MCSEC-POLICY section=5
    {
        echo "## NAME"; echo; echo "$name"; echo
        echo "## DESCRIPTION"; echo
        sed '1{/^# /d}' "$src/docs/policy-reference.md"
        echo
        echo "## SEE ALSO"; echo
        echo "**mcsecctl**(8), **mcsec-httpd**(8)"
    } >"$tmp"
    ;;
*) echo "make-man.sh: unknown page $page" >&2; exit 2 ;;
esac

"$pandoc" -f markdown-smart -t man -s --lua-filter "$(dirname "$0")/strip-links.lua" \
    --lua-filter "$(dirname "$0")/tables-as-lists.lua" -H "$(dirname "$0")/header.man" \
    -M title="$title" -M section="$section" -M header="mcsec $version" \
    -M footer="mcsec $version" -M date="$date" --shift-heading-level-by=-1 -o "$out" "$tmp"
