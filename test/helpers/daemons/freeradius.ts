/**
 * A private FreeRADIUS on 127.0.0.1 and ::1 with a configuration of its own (not a copy of the
 * system's): one client per loopback address with the given secret, the `files` module holding
 * the given users, PAP. Nothing else is loaded, so it starts in well under a second.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort, privateDir, startPrivateDaemon, type PrivateDaemon } from './private-daemon.js';

export interface FreeRadius {
  readonly port: number;
  readonly secret: string;
  stop(): Promise<void>;
}

export interface RadiusUser {
  readonly password: string;
  /** Sent back in the Access-Accept or Access-Reject. */
  readonly replyMessage?: string;
  /** Reject this user whatever the password. */
  readonly reject?: boolean;
}

/** Starts freeradius in the foreground on a free port; `stop()` ends it. */
export async function startFreeRadius(secret: string, users: Readonly<Record<string, RadiusUser>>): Promise<FreeRadius> {
  const port = await freeLoopbackPort();
  const dir = privateDir('freeradius');
  writeFileSync(join(dir, 'radiusd.conf'), radiusdConf(dir, port, secret));
  writeFileSync(join(dir, 'users'), Object.entries(users).map(([name, u]) => userEntry(name, u)).join(''));
  const daemon: PrivateDaemon = await startPrivateDaemon({
    name: 'freeradius',
    command: '/usr/sbin/freeradius',
    args: ['-f', '-l', 'stdout', '-d', dir, '-n', 'radiusd'],
    dir,
    ready: async (output) => output.includes('Ready to process requests'),
  });
  return { port, secret, stop: () => daemon.stop() };
}

function userEntry(name: string, user: RadiusUser): string {
  const check = [`Cleartext-Password := "${user.password}"`, ...(user.reject ? ['Auth-Type := Reject'] : [])].join(', ');
  const reply = user.replyMessage === undefined ? '' : `\n\tReply-Message = "${user.replyMessage}"`;
  return `${name} ${check}${reply}\n\n`;
}

function radiusdConf(dir: string, port: number, secret: string): string {
  return `
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
libdir = /usr/lib/freeradius
confdir = ${dir}
raddbdir = ${dir}
modconfdir = ${dir}
logdir = ${dir}
radacctdir = ${dir}
run_dir = ${dir}
db_dir = ${dir}
pidfile = ${dir}/radiusd.pid
name = radiusd
max_request_time = 5
cleanup_delay = 1
max_requests = 1024
hostname_lookups = no
log {
  destination = stdout
  auth = yes
}
security {
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = no
}
thread pool {
  start_servers = 1
  max_servers = 2
  min_spare_servers = 1
  max_spare_servers = 2
}
client loopback4 {
  ipaddr = 127.0.0.1
  secret = ${secret}
}
client loopback6 {
  ipv6addr = ::1
  secret = ${secret}
}
modules {
  pap {
  }
  files {
    filename = ${dir}/users
  }
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${port}
  }
  listen {
    type = auth
    ipv6addr = ::1
    port = ${port}
  }
  authorize {
    files
    pap
  }
  authenticate {
    pap
  }
}
`;
}
