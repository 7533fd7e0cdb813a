import { runCli } from './cli/main.js';

// Process entry of `npm start` and `node dist/main.js <command>`: the CLI decides what runs.
process.exitCode = await runCli(process.argv.slice(2));
