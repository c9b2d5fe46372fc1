// Writes Arrow IPC files with apache-arrow for cdrgen to read: good ones
// (NAME.arrow + NAME.expect, the rows in arrow_tool's text format) and bad
// ones (NAME.arrow + NAME.err, a fragment cdrgen's error line must contain).
// Usage: node write.mjs OUTDIR
import { writeFileSync } from 'node:fs';
import {
  Field, Schema, Struct, RecordBatch, Table, makeData, vectorFromArray, tableFromArrays,
  tableToIPC, Int64, Uint8, Uint64, Uint32, Int32, Utf8, Dictionary,
} from 'apache-arrow';

const dir = process.argv[2];
const U64MAX = 18446744073709551615n;

const specFields = () => [
  new Field('timestamp_ms', new Int64(), false),
  new Field('event_type', new Uint8(), false),
  new Field('imsi', new Uint64(), false),
  new Field('msisdn', new Uint64(), true),
  new Field('imei', new Uint64(), true),
  new Field('mccmnc', new Uint32(), false),
];

// Row i of the null-bearing set (BigInt for 64-bit columns, null = null).
function row(i) {
  const b = BigInt(i);
  return [
    1704067200000n + b * 1000n - (i === 1 ? 3000000000000n : 0n),
    i % 5,
    i === 0 ? U64MAX : 310150000000000n + b,
    i % 4 === 1 ? null : (i === 2 ? (1n << 63n) + 7n : 4915100000000n + b),
    i % 3 === 0 ? null : 350000000000000n + b * 13n,
    i === 3 ? 4294967295 : 26201 + (i % 3),
  ];
}

function batch(schema, rows) {
  const children = schema.fields.map((f, c) => vectorFromArray(rows.map((r) => r[c]), f.type).data[0]);
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

const text = (rows) => rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(',')).join('\n') + (rows.length ? '\n' : '');

function good(name, table, rows) {
  writeFileSync(`${dir}/${name}.arrow`, tableToIPC(table, 'file'));
  writeFileSync(`${dir}/${name}.expect`, text(rows));
}
function bad(name, table, fragment) {
  writeFileSync(`${dir}/${name}.arrow`, tableToIPC(table, 'file'));
  writeFileSync(`${dir}/${name}.err`, fragment + '\n');
}

// 1. Several batch sizes, one of 0 rows, nulls in msisdn/imei, uint64 > 2^63.
{
  const schema = new Schema(specFields());
  const sizes = [3, 0, 1000, 7, 65537];
  let i = 0;
  const all = [];
  const batches = sizes.map((n) => {
    const rows = [];
    for (let k = 0; k < n; k++) rows.push(row(i++));
    all.push(...rows);
    return batch(schema, rows);
  });
  good('multi_nulls', new Table(schema, batches), all);
}

// 2. tableFromArrays: typed arrays, every field nullable (arrow-js default),
//    no nulls, so no validity buffers are written.
{
  const n = 5000;
  const ts = new BigInt64Array(n), ty = new Uint8Array(n), imsi = new BigUint64Array(n);
  const msisdn = new BigUint64Array(n), imei = new BigUint64Array(n), mcc = new Uint32Array(n);
  const rows = [];
  for (let i = 0; i < n; i++) {
    ts[i] = 1704067200000n + BigInt(i);
    ty[i] = i % 5;
    imsi[i] = U64MAX - BigInt(i);
    msisdn[i] = 4915100000000n + BigInt(i);
    imei[i] = 350000000000000n + BigInt(i);
    mcc[i] = 20801 + i;
    rows.push([ts[i], ty[i], imsi[i], msisdn[i], imei[i], mcc[i]]);
  }
  const t = tableFromArrays({ timestamp_ms: ts, event_type: ty, imsi, msisdn, imei, mccmnc: mcc });
  good('from_arrays', t, rows);
}

// 3. Only one batch, of 0 rows.
{
  const schema = new Schema(specFields());
  good('empty_batch', new Table(schema, [batch(schema, [])]), []);
}

// 4. Wrong schemas and data cdrgen must reject with a clear line.
{
  const f = specFields();
  f[2] = new Field('imsi', new Int32(), false);
  const schema = new Schema(f);
  bad('bad_imsi_int32', new Table(schema, [batch(schema, [[1n, 0, 5, null, null, 1]])]),
    "column 'imsi' has type Int(32, signed), expected UInt64");
}
{
  const f = specFields();
  f[3] = new Field('msisdn', new Utf8(), true);
  const schema = new Schema(f);
  bad('bad_msisdn_utf8', new Table(schema, [batch(schema, [[1n, 0, 5n, 'x', null, 1]])]),
    "column 'msisdn' has type Utf8, expected UInt64");
}
{
  const f = specFields();
  f[2] = new Field('imsi', new Uint64(), true);
  const schema = new Schema(f);
  bad('bad_imsi_null', new Table(schema, [batch(schema, [[1n, 0, null, 2n, 3n, 1]])]),
    "column 'imsi' must not be null but has 1 nulls");
}
{
  const f = specFields();
  f[1] = new Field('event_type', new Dictionary(new Utf8(), new Int32()), false);
  const schema = new Schema(f);
  bad('bad_dict', new Table(schema, [batch(schema, [[1n, 'NEW', 5n, null, null, 1]])]),
    "column 'event_type' is dictionary-encoded");
}
{
  const f = specFields();
  [f[3], f[4]] = [f[4], f[3]];
  const schema = new Schema(f);
  bad('bad_order', new Table(schema, [batch(schema, [[1n, 0, 5n, null, null, 1]])]),
    "column 4 is named 'imei', expected 'msisdn'");
}
