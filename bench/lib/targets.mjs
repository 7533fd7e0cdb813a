// The targets of quality.md §Benchmarks, per scenario and engine, as text (printed and stored) and as
// a check of the scenario's figures (`meetsTarget`: reported, never a failure). A quick run uses
// smaller data sets: targets stated as a total time are then checked as the equivalent rate.

const FEED_PRODUCTS = 100_000;
const FEED_SECONDS = 3;
const FEED_RSS_MB = 250;
const KEYS = 1_000_000;
const KEY_SECONDS = 60;

const TARGETS = {
  createOrder: {
    sqlite: { text: '≥ 7% of the baseline (≈ 4,000 orders/s here), p99 ≤ 40 ms, 0 errors', meets: (f) => f.ratio >= 0.07 && f.p99 <= 40 && f.errors === 0 },
    postgres: { text: '≥ 1,000 orders/s (≈ 20% of a pgbench TPC-B run, measured alongside), 0 errors', meets: (f) => f.throughput >= 1000 && f.errors === 0 },
  },
  getStockStatus: {
    sqlite: { text: '≥ 50% of the baseline', meets: (f) => f.ratio >= 0.5 },
    postgres: { text: '≥ 40% of the baseline', meets: (f) => f.ratio >= 0.4 },
  },
  getOrderData: {
    sqlite: { text: '≥ 40% of the baseline', meets: (f) => f.ratio >= 0.4 },
    postgres: { text: '≥ 30% of the baseline', meets: (f) => f.ratio >= 0.3 },
  },
  feed: {
    any: {
      text: `100,000 products: ≤ ${FEED_SECONDS} s to last byte, peak RSS ≤ ${FEED_RSS_MB} MB`,
      quickText: `≥ ${Math.round(FEED_PRODUCTS / FEED_SECONDS).toLocaleString('en')} rows/s (${FEED_SECONDS} s for 100,000), peak RSS ≤ ${FEED_RSS_MB} MB`,
      meets: (f) => f.lastByteSeconds <= FEED_SECONDS && f.peakRssMb <= FEED_RSS_MB && f.errors === 0,
      quickMeets: (f) => f.throughput >= FEED_PRODUCTS / FEED_SECONDS && f.peakRssMb <= FEED_RSS_MB && f.errors === 0,
    },
  },
  renewals: {
    sqlite: { text: '≥ 1,000 renewals/s, one process', meets: (f) => f.throughput >= 1000 && f.errors === 0 },
    postgres: { text: '≥ 500 renewals/s with 2 workers, zero duplicates', meets: (f) => f.throughput >= 500 && f.duplicates === 0 && f.errors === 0 },
  },
  keyImport: {
    any: {
      text: `1,000,000 keys in ≤ ${KEY_SECONDS} s`,
      quickText: `≥ ${Math.round(KEYS / KEY_SECONDS).toLocaleString('en')} keys/s (${KEY_SECONDS} s for 1,000,000)`,
      meets: (f) => f.seconds <= KEY_SECONDS && f.errors === 0,
      quickMeets: (f) => f.throughput >= KEYS / KEY_SECONDS && f.errors === 0,
    },
  },
};

/** { text, meetsTarget } of `scenario`'s figures on `engine`; `quick` checks the rate equivalent where there is one. */
export function judge(scenario, engine, quick, figures) {
  const entry = TARGETS[scenario]?.[engine] ?? TARGETS[scenario]?.any;
  if (!entry) return { target: null, meetsTarget: null };
  const scaled = quick && entry.quickMeets;
  const meets = scaled ? entry.quickMeets : entry.meets;
  let meetsTarget = false;
  try {
    meetsTarget = Boolean(meets(figures));
  } catch {
    meetsTarget = false;
  }
  return { target: scaled ? entry.quickText : entry.text, meetsTarget };
}
