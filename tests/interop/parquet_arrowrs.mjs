// parquet-wasm (arrow-rs, the Rust implementation of Apache Arrow and
// Parquet, compiled to WebAssembly) as the third independent reader: each
// FILE, decoded to Arrow and read through apache-arrow, holds exactly the
// rows of the uncompressed CSV, field by field (null = empty field).
//   node parquet_arrowrs.mjs CSV FILE...
import { readParquet } from 'parquet-wasm/node';
import { tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';

const [csv, ...files] = process.argv.slice(2);
const lines = readFileSync(csv, 'utf8').split('\n');
const header = lines.shift().split(';');
if (lines[lines.length - 1] === '') lines.pop();
const text = (v) => (v === null || v === undefined ? '' : String(v));
let k = 0;
for (const f of files) {
  const t = tableFromIPC(readParquet(new Uint8Array(readFileSync(f))).intoIPCStream());
  const want = ['Utf8', 'Utf8', 'Utf8', 'Utf8', 'Timestamp<MILLISECOND, UTC>', 'Timestamp<MILLISECOND, UTC>',
    'Utf8', 'Int32', 'Int32', 'Utf8', 'Utf8', 'Utf8', 'Int32', 'Utf8', 'Utf8', 'Int32', 'Utf8', 'Int64',
    'Int64', 'Int32', 'Utf8', 'Utf8'];
  const got = t.schema.fields.map((x) => String(x.type));
  if (got.join() !== want.join() || t.schema.fields.map((x) => x.name).join() !== header.join()) {
    console.log(`${f}: schema ${t.schema.fields.map((x) => `${x.name}:${x.type}`).join(' ')}`);
    process.exit(1);
  }
  const cols = header.map((h) => t.getChild(h));
  for (let r = 0; r < t.numRows; r++, k++) {
    if (k >= lines.length) { console.log(`${f}: more rows than the CSV (${lines.length})`); process.exit(1); }
    const w = lines[k].split(';');
    for (let c = 0; c < header.length; c++) {
      const g = text(cols[c].get(r));
      if (g !== w[c]) { console.log(`${f}: row ${k} column ${header[c]}: parquet '${g}', csv '${w[c]}'`); process.exit(1); }
    }
  }
}
if (k !== lines.length) { console.log(`parquet ${k} rows, csv ${lines.length}`); process.exit(1); }
console.log(`rows ${k}`);
