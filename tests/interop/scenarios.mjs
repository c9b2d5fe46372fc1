// The DuckDB queries of docs/SCENARIOS.md, run as they are written there
// (each "<!-- query:NAME -->" block, OUT replaced by the run's directory)
// with @duckdb/node-api, against the run's labels: each query must find
// exactly the labelled cases of its scenario.
//   node scenarios.mjs DOC OUT
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const [doc, out] = process.argv.slice(2);
const text = readFileSync(doc, 'utf8');
const q = {};
for (const m of text.matchAll(/<!-- query:(\w+) -->\n```sql\n([\s\S]*?)```/g))
  q[m[1]] = m[2].replaceAll("'OUT/", "'" + out + '/');
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const rows = async (s) => (await con.runAndReadAll(s)).getRowObjectsJson();
let pass = 0, fail = 0;
const check = (name, cond, detail) => {
  if (cond) { pass++; console.log('ok   ' + name + (detail ? ' (' + detail + ')' : '')); }
  else { fail++; console.log('FAIL ' + name + ': ' + detail); }
};
const csv = (p) => readFileSync(p, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const lab = csv(out + '/labels/fraud.csv');
const churn = csv(out + '/labels/churn.csv');
const who = (sc, role, col = 0) => new Set(lab.filter((r) => r[2] === sc && (!role || r[3] === role)).map((r) => r[col]));
const same = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));

const names = ['setup', 'sim_box', 'wangiri', 'irsf', 'sim_swap', 'bust_out', 'cloned_sim', 'churn'];
check('docs/SCENARIOS.md has every query', names.every((n) => q[n]), names.filter((n) => !q[n]).join(' '));
await con.run(q.setup);
const got = {};
for (const n of names.slice(1)) got[n] = await rows(q[n]);

check('sim_box: the query finds exactly the box SIMs', same(new Set(got.sim_box.map((r) => r.owner)), who('sim_box')),
      `${got.sim_box.length} found, ${who('sim_box').size} labelled`);
const cb = who('wangiri', 'callback');
check('wangiri: exactly the campaigns\' numbers, and every callback', same(new Set(got.wangiri.map((r) => r.number)), who('wangiri', 'number')) &&
      got.wangiri.reduce((a, r) => a + Number(r.called_back), 0) === cb.size,
      `${got.wangiri.length} numbers, ${got.wangiri.reduce((a, r) => a + Number(r.called_back), 0)} callbacks of ${cb.size}`);
check('irsf: exactly the compromised subscribers', same(new Set(got.irsf.map((r) => r.owner)), who('irsf')),
      `${new Set(got.irsf.map((r) => r.owner)).size} found, ${who('irsf').size} labelled`);
check('sim_swap: exactly the victims', same(new Set(got.sim_swap.map((r) => r.owner)), who('sim_swap', 'victim')),
      `${got.sim_swap.length} found`);
check('bust_out: exactly the fraudulent subscriptions', same(new Set(got.bust_out.map((r) => r.owner)), who('bust_out')),
      `${got.bust_out.length} found`);
check('cloned_sim: exactly the cloned IMSIs', same(new Set(got.cloned_sim.map((r) => r.imsi)), who('cloned_sim', null, 1)),
      `${got.cloned_sim.length} found`);
const ch = new Set(churn.map((r) => r[0]));
const flagged = got.churn.map((r) => r.owner);
check('churn: every subscriber flagged is a labelled churner, and some are', flagged.length >= 5 && flagged.every((m) => ch.has(m)),
      `${flagged.length} flagged, ${flagged.filter((m) => ch.has(m)).length} labelled`);
console.log(`${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
