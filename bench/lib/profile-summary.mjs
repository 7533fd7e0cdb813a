// `node bench/lib/profile-summary.mjs <file.cpuprofile>`: where a server profile's time went, by
// package (self time) and by function (self and inclusive), for the "Profiling" notes of README.md.
import fs from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/lib/profile-summary.mjs <file.cpuprofile> [top n]\n');
  process.exit(1);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);

// Time per sampled node: each sample lasts until the next one.
const timeOf = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  timeOf.set(id, (timeOf.get(id) ?? 0) + dt);
  total += dt;
});

const shortUrl = (url) => url.replace(/^.*\/(node_modules\/(?:@[^/]+\/)?[^/]+|dist)\//, '$1/');
const functionOf = (n) => `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const areaOf = (n) => {
  const url = n.callFrame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/dist/')) return 'resell';
  if (url.startsWith('node:')) return 'node';
  return n.callFrame.functionName || '(native)';
};

const add = (map, key, t) => map.set(key, (map.get(key) ?? 0) + t);
const byArea = new Map();
const self = new Map();
const inclusive = new Map();
for (const [id, t] of timeOf) {
  const node = nodes.get(id);
  add(byArea, areaOf(node), t);
  add(self, functionOf(node), t);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    const key = functionOf(nodes.get(at));
    if (!seen.has(key)) add(inclusive, key, t);
    seen.add(key);
  }
}

const busy = total - (byArea.get('(idle)') ?? 0);
const lines = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n)
  .map(([key, t]) => `${((100 * t) / busy).toFixed(1).padStart(6)}%  ${key}`).join('\n');
byArea.delete('(idle)');
self.delete('(idle) :0');
inclusive.delete('(idle) :0');
inclusive.delete('(root) :0');
console.log(`profile ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s; percentages of busy time`);
console.log('\nby package (self)\n' + lines(byArea, 15));
console.log('\nby function (self)\n' + lines(self, top));
console.log('\nby function (inclusive)\n' + lines(inclusive, top));
