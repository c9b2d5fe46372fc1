// Checks a `cdrgen report --html` page as Chromium rendered it:
//   node check_html.mjs PAGE.html DOM.html REPORT.json
// PAGE: the file cdrgen wrote; DOM: `chromium --dump-dom` of it; REPORT: the
// output of `cdrgen report --json` on the same directory. Prints one line
// per check ("ok ..." / "FAIL ...") and exits 1 on any failure.
import { readFileSync } from 'node:fs';

const [pagePath, domPath, jsonPath] = process.argv.slice(2);
const page = readFileSync(pagePath, 'utf8');
const dom = readFileSync(domPath, 'utf8');
const json = readFileSync(jsonPath, 'utf8');
let bad = 0;
const ok = (c, what, why = '') => { console.log(`${c ? 'ok  ' : 'FAIL'} ${what}${c ? '' : ': ' + why}`); if (!c) bad++; };

// 1. offline: nothing the page could fetch
const scriptTags = page.match(/<script\b[^>]*>/gi) || [];
ok(scriptTags.every((t) => !/\bsrc\s*=/i.test(t)), `every script inline (${scriptTags.length})`);
const markup = page.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, '$1</script>');
const ext = markup.match(/<(link|img|iframe|object|embed|source)\b[^>]*/gi) || [];
ok(ext.length === 0, 'no linked style, image or frame', ext.slice(0, 3).join(' | '));
ok(!/@import|url\(/i.test(markup), 'no CSS import or url()');

// 2. the embedded data are exactly `report --json`
const m = page.match(/<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/);
ok(m && m[1] === json, 'the embedded JSON is byte for byte report --json', m ? `${m[1].length} vs ${json.length} bytes` : 'no report-data');
const data = JSON.parse(json);

// 3. every chart rendered, none empty, no error on the page
const st = dom.match(/<div id="status" data-done="(\d+)" data-total="(\d+)">([^<]*)<\/div>/);
ok(st && st[1] === st[2] && Number(st[2]) === 13, 'all 13 charts rendered', st ? st[3] : 'no status');
const errs = dom.match(/<div id="errors">([\s\S]*?)<\/div>/);
ok(errs && errs[1].trim() === '', 'no error on the page', errs ? errs[1].slice(0, 200) : 'no #errors');
const ids = [...page.matchAll(/<div class="chart" id="(chart-[a-z]+)"><\/div>/g)].map((x) => x[1]);
ok(ids.length === 13, `13 chart elements in the page (${ids.length})`);
for (const id of ids) {
  const at = dom.indexOf(`id="${id}"`);
  const next = dom.indexOf('<h2>', at);
  const chunk = dom.slice(at, next < 0 ? undefined : next);
  const marks = (chunk.match(/role-mark/g) || []).length;
  const shapes = (chunk.match(/<(path|rect|circle|text|line)\b/g) || []).length;
  ok(chunk.includes('<svg') && marks > 0 && shapes >= 3, `${id}: an SVG with marks (${marks} mark groups, ${shapes} shapes)`);
}

// 4. the table's numbers are the JSON's
const get = (path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), data);
const cells = [...dom.matchAll(/<td class="num" data-json="([a-z0-9_.]+)">([^<]*)<\/td>/g)];
ok(cells.length >= 20, `${cells.length} measured properties in the table`);
for (const [, path, text] of cells) {
  const v = get(path);
  const want = v === null || v === undefined ? '—' : String(v);
  ok(text === want || (v !== null && Number(text) === v), `table ${path} = ${text}`, `json ${want}`);
}
// volumes per subscriber-day, derived: rows / (subscribers x days)
for (const [, key, text] of dom.matchAll(/<td class="num" data-derived="([a-z]+)">([^<]*)<\/td>/g)) {
  const v = data[key] / (data.series.subscribers * data.days);
  ok(Math.abs(Number(text) - v) <= 1e-5 * Math.max(1, v), `table ${key} per subscriber-day = ${text}`, `json gives ${v}`);
}
// the sample size shown
const s = dom.match(/<b id="sample">(\d+)<\/b>/);
ok(s && Number(s[1]) === data.sampled_subscribers, `sample size shown (${s ? s[1] : '?'})`);
process.exit(bad ? 1 : 0);
