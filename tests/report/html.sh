#!/usr/bin/env bash
# `cdrgen report OUT --html FILE` in a real browser: Debian's chromium,
# headless, opens the page from file:// with a fresh profile and no network
# features (every request would go to a dead proxy); no console message, every chart element present and rendered
# as a non-empty SVG, the embedded numbers byte for byte `report --json`,
# the table's numbers the JSON's (tests/report/check_html.mjs), a
# screenshot under the test's output ($BUILD/test-report/report.png). Also:
# a missing library is a one-line error before anything is read.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
CDRGEN=${CDRGEN:-$root/$BUILD/cdrgen}
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

command -v node >/dev/null || { ko "node (scripts/install-deps.sh)"; finish; }
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { ko "chromium installed (scripts/install-deps.sh test)"; finish; }
make -C "$root" --no-print-directory js >/dev/null 2>&1 || { ko "make js (npm ci in share/js)"; finish; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cg-report-html.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
shots="$root/$BUILD/test-report"
mkdir -p "$shots"

# a week over the spring DST change: weekends and a 23-hour day to mark,
# and an event (its events.json shown as a table and on the daily chart)
printf 'events:\n  - {name: cup_final, from: "2025-03-29 20:00", to: "2025-03-29 22:00", sms: 3}\n  - {name: dark, from: "2025-03-30 10:00", to: "2025-03-30 12:00", center_lat: 52.37, center_lon: 4.895, radius_km: 3, outage: 1}\nanomalies:\n  duplicate: 0.01\n  late: 0.002\nfraud:\n  sim_box: {boxes: 1, sims: 4}\n  irsf: {subscribers: 3}\nchurn:\n  monthly_share: 0.05\n' \
    >"$tmp/ev.yaml"
"$CDRGEN" generate --subs 3000 --days 7 --start 2025-03-27 --seed 5 --quiet --out "$tmp/out" \
    --config "$tmp/ev.yaml" || { ko "generate"; finish; }
"$CDRGEN" report "$tmp/out" --json >"$tmp/report.json" || ko "report --json"
if "$CDRGEN" report "$tmp/out" --json --html "$tmp/report.html" >"$tmp/again.json" 2>"$tmp/html.err"; then
    ok "report --html writes the page ($(stat -c %s "$tmp/report.html") bytes)"
else
    ko "report --html: $(cat "$tmp/html.err")"; finish
fi
cmp -s "$tmp/report.json" "$tmp/again.json" && ok "--json with --html prints the same JSON" || ko "--json with --html differs"
grep -q "report written to $tmp/report.html" "$tmp/html.err" && ok "says where the page is" || ko "no path printed: $(cat "$tmp/html.err")"

chrome() {
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-extensions --no-first-run --user-data-dir="$tmp/profile-$1" \
        --proxy-server=http://127.0.0.1:9 --enable-logging=stderr --v=0 --virtual-time-budget=30000 "${@:2}"
}
if chrome dom --dump-dom "file://$tmp/report.html" >"$tmp/dom.html" 2>"$tmp/chrome.log"; then
    ok "chromium renders the page"
else
    ko "chromium: $(tail -3 "$tmp/chrome.log")"; finish
fi
grep -q '<table id="events">' "$tmp/dom.html" &&
    grep -q '<td>2025-03-29</td><td>cup_final</td><td>2025-03-29T20:00:00+01:00</td>' "$tmp/dom.html" \
    && ok "the events table lists events.json's event" || ko "no events table"
grep -q '"name":"cup_final"' "$tmp/report.json" && ok "report --json: the event in series.events" \
    || ko "report --json lacks the event"
grep -q '"name":"dark","from":"2025-03-30T10:00:00+02:00".*"area":\[52.370000,4.895000,3\]' "$tmp/report.json" \
    && ok "report --json: the outage's area, for the map's outline" || ko "no area of the outage"
grep -q '<table id="anomalies">' "$tmp/dom.html" && ok "the anomalies table" || ko "no anomalies table"
grep -q '<table id="fraud">' "$tmp/dom.html" && grep -q '<td>sim_box</td><td class="num">4</td>' "$tmp/dom.html" &&
    grep -q '"scenario":"sim_box","cases":4,' "$tmp/report.json" &&
    ok "the fraud and churn table: the labels' cases" || ko "no fraud table, or wrong counts"
c=$(grep -c ':CONSOLE' "$tmp/chrome.log")
[ "$c" -eq 0 ] && ok "no console message" || { ko "console messages: $c"; grep ':CONSOLE' "$tmp/chrome.log" | head -5; }
if node "$here/check_html.mjs" "$tmp/report.html" "$tmp/dom.html" "$tmp/report.json" >"$tmp/check.log"; then
    ok "page checks ($(grep -c '^ok' "$tmp/check.log") of them)"
else
    ko "page checks"; grep '^FAIL' "$tmp/check.log" | head -10
fi
rm -f "$shots/report.png"
chrome shot --hide-scrollbars --window-size=1200,5600 --screenshot="$shots/report.png" \
    "file://$tmp/report.html" >/dev/null 2>&1
[ -s "$shots/report.png" ] && [ "$(head -c 4 "$shots/report.png" | od -An -c | tr -d ' ')" = '211PNG' ] \
    && ok "screenshot $shots/report.png" || ko "no screenshot"

# no libraries: one line naming the way out, before any reading
if CDRGEN_JS_DIR="$tmp/nowhere" "$CDRGEN" report "$tmp/out" --html "$tmp/x.html" >/dev/null 2>"$tmp/e"; then
    ko "a missing library is an error"
else
    [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q "CDRGEN_JS_DIR=$tmp/nowhere" "$tmp/e" && [ ! -e "$tmp/x.html" ] \
        && ok "a missing library: one line, no page" || ko "missing library message: $(cat "$tmp/e")"
fi
# report --html into a directory that does not exist
if "$CDRGEN" report "$tmp/out" --html "$tmp/no/such/dir/r.html" >/dev/null 2>"$tmp/e"; then
    ko "an unwritable page path is an error"
else
    [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q "$tmp/no/such/dir/r.html" "$tmp/e" \
        && ok "an unwritable page path: one line naming it" || ko "unwritable path message: $(cat "$tmp/e")"
fi
finish
