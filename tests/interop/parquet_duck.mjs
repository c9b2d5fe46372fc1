// DuckDB (@duckdb/node-api) as the independent reader of cdrgen's Parquet.
//   types FILE                      the columns and their DuckDB types, one "name type" a line
//   same CSV FILE...                FILEs (in order) hold exactly CSV's rows, column by column
//   meta FILE ROWS BYTES CODEC      parquet_metadata agrees with what the writer recorded
//   time FILE                       seconds of the GROUP BY event_type query (best of 3)
import { DuckDBInstance } from '@duckdb/node-api';
import { statSync } from 'node:fs';

const [mode, ...args] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const rows = async (q) => (await con.runAndReadAll(q)).getRowObjectsJson();
const lit = (s) => "'" + s.replaceAll("'", "''") + "'";
const list = (fs) => '[' + fs.map(lit).join(',') + ']';

const COLS = ['event_type', 'msisdn_src', 'msisdn_dst', 'direction', 'start_ts_ms', 'end_ts_ms',
  'tz_name', 'tz_offset_min', 'duration_sec', 'mccmnc', 'imsi', 'imei', 'cell_id', 'record_type',
  'cause_for_record_closing', 'sms_segments', 'sms_status', 'data_bytes_in', 'data_bytes_out',
  'data_duration_sec', 'apn', 'rat'];
const DICT = new Set(['event_type', 'direction', 'tz_name', 'record_type',
  'cause_for_record_closing', 'sms_status', 'apn', 'rat']);
const OPT = new Set(['msisdn_dst', 'sms_segments', 'sms_status', 'data_bytes_in',
  'data_bytes_out', 'data_duration_sec', 'apn', 'rat']);

function fail(msg) { console.log(msg); process.exit(1); }

if (mode === 'types') {
  for (const r of await rows(`DESCRIBE SELECT * FROM read_parquet(${lit(args[0])})`))
    console.log(`${r.column_name} ${r.column_type}`);
} else if (mode === 'same') {
  const [csv, ...pq] = args;
  await con.run(`CREATE TABLE c AS SELECT * FROM read_csv(${lit(csv)}, delim=';', header=true,
                 all_varchar=true, nullstr='')`);
  // Each Parquet column in the text the CSV has: a timestamp as its epoch ms.
  const sel = COLS.map((c) => c.endsWith('_ts_ms') ? `CAST(epoch_ms(${c}) AS VARCHAR) AS ${c}`
                                                   : `CAST(${c} AS VARCHAR) AS ${c}`).join(', ');
  await con.run(`CREATE TABLE p AS SELECT ${sel} FROM read_parquet(${list(pq)})`);
  const [n] = await rows(`SELECT (SELECT count(*) FROM c) AS c, (SELECT count(*) FROM p) AS p`);
  if (n.c !== n.p) fail(`rows: csv ${n.c}, parquet ${n.p}`);
  const cond = COLS.map((c) => `c.${c} IS DISTINCT FROM p.${c}`).join(' OR ');
  const bad = await rows(`SELECT c.rowid AS r, ${COLS.map((c) => `c.${c} AS c_${c}, p.${c} AS p_${c}`).join(', ')}
                          FROM c JOIN p ON c.rowid = p.rowid WHERE ${cond} LIMIT 1`);
  if (bad.length) fail(`row ${bad[0].r} differs: ${JSON.stringify(bad[0])}`);
  const [nn] = await rows(`SELECT count(*) FILTER (WHERE msisdn_dst IS NULL) AS a,
                          count(*) FILTER (WHERE sms_status IS NULL) AS b,
                          count(*) FILTER (WHERE apn IS NULL) AS d,
                          count(DISTINCT event_type) AS t FROM p`);
  console.log(`rows ${n.p} nulls dst ${nn.a} sms ${nn.b} data ${nn.d} types ${nn.t}`);
} else if (mode === 'meta') {
  const [file, wantRows, wantBytes, codec] = args;
  const size = statSync(file).size;
  if (String(size) !== wantBytes) fail(`${file}: ${size} bytes, the writer recorded ${wantBytes}`);
  const m = await rows(`SELECT row_group_id, row_group_num_rows, column_id, path_in_schema,
      compression, encodings, num_values, total_compressed_size, total_uncompressed_size,
      data_page_offset, dictionary_page_offset FROM parquet_metadata(${lit(file)})
      ORDER BY row_group_id, column_id`);
  const [fm] = await rows(`SELECT num_rows, num_row_groups, created_by FROM parquet_file_metadata(${lit(file)})`);
  if (fm.num_rows !== wantRows) fail(`${file}: ${fm.num_rows} rows, the writer recorded ${wantRows}`);
  if (!String(fm.created_by).startsWith('cdrgen version ')) fail(`created_by ${fm.created_by}`);
  let rgs = new Set(), sum = 0, last = -1;
  for (const r of m) {
    if (r.compression !== codec) fail(`${r.path_in_schema}: compression ${r.compression}, want ${codec}`);
    const want = DICT.has(r.path_in_schema) ? 'PLAIN, RLE, RLE_DICTIONARY'
               : OPT.has(r.path_in_schema) ? 'PLAIN, RLE' : 'PLAIN';
    if (r.encodings !== want) fail(`${r.path_in_schema}: encodings ${r.encodings}, want ${want}`);
    if (r.path_in_schema !== COLS[Number(r.column_id)]) fail(`column ${r.column_id} is ${r.path_in_schema}`);
    if (r.num_values !== r.row_group_num_rows) fail(`${r.path_in_schema}: values ${r.num_values} != rows`);
    if ((r.dictionary_page_offset !== null) !== DICT.has(r.path_in_schema)) fail(`${r.path_in_schema}: dictionary page`);
    const first = Number(r.dictionary_page_offset ?? r.data_page_offset);
    if (first <= last) fail(`${r.path_in_schema}: chunks overlap or go backwards`);
    last = first;
    if (!rgs.has(r.row_group_id)) { rgs.add(r.row_group_id); sum += Number(r.row_group_num_rows); }
  }
  if (String(sum) !== wantRows) fail(`row groups sum to ${sum} rows`);
  if (rgs.size !== Number(fm.num_row_groups)) fail(`row groups ${rgs.size} != ${fm.num_row_groups}`);
  const sch = await rows(`SELECT name, type, logical_type, repetition_type FROM parquet_schema(${lit(file)})`);
  const ts = sch.filter((s) => s.name === 'start_ts_ms')[0];
  if (!ts || ts.type !== 'INT64' || !/TimestampType|TIMESTAMP/i.test(String(ts.logical_type)) ||
      !/isAdjustedToUTC=1|isAdjustedToUTC=true|true/i.test(String(ts.logical_type)))
    fail(`start_ts_ms schema: ${JSON.stringify(ts)}`);
  console.log(`row_groups ${rgs.size} rows ${sum}`);
} else if (mode === 'time') {
  const src = args[0].endsWith('.parquet') ? `read_parquet(${lit(args[0])})`
    : `read_csv(${lit(args[0])}, delim=';', header=true)`;
  let best = Infinity, out;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    out = await rows(`SELECT event_type, count(*) AS n, sum(duration_sec) AS d FROM ${src} GROUP BY 1 ORDER BY 1`);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(`${best.toFixed(3)} ${JSON.stringify(out)}`);
} else {
  fail('usage: parquet_duck.mjs types|same|meta|time ...');
}
