#!/usr/bin/env bash
# check-po.sh SRCDIR — the translations are complete and well formed.
#
# Fails when a source file with translatable strings is missing from
# po/POTFILES.in, when a listed file is gone, when a language of po/LINGUAS
# has no .po, when a .po fails `msgfmt -c`, or when it has a fuzzy,
# untranslated or missing message compared with the current sources.
set -u
src=${1:?usage: check-po.sh SRCDIR}
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "not ok: $*"; failed=1; }

# 1. POTFILES.in lists every file with translatable strings, and only existing ones.
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d')
for f in $listed; do
  [ -f "$f" ] || fail "po/POTFILES.in lists $f, which does not exist"
done
candidates=$( { grep -rlE '\b(_|N_|C_|NC_)\s*\(' src --include='*.c' 2>/dev/null;
                grep -rl 'translatable="yes"' data 2>/dev/null;
                ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml 2>/dev/null; } | sort -u)
for f in $candidates; do
  printf '%s\n' "$listed" | grep -qxF "$f" || fail "$f has translatable strings but is not in po/POTFILES.in"
done

# 2. A template from the current sources.
xgettext --directory=. --files-from=<(printf '%s\n' "$listed") --from-code=UTF-8 \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dngettext:2,3 \
  --flag=g_strdup_printf:1:c-format --flag=g_printerr:1:c-format \
  --add-comments=Translators --package-name=callboard -o "$tmp/callboard.pot" 2> "$tmp/xgettext.log" \
  || { cat "$tmp/xgettext.log"; fail "xgettext could not read the sources"; }
total=$(grep -c '^msgid ' "$tmp/callboard.pot" 2>/dev/null || echo 0)
[ "$total" -gt 10 ] || fail "the template has only $total messages; xgettext did not find the strings"

# 3. Every language is complete.
for lang in $(grep -v '^#' po/LINGUAS); do
  po="po/$lang.po"
  if [ ! -f "$po" ]; then fail "$lang: $po is missing"; continue; fi
  msgfmt -c --check-format -o /dev/null "$po" 2> "$tmp/msgfmt.log" \
    || { sed 's/^/    /' "$tmp/msgfmt.log"; fail "$lang: msgfmt -c found errors"; }
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" 2>/dev/null | grep -c '^msgid ' || true)
  [ "${fuzzy:-0}" -eq 0 ] || fail "$lang: $((fuzzy - 1)) fuzzy messages"
  untranslated=$(msgattrib --untranslated --no-obsolete "$po" 2>/dev/null | grep -c '^msgid ' || true)
  [ "${untranslated:-0}" -eq 0 ] || fail "$lang: $((untranslated - 1)) untranslated messages"
  if ! msgcmp "$po" "$tmp/callboard.pot" 2> "$tmp/msgcmp.log"; then
    missing=$(grep -c 'this message is used but not defined' "$tmp/msgcmp.log" || true)
    grep -A1 'this message is used but not defined' "$tmp/msgcmp.log" | head -6 | sed 's/^/    /'
    fail "$lang: $missing messages of the current sources are missing or not translated"
  fi
  [ "$failed" -eq 0 ] && echo "ok: $lang complete ($((total - 1)) messages)"
done

exit $failed
