// hyparquet (pure JavaScript, with hyparquet-compressors for zstd and
// gzip) as the second independent reader: FILE holds exactly the rows of
// the uncompressed CSV, field by field (an empty CSV field is a null).
//   node parquet_hyp.mjs CSV FILE...
import { asyncBufferFromFile, parquetReadObjects, parquetMetadataAsync } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { readFileSync } from 'node:fs';

const [csv, ...files] = process.argv.slice(2);
const lines = readFileSync(csv, 'utf8').split('\n');
const header = lines.shift().split(';');
if (lines[lines.length - 1] === '') lines.pop();
let k = 0;
const text = (v) => v === null || v === undefined ? '' : v instanceof Date ? String(v.getTime())
  : String(v);
for (const f of files) {
  const file = await asyncBufferFromFile(f);
  const md = await parquetMetadataAsync(file);
  const got = await parquetReadObjects({ file, metadata: md, compressors });
  for (const row of got) {
    if (k >= lines.length) { console.log(`${f}: more rows than the CSV (${lines.length})`); process.exit(1); }
    const want = lines[k].split(';');
    for (let c = 0; c < header.length; c++) {
      const g = text(row[header[c]]);
      if (g !== want[c]) {
        console.log(`${f}: row ${k} column ${header[c]}: parquet '${g}', csv '${want[c]}'`);
        process.exit(1);
      }
    }
    k++;
  }
}
if (k !== lines.length) { console.log(`parquet ${k} rows, csv ${lines.length}`); process.exit(1); }
console.log(`rows ${k}`);
