import type { RealServer, Virtual } from '../config/model.js';

/**
 * ldirectord's real id string (`get_real_id_str`), which monitorfile lines print with `:` runs
 * squeezed to one space: `<check>:<protocol>:<rip>:<rport>:<virtualhost>:<checkport>:<weight>:<forward>:<request>:<receive>`.
 * `<check>` is `negotiate:<service>` / `combined:<service>`, `external:<command>`, or the checktype.
 */
export function monitorRealId(v: Virtual, r: RealServer): string {
  const kind = v.checktype.kind;
  const check = kind === 'negotiate' || kind === 'combined' ? `${kind}:${v.service}`
    : kind === 'external' || kind === 'external-perl' ? `${kind}:${v.checkcommand}`
    : kind;
  return [
    check, v.protocol, r.address, r.port, v.virtualhost ?? '', v.checkport ?? '', r.weight, r.forward,
    r.request ?? v.request, r.receive ?? v.receive,
  ].join(':');
}
