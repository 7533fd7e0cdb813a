#!/usr/bin/env node
// The published command runs the compiled CLI; `npm install` builds it (the `prepare` script).
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
