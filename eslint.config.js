// Lint configuration. Besides typescript-eslint's recommended rules it enforces the dependency
// direction of the code style (shared/style.md) with plain ESLint rules, so a layering mistake fails
// `npm run lint` instead of waiting for review:
//   http/, backoffice/, jobs/, cli/  →  domains/*/index.ts  →  repositories  →  db/;  shared/ for all.
// Domains: no Fastify, no database driver, no process.env, no Date.now() (time comes from the Clock);
// a domain reaches another only through its index.js. test/architecture/lint-rules.test.ts proves the
// rules bite.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const SOURCE = '{ts,mts,cts,js,mjs}';
/** Deepest folder level below src/ that gets its own generated block (src/a/b/c/d/e/f.ts is 5). */
const MAX_DEPTH = 6;

/** Top-level folders and files of src/ that lower layers must not reach. */
const ENTRY_FILES = ['config', 'app', 'main', 'key-files'];
const EDGE_FOLDERS = ['http', 'cli', 'jobs', 'backoffice', 'demo', 'tools'];

const HTTP_PACKAGES = ['fastify', 'fastify-*', '@fastify/*', 'light-my-request'];
const DRIVER_PACKAGES = ['pg', 'pg-*', 'better-sqlite3'];
const EDGE_PACKAGES = ['commander', 'cli-progress', 'prom-client'];

/** What each layer may not import, beyond the rules every file of src/ follows. */
const LAYERS = {
  domains: {
    packages: [...HTTP_PACKAGES, ...EDGE_PACKAGES],
    folders: EDGE_FOLDERS,
    files: ENTRY_FILES,
    why: 'domain code holds business rules only: no HTTP, CLI, jobs, configuration or composition root (style.md)',
  },
  shared: {
    packages: [...HTTP_PACKAGES, ...EDGE_PACKAGES],
    folders: ['domains', 'db', ...EDGE_FOLDERS],
    files: ENTRY_FILES,
    why: 'shared/ holds domain-free basics that everyone may use, so it depends on nothing of ours (style.md)',
  },
  db: {
    packages: [...HTTP_PACKAGES, ...EDGE_PACKAGES],
    folders: ['domains', ...EDGE_FOLDERS],
    files: ['app', 'main'],
    why: 'db/ is the bottom layer: domains use it, never the other way round (style.md)',
  },
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const up = (levels) => (levels === 0 ? '\\./' : `(?:\\.\\./){${levels}}`);

/** The full no-restricted-imports options for a file `depth` folders below src/ in `layer`. */
function restrictedImports(layer, depth) {
  const toSrc = up(depth);
  const patterns = [];
  const paths = [
    { name: 'node:process', importNames: ['env'], message: 'Only src/config.ts reads the environment; take what you need from Config.' },
    { name: 'process', importNames: ['env'], message: 'Only src/config.ts reads the environment; take what you need from Config.' },
  ];

  if (layer !== 'db') {
    patterns.push({ group: DRIVER_PACKAGES, message: 'Concrete database drivers belong to src/db/connect.ts (the only dialect switch); use Kysely through Db/Tx.' });
  }
  if (layer === 'domains' && depth >= 2) {
    // src/domains/<own>/.../file: `depth - 1` levels up is src/domains/.
    patterns.push({
      regex: `^${up(depth - 1)}[^./][^/]*/(?!index\\.js$)`,
      message: 'A domain imports another domain only through its index.js (e.g. ../catalog/index.js).',
    });
  }
  patterns.push({
    regex: `^${toSrc}domains/[^/]+/(?!index\\.js$)`,
    message: 'Import a domain only through its index.js (e.g. domains/catalog/index.js).',
  });

  const rules = LAYERS[layer];
  if (rules) {
    patterns.push({ group: rules.packages, message: `Not allowed in src/${layer}/: ${rules.why}.` });
    patterns.push({
      regex: `^${toSrc}(?:${rules.folders.map(escape).join('|')})(?:/|\\.js$|$)`,
      message: `Not allowed in src/${layer}/: ${rules.why}.`,
    });
    patterns.push({
      regex: `^${toSrc}(?:${rules.files.map(escape).join('|')})(?:\\.js)?$`,
      message: `Not allowed in src/${layer}/: ${rules.why}.`,
    });
  }
  return ['error', { paths, patterns }];
}

/** One block per layer and folder depth, so relative import paths can be matched exactly. */
function layerBlocks() {
  const blocks = [{ files: [`src/*.${SOURCE}`], rules: { 'no-restricted-imports': restrictedImports(undefined, 0) } }];
  for (let depth = 1; depth <= MAX_DEPTH; depth++) {
    const below = '*/'.repeat(depth - 1);
    blocks.push({ files: [`src/*/${below}*.${SOURCE}`], rules: { 'no-restricted-imports': restrictedImports(undefined, depth) } });
    for (const layer of Object.keys(LAYERS)) {
      blocks.push({ files: [`src/${layer}/${below}*.${SOURCE}`], rules: { 'no-restricted-imports': restrictedImports(layer, depth) } });
    }
  }
  return blocks;
}

const NO_CLOCK_READS = [
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Domain code takes time from the injected Clock (clock.now()), never Date.now().' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Domain code takes time from the injected Clock (clock.now()), never an argument-less new Date().' },
  { selector: "CallExpression[callee.name='Date']", message: 'Domain code takes time from the injected Clock (clock.now()), never Date().' },
  { selector: "MemberExpression[object.name='Temporal'][property.name='Now']", message: 'Domain code takes time from the injected Clock (clock.now()), never Temporal.Now.' },
  { selector: "MemberExpression[object.name='performance'][property.name='now']", message: 'Domain code takes time from the injected Clock (clock.now()).' },
  { selector: 'ImportExpression', message: 'Domain code imports statically, so the dependency rules can check it.' },
];

const ENV_MESSAGE = 'Only src/config.ts reads process.env (src/cli/main.ts hands it to loadConfig); take what you need from Config.';

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: [`**/*.${SOURCE}`],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', URLSearchParams: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
        setImmediate: 'readonly', clearImmediate: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly',
        AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly',
        fetch: 'readonly', performance: 'readonly', globalThis: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Migrations are written against Kysely<any> on purpose: they must not depend on today's schema types.
    files: [`src/db/migrations/**/*.${SOURCE}`],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...layerBlocks(),
  {
    files: [`src/**/*.${SOURCE}`, `bin/**/*.${SOURCE}`],
    ignores: ['src/config.ts', 'src/cli/main.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: ENV_MESSAGE }],
      'no-restricted-syntax': ['error', { selector: "MemberExpression[property.name='env'][object.property.name='process']", message: ENV_MESSAGE }],
    },
  },
  {
    files: [`src/domains/**/*.${SOURCE}`],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='env'][object.property.name='process']", message: ENV_MESSAGE },
        ...NO_CLOCK_READS,
      ],
    },
  },
);
