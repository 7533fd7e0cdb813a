import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderErrorTable } from '../http/error-table.js';

// `npm run docs`: regenerates the docs that come from the code (run from dist/tools/ after a build).
const target = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));
fs.writeFileSync(target, renderErrorTable());
process.stderr.write(`wrote ${target}\n`);
