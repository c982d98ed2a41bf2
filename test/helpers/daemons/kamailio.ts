/**
 * A private Kamailio SIP server on 127.0.0.1 and ::1, UDP and TCP, whose routing script answers
 * by the user part of the request URI:
 *   `down` → 404 Not Found; `busy` → 100 Trying, then 503 Service Unavailable;
 *   `alive` → 200 Alive (a 200 with another reason phrase); anyone else → OPTIONS 200 OK.
 * Every request is logged with its transport and Via, which `seen()` returns.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort, privateDir, startPrivateDaemon, tcpAnswers, type PrivateDaemon } from './private-daemon.js';

export interface Kamailio {
  readonly port: number;
  /** `<method> <uri> proto=<udp|tcp> via=<Via header>` for each request received so far. */
  seen(): string[];
  /** The first seen line that starts with `prefix`, waiting up to `ms` for kamailio's log to arrive. */
  seenLine(prefix: string, ms?: number): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** Debian puts the modules under the multiarch dir, `/usr/lib/<triplet>/kamailio/modules`. */
function modulesDir(): string {
  const dir = readdirSync('/usr/lib').map((d) => `/usr/lib/${d}/kamailio/modules`).find((d) => existsSync(`${d}/sl.so`));
  if (dir === undefined) throw new Error('kamailio modules not found under /usr/lib/*/kamailio/modules');
  return dir;
}

/** Starts kamailio in the foreground on a free port; `stop()` ends it and its children. */
export async function startKamailio(): Promise<Kamailio> {
  const port = await freeLoopbackPort();
  const dir = privateDir('kamailio');
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, script(port));
  const daemon: PrivateDaemon = await startPrivateDaemon({
    name: 'kamailio',
    command: '/usr/sbin/kamailio',
    args: ['-f', cfg, '-DD', '-E', '-P', join(dir, 'kamailio.pid'), '-Y', dir, '-w', dir],
    dir,
    ready: async () => (await tcpAnswers('127.0.0.1', port)) && (await tcpAnswers('::1', port)),
  });
  const seen = (): string[] => [...daemon.output().matchAll(/SEEN (.*)$/gm)].map((m) => m[1] ?? '');
  const seenLine = async (prefix: string, ms = 2000): Promise<string | undefined> => {
    const until = Date.now() + ms;
    for (;;) {
      const line = seen().find((l) => l.startsWith(prefix));
      if (line !== undefined || Date.now() > until) return line;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { port, seen, seenLine, stop: () => daemon.stop() };
}

function script(port: number): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
listen=udp:[::1]:${port}
listen=tcp:[::1]:${port}
mpath="${modulesDir()}"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "textops.so"
request_route {
  xlog("L_INFO", "SEEN $rm $ru proto=$proto via=$hdr(Via)\\n");
  if ($rU == "down") {
    sl_send_reply("404", "Not Found");
    exit;
  }
  if ($rU == "busy") {
    sl_send_reply("100", "Trying");
    sl_send_reply("503", "Service Unavailable");
    exit;
  }
  if ($rU == "alive") {
    sl_send_reply("200", "Alive");
    exit;
  }
  if (is_method("OPTIONS")) {
    sl_send_reply("200", "OK");
    exit;
  }
  sl_send_reply("405", "Method Not Allowed");
}
`;
}
