/**
 * `npm run demo [-- --for SECONDS]`: the whole daemon on `etc/demo.cf`, with no root and no
 * kernel IPVS. It starts three HTTP real servers on 127.0.0.2-4:18080, runs the daemon with the
 * in-memory IPVS backend, and prints ldirectord's log lines and an `ipvsadm -Ln`-style table
 * whenever the table changes. A script breaks the servers on a 30 s cycle:
 *
 *   t+5 s   127.0.0.3 answers 503            → soft failure, then quiesced (weight 0)
 *   t+12 s  127.0.0.3 healthy again          → restored
 *   t+18 s  every real refuses connections   → all quiesced, the fallback joins at weight 1
 *   t+24 s  every real back                  → restored, the fallback leaves
 *
 * Ctrl-C (or the end of --for) stops the daemon, which purges the virtual (cleanstop=yes).
 */
import http from 'node:http';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCheck } from '../src/checks/registry.js';
import { formatWarning } from '../src/config/format.js';
import { loadConfig } from '../src/config/load.js';
import { Daemon } from '../src/daemon/daemon.js';
import { shellRunner } from '../src/daemon/shell.js';
import { MemoryIpvsBackend } from '../src/ipvs/memory-backend.js';
import { createLogger } from '../src/observe/logger.js';
import { systemClock } from '../src/util/clock.js';

type Mode = 'ok' | 'error' | 'refuse';

const REALS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const PORT = 18080;
const CYCLE_MS = 30_000;
const SCRIPT: readonly { at: number; modes: Partial<Record<string, Mode>>; say: string }[] = [
  { at: 5_000, modes: { '127.0.0.3': 'error' }, say: '127.0.0.3:18080 now answers 503 Service Unavailable' },
  { at: 12_000, modes: { '127.0.0.3': 'ok' }, say: '127.0.0.3:18080 is healthy again' },
  { at: 18_000, modes: { '127.0.0.2': 'refuse', '127.0.0.3': 'refuse', '127.0.0.4': 'refuse' }, say: 'every real server stops listening' },
  { at: 24_000, modes: { '127.0.0.2': 'ok', '127.0.0.3': 'ok', '127.0.0.4': 'ok' }, say: 'every real server is back' },
];

/** One demo real: an HTTP server whose behaviour the script switches. */
class DemoReal {
  mode: Mode = 'ok';
  #server: http.Server | undefined;

  constructor(readonly address: string) {}

  async set(mode: Mode): Promise<void> {
    this.mode = mode;
    if (mode === 'refuse') await this.#close();
    else await this.#listen();
  }

  async #listen(): Promise<void> {
    if (this.#server) return;
    const server = http.createServer((req, res) => {
      if (this.mode === 'error') {
        res.writeHead(503).end('maintenance\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(req.url === '/health' ? 'OK\n' : `hello from ${this.address}\n`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(PORT, this.address, () => resolve());
    });
    this.#server = server;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { for: { type: 'string' } } });
  const forMs = values.for === undefined ? undefined : Number(values.for) * 1000;
  if (forMs !== undefined && !(forMs > 0)) {
    process.stderr.write('--for takes a number of seconds\n');
    return 255;
  }
  const cfPath = fileURLToPath(new URL('../etc/demo.cf', import.meta.url));
  const loaded = await loadConfig(cfPath);
  if (!loaded.ok) {
    process.stderr.write(`${cfPath} is not valid:\n${loaded.problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n')}\n`);
    return 2;
  }
  const config = loaded.config;
  const log = createLogger({ logfile: '/dev/null', configName: 'demo.cf', pid: process.pid, supervised: true, debug: false });
  for (const w of config.warnings) log.warning(formatWarning(w, cfPath));

  const reals = REALS.map((a) => new DemoReal(a));
  try {
    await Promise.all(reals.map((r) => r.set('ok')));
  } catch (e) {
    process.stderr.write(`demo: cannot listen on 127.0.0.x:${PORT}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }

  const backend = new MemoryIpvsBackend();
  const daemon = new Daemon(config, {
    backend, clock: systemClock, log, runCheck, shell: shellRunner(), hostname: hostname(), pid: process.pid,
  });
  const say = (text: string): void => { process.stdout.write(`\n>>> demo: ${text}\n`); };
  say(`3 real servers on ${REALS.join(', ')} port ${PORT}; daemon on etc/demo.cf with the memory IPVS backend. Ctrl-C stops.`);
  await daemon.start();

  let lastTable = '';
  const showTable = (): void => {
    const table = backend.formatTable();
    if (table === lastTable) return;
    lastTable = table;
    process.stdout.write(`\n${table}\n`);
  };
  const tablePoll = setInterval(showTable, 200);

  const t0 = Date.now();
  const timers = SCRIPT.map((step) => {
    const fire = (): void => {
      say(step.say);
      for (const r of reals) {
        const mode = step.modes[r.address];
        if (mode) void r.set(mode);
      }
    };
    const first = setTimeout(() => { fire(); timers.push(setInterval(fire, CYCLE_MS)); }, step.at);
    return first;
  });

  const stopSignal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('INT'));
    process.once('SIGTERM', () => resolve('TERM'));
    if (forMs !== undefined) setTimeout(() => resolve(`--for ${values.for}`), forMs);
  });
  for (const t of timers) clearTimeout(t);
  say(`stopping (${stopSignal}) after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await daemon.stop();
  clearInterval(tablePoll);
  showTable();
  await Promise.all(reals.map((r) => r.set('refuse')));
  await log.close();
  return 0;
}

process.exitCode = await main();
