// The charts of `cdrgen report --html` (docs/REPORT.md): Vega-Lite
// specifications built from the page's embedded JSON (the output of
// `cdrgen report --json`) and rendered as SVG by vega-embed. Nothing is
// fetched; every chart, or the error that stopped it, is reported in
// #status and #errors (the browser test reads both).
(function () {
  'use strict';
  const errors = document.getElementById('errors');
  const status = document.getElementById('status');
  const fail = (what) => {
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = String(what);
    errors.appendChild(p);
  };
  window.addEventListener('error', (e) => fail(e.message));
  window.addEventListener('unhandledrejection', (e) => fail(e.reason));

  const D = JSON.parse(document.getElementById('report-data').textContent);
  const C = JSON.parse(document.getElementById('report-config').textContent);
  const S = D.series;
  const W = 460, H = 220;
  const sum = (a) => a.reduce((x, y) => x + y, 0);

  // log-binned histogram -> [{lo, hi, n}] without empty tails
  const hist = (h) => {
    const out = [];
    h.counts.forEach((n, k) => {
      if (n > 0) out.push({ lo: h.from * Math.pow(10, k / h.bins_per_decade),
                            hi: h.from * Math.pow(10, (k + 1) / h.bins_per_decade), n });
    });
    return out;
  };
  const histSpec = (h, title, unit) => ({
    width: W * 2, height: H, data: { values: hist(h) },
    mark: { type: 'rect', tooltip: true },
    encoding: {
      x: { field: 'lo', type: 'quantitative', scale: { type: 'log' }, title: `${title} (${unit}, log)` },
      x2: { field: 'hi' },
      y: { field: 'n', type: 'quantitative', title: 'count' },
    },
  });
  const bars = (names, counts, title) => ({
    width: 200, height: 24 * names.length, title,
    data: { values: names.map((name, i) => ({ name, n: counts[i] })) },
    mark: { type: 'bar', tooltip: true },
    encoding: { y: { field: 'name', type: 'nominal', sort: null, title: null },
                x: { field: 'n', type: 'quantitative', title: 'records' } },
  });

  const charts = {};
  // 1. hourly volume against the configured weights
  {
    const rows = [];
    for (const day of ['weekday', 'weekend']) {
      const w = C[day], tw = sum(w);
      w.forEach((v, h) => rows.push({ day, hour: h, series: 'configured weight', share: tw ? v / tw : 0 }));
      for (const t of S.types) {
        const a = S.hourly[day][t], ta = sum(a);
        if (ta) a.forEach((v, h) => rows.push({ day, hour: h, series: t, share: v / ta }));
      }
    }
    charts.hourly = {
      data: { values: rows }, columns: 2, width: W, height: H,
      facet: { field: 'day', type: 'nominal', title: null, sort: ['weekday', 'weekend'] },
      spec: { width: W, height: H, mark: { type: 'line', point: true, tooltip: true },
              encoding: { x: { field: 'hour', type: 'quantitative', scale: { domain: [0, 23] }, title: 'local hour' },
                          y: { field: 'share', type: 'quantitative', title: 'share of the day' },
                          color: { field: 'series', type: 'nominal' },
                          strokeDash: { condition: { test: "datum.series === 'configured weight'", value: [4, 3] }, value: [1, 0] } } },
    };
  }
  // 2. records per day, weekends shaded, DST days marked
  {
    const rows = [], marks = [];
    for (const d of S.days) {
      for (const t of S.types) rows.push({ date: d.date, type: t, n: d[t] });
      if (d.weekend) marks.push({ date: d.date, kind: 'weekend' });
      if (d.dst) marks.push({ date: d.date, kind: 'DST change' });
      if (C.special_days && d.date in C.special_days) marks.push({ date: d.date, kind: 'special day ×' + C.special_days[d.date] });
    }
    for (const e of S.events || []) marks.push({ date: e.date, kind: 'event ' + e.name });
    const bars = { data: { values: rows }, mark: { type: 'bar', tooltip: true },
                   encoding: { x: { field: 'date', type: 'ordinal', title: 'day' },
                               y: { field: 'n', type: 'quantitative', stack: true, title: 'records' },
                               fill: { field: 'type', type: 'nominal', title: 'event type' } } };
    // weekends, DST days, special days and events (events.json): a band
    // over the day's bar
    const over = { data: { values: marks }, mark: { type: 'bar', opacity: 0.18, tooltip: true },
                   encoding: { x: { field: 'date', type: 'ordinal' },
                               color: { field: 'kind', type: 'nominal', title: 'marked',
                                        scale: { scheme: 'set1' } } } };
    charts.daily = { width: W * 2, height: H, layer: marks.length ? [bars, over] : [bars],
                     resolve: { scale: { color: 'independent' } } };
  }
  // 3. the mix
  charts.mix = { hconcat: [
    bars(S.types, [D.calls, D.sms, D.data], 'event types'),
    bars(S.mix.cause_names, S.mix.cause, 'disposition (cause for closing)'),
    bars(S.mix.rat_names, S.mix.rat, 'RAT (data)'),
    bars(S.mix.apn_names, S.mix.apn, 'APN (data)'),
  ] };
  // 4, 5. distributions, log axes
  charts.duration = histSpec(S.call_duration_s, 'answered call duration', 's');
  charts.volume = histSpec(S.data_bytes, 'bytes in + out per session', 'bytes');
  // 6. the map: sites, sized by the homes there
  // events with an area (events.json) outlined: a circle of its radius
  const outlines = [];
  const seenArea = {};
  for (const e of S.events || []) {
    if (!e.area || seenArea[e.name]) continue;
    seenArea[e.name] = 1;
    const [lat, lon, r] = e.area;
    const kind = e.outage ? 'outage' : e.gathering ? 'gathering' : 'event';
    for (let k = 0; k <= 48; k++) {
      const a = (2 * Math.PI * k) / 48;
      outlines.push({ event: e.name + ' (' + kind + ')', k,
                      lat: lat + (r / 111.32) * Math.cos(a),
                      lon: lon + (r / (111.32 * Math.cos((lat * Math.PI) / 180))) * Math.sin(a) });
    }
  }
  const sitesLayer = {
    data: { values: S.sites.map(([lat, lon, cells, homes, area]) => ({ lat, lon, cells, homes, area: String(area) })) },
    mark: { type: 'circle', opacity: 0.6, tooltip: true },
    encoding: { longitude: { field: 'lon', type: 'quantitative' }, latitude: { field: 'lat', type: 'quantitative' },
                size: { field: 'homes', type: 'quantitative', title: 'homes at the site', scale: { range: [4, 400] } },
                color: { field: 'area', type: 'nominal', title: 'area' } },
  };
  const outlineLayer = {
    data: { values: outlines },
    mark: { type: 'line', strokeWidth: 2, tooltip: true },
    encoding: { longitude: { field: 'lon', type: 'quantitative' }, latitude: { field: 'lat', type: 'quantitative' },
                detail: { field: 'event', type: 'nominal' }, order: { field: 'k', type: 'quantitative' },
                stroke: { field: 'event', type: 'nominal', title: 'events', scale: { scheme: 'dark2' } } },
  };
  charts.map = { width: W * 2, height: 420, projection: { type: 'mercator' },
                 layer: outlines.length ? [sitesLayer, outlineLayer] : [sitesLayer],
                 resolve: { scale: { color: 'independent' } } };
  // 7. degree distribution (log-log)
  charts.degree = {
    width: W, height: H,
    data: { values: S.degree.map((n, k) => ({ k, n })).filter((r) => r.k > 0 && r.n > 0) },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: { x: { field: 'k', type: 'quantitative', scale: { type: 'log' }, title: 'on-net contacts k (log)' },
                y: { field: 'n', type: 'quantitative', scale: { type: 'log' }, title: 'subscribers (log)' } },
  };
  // 8. tie weights (log-log)
  charts.ties = {
    width: W, height: H,
    data: { values: hist(S.tie_call_s).map((r) => ({ w: Math.sqrt(r.lo * r.hi), n: r.n })) },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: { x: { field: 'w', type: 'quantitative', scale: { type: 'log' }, title: 'answered call seconds per pair (log)' },
                y: { field: 'n', type: 'quantitative', scale: { type: 'log' }, title: 'pairs (log)' } },
  };
  // 9. overlap by weight decile
  charts.overlap = {
    width: W, height: H,
    title: `clustering ${D.people.clustering === null ? '—' : D.people.clustering}`,
    data: { values: S.overlap_by_decile.map((o, d) => ({ decile: d + 1, o })).filter((r) => r.o !== null) },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: { x: { field: 'decile', type: 'quantitative', scale: { domain: [1, 10] }, title: 'tie-weight decile (calls + SMS)' },
                y: { field: 'o', type: 'quantitative', title: 'mean neighbourhood overlap' } },
  };
  // 10. radius of gyration
  charts.rg = histSpec(S.rg_km, 'radius of gyration', 'km');
  // 11. visitation frequency, with k^-1.2 through the first point
  {
    const f = D.places.visit_share_by_rank;
    const rows = f.map((v, k) => ({ k: k + 1, v, series: 'measured' })).filter((r) => r.v > 0);
    if (rows.length) f.forEach((_, k) => rows.push({ k: k + 1, v: f[0] * Math.pow(k + 1, -1.2), series: 'k^-1.2 (González 2008)' }));
    charts.visits = {
      width: W, height: H, data: { values: rows },
      mark: { type: 'line', point: true, tooltip: true },
      encoding: { x: { field: 'k', type: 'quantitative', scale: { type: 'log' }, title: 'cell rank k (log)' },
                  y: { field: 'v', type: 'quantitative', scale: { type: 'log' }, title: 'share of records (log)' },
                  color: { field: 'series', type: 'nominal', title: null } },
    };
  }
  // 12. profiles
  charts.profiles = S.profiles.length
    ? bars(S.profiles.map((p) => p.name), S.profiles.map((p) => p.n), 'subscribers per profile')
    : { width: W, height: 40, data: { values: [{ t: 'no subscribers.csv in this output' }] }, mark: 'text', encoding: { text: { field: 't' } } };
  // 13. labels
  // anomalies: the days' counts by kind (summary.json); fraud and churn:
  // the cases of OUT/labels (the report's "fraud" object)
  const labels = {};
  if (D.fraud) {
    for (const x of D.fraud.scenarios) if (x.cases) labels['case: ' + x.scenario] = x.cases;
    if (D.fraud.wangiri_numbers) labels['case: wangiri numbers'] = D.fraud.wangiri_numbers;
  }
  for (const d of S.days) {
    if (!d.anomalies) continue;
    d.anomalies.forEach((n, k) => { const name = 'anomaly: ' + S.anomaly_kinds[k]; labels[name] = (labels[name] || 0) + n; });
  }
  for (const [k, v] of Object.entries(C.labels || {})) labels[k] = v;
  charts.labels = Object.keys(labels).length
    ? bars(Object.keys(labels), Object.values(labels), 'labelled records (anomalies) or cases (fraud, churn)')
    : { width: W, height: 40, data: { values: [{ t: 'no fraud or anomaly labels in this output' }] }, mark: { type: 'text', align: 'left', x: 0 }, encoding: { text: { field: 't' } } };

  const names = Object.keys(charts);
  let done = 0;
  Promise.all(names.map((n) => vegaEmbed('#chart-' + n, Object.assign({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json' }, charts[n]),
                                         { renderer: 'svg', actions: false })
    .then(() => { done++; })
    .catch((e) => fail(n + ': ' + e))))
    .then(() => { status.textContent = `rendered ${done} of ${names.length} charts`; status.dataset.done = String(done); status.dataset.total = String(names.length); });
})();
