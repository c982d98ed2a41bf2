#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's ESM loader, so a checkout works with
// `npm ci` alone and no build step can go stale.
import { register } from 'tsx/esm/api';

register();
// tsx turns on source-mapped stack traces. Node's streams read the stack of every error a socket
// is destroyed with, and undici ends each check's connection that way: at thousands of checks a
// second, mapping those stacks was a tenth of the daemon's CPU. Our log lines carry messages,
// not stacks.
process.setSourceMapsEnabled(false);
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
