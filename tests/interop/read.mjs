// Reads an Arrow IPC file with apache-arrow and prints its schema as one
// line ("schema name:Type:nullable ...") then every row in arrow_tool's
// text format (null = empty field), for diffing against cdrgen.
import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';

const table = tableFromIPC(readFileSync(process.argv[2]));
const out = [];
out.push('schema ' + table.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`).join(' '));
// arrow-js shows a file without record batches as one empty batch.
out.push(`batches ${table.batches.filter((b) => b.numRows > 0).length} rows ${table.numRows}`);
const cols = table.schema.fields.map((f) => table.getChild(f.name));
for (let i = 0; i < table.numRows; i++) {
  out.push(cols.map((c) => { const v = c.get(i); return v === null ? '' : String(v); }).join(','));
}
process.stdout.write(out.join('\n') + '\n');
