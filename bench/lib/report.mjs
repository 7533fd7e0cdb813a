// Printing the figures and appending the run to the results file (a JSON array, one entry per run).
import fs from 'node:fs';
import path from 'node:path';

const number = (value, digits = 0) => (typeof value === 'number' && Number.isFinite(value)
  ? value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })
  : '–');
const ms = (value) => (typeof value === 'number' ? `${number(value, value < 10 ? 1 : 0)} ms` : '–');
const percent = (value) => (typeof value === 'number' ? `${number(value * 100, 1)}%` : '–');
const yesNo = (value) => (value === true ? 'yes' : value === false ? 'NO' : '–');

/** The lines describing one scenario's result, as printed after it ran. */
export function scenarioLines(result) {
  const lines = [`── ${result.name} ${'─'.repeat(Math.max(2, 60 - result.name.length))}`];
  if (result.skipped) return [...lines, `  skipped: ${result.skipped}`];
  if (result.error) return [...lines, `  FAILED: ${result.error}`];
  const f = result;
  if (f.baseline) {
    lines.push(`  ${number(f.throughput, 1)} ${f.unit}   p50 ${ms(f.p50)}   p99 ${ms(f.p99)}   errors ${number(f.errors)}${f.load ? ` (non-2xx ${f.load.non2xx}, socket ${f.load.socketErrors}, responseCode≠0 ${f.load.badCodes})` : ''}`);
    lines.push(`  baseline (bare Fastify, same request shape): ${number(f.baseline.rps, 0)} requests/s, p50 ${ms(f.baseline.p50)}, p99 ${ms(f.baseline.p99)}   → ratio ${percent(f.ratio)}`);
    if (f.cpuMsPerRequest) lines.push(`  server CPU per request: ${number(f.cpuMsPerRequest, 3)} ms (baseline ${number(f.baseline.cpuMsPerRequest, 3)} ms) → CPU ratio ${percent(f.cpuRatio)}`);
    if (f.load?.samples?.length) lines.push(`  first failed answers: ${f.load.samples.map((s) => `${s.status} ${s.body.slice(0, 160)}`).join(' | ')}`);
  } else if (result.name === 'feed') {
    lines.push(`  ${number(f.rows)} rows, ${number(f.mb, 1)} MB: first byte ${number(f.ttfbSeconds, 3)} s, last byte ${number(f.lastByteSeconds, 3)} s (${number(f.throughput)} rows/s), peak RSS ${number(f.peakRssMb, 0)} MB (before ${number(f.rssBeforeMb, 0)} MB), errors ${f.errors}`);
    if (f.serverCpuSeconds !== undefined) lines.push(`  CPU during the fetch: server ${number(f.serverCpuSeconds, 2)} s${f.databaseCpuSeconds === null ? '' : `, PostgreSQL ${number(f.databaseCpuSeconds, 2)} s`}`);
  } else if (result.name === 'renewals') {
    lines.push(`  ${number(f.terms)} renewals of ${number(f.subscriptions)} due in ${number(f.seconds, 2)} s with ${f.workers} worker(s): ${number(f.throughput)} renewals/s; failed ${f.failed}, duplicates ${f.duplicates}, errors ${f.errors}`);
  } else if (result.name === 'keyImport') {
    lines.push(`  ${number(f.inserted)} keys in ${number(f.seconds, 2)} s: ${number(f.throughput)} keys/s; duplicates ${f.duplicates}, stock status after ${f.stockStatusAfter}, errors ${f.errors}`);
  } else {
    lines.push(`  ${number(f.throughput, 1)} ${f.unit}, errors ${number(f.errors)}`);
  }
  if (f.pgbench) lines.push(f.pgbench.tps ? `  pgbench TPC-B alongside: ${number(f.pgbench.tps)} tps (${f.pgbench.clients} clients) → orders/s ÷ tps ${percent(f.ratioToPgbench)}` : `  pgbench: ${f.pgbench.skipped}`);
  lines.push(`  target: ${f.target ?? '–'}   meets: ${yesNo(f.meetsTarget)}`);
  return lines;
}

/** The summary table of a run. */
export function summaryLines(run) {
  const header = ['scenario', 'throughput', 'p50', 'p99', 'errors', 'vs baseline', 'CPU ms/req', 'meets target'];
  const rows = run.scenarios.map((s) => {
    if (s.skipped) return [s.name, `skipped: ${s.skipped}`, '', '', '', '', '', ''];
    if (s.error) return [s.name, 'FAILED', '', '', '', '', '', ''];
    const extra = s.name === 'feed' ? `${number(s.lastByteSeconds, 2)} s, ${number(s.peakRssMb)} MB` : s.name === 'keyImport' ? `${number(s.seconds, 1)} s` : '';
    return [s.name, `${number(s.throughput, s.throughput < 100 ? 1 : 0)} ${s.unit}${extra ? ` (${extra})` : ''}`, s.p50 === undefined ? '' : ms(s.p50), s.p99 === undefined ? '' : ms(s.p99), number(s.errors), s.ratio === undefined ? '' : percent(s.ratio), s.cpuMsPerRequest ? number(s.cpuMsPerRequest, 3) : '', yesNo(s.meetsTarget)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
}

/** Appends `run` to the JSON array in `file` (created when absent; an unreadable file is kept aside, never overwritten). */
export function appendResults(file, run) {
  let runs = [];
  if (fs.existsSync(file)) {
    try {
      runs = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (!Array.isArray(runs)) throw new Error('not an array');
    } catch {
      const aside = `${file}.unreadable-${Date.now()}`;
      fs.renameSync(file, aside);
      process.stderr.write(`${file} was not a JSON array: kept as ${aside}\n`);
      runs = [];
    }
  }
  runs.push(run);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(runs, null, 2)}\n`);
}
