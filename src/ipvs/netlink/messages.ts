/**
 * IPVS requests and replies at the message level: which command and top-level attributes each op
 * becomes, and how reply payloads (after the genl header) turn back into typed values.
 */
import { AttrStream, getU32 } from 'netlink';
import type { Family } from '../../util/ip.js';
import type { IpvsOp, IpvsService, ServiceId } from '../types.js';
import { IpvsError } from '../ipvs-error.js';
import type { IpvsCmdName } from './attrs.js';
import { CmdAttr, InfoAttr, IpvsCmd, IPVS_GENL_VERSION } from './attrs.js';
import type { DecodedDest } from './codec.js';
import { attrsByType, decodeDest, decodeService, putDestFull, putDestIdentity, putServiceFull, putServiceIdentity } from './codec.js';
import type { GenlRequest } from './genl-socket.js';

/** One IPVS request before it is addressed to a family id. */
export interface IpvsRequest {
  readonly cmd: IpvsCmdName;
  /** Sent with NLM_F_DUMP (GET_SERVICE dump, GET_DEST). */
  readonly dump: boolean;
  /** Top-level attributes, already encoded. */
  readonly attrs: readonly Uint8Array[];
}

/** The command an op is sent as. */
export function opCommand(op: IpvsOp): IpvsCmdName {
  switch (op.op) {
    case 'add-service': return 'NEW_SERVICE';
    case 'edit-service': return 'SET_SERVICE';
    case 'del-service': return 'DEL_SERVICE';
    case 'add-dest': return 'NEW_DEST';
    case 'edit-dest': return 'SET_DEST';
    case 'del-dest': return 'DEL_DEST';
    default: return unreachable(op);
  }
}

/**
 * Encodes one op. Dest ops carry only the service identity; NEW/SET_SERVICE carry the full
 * service, as the kernel requires. Throws TypeError on a value that cannot go on the wire.
 */
export function opRequest(op: IpvsOp): IpvsRequest {
  const out = new AttrStream();
  switch (op.op) {
    case 'add-service':
    case 'edit-service':
      out.push(CmdAttr.SERVICE, (s) => putServiceFull(s, op.service));
      break;
    case 'del-service':
      out.push(CmdAttr.SERVICE, (s) => putServiceIdentity(s, op.id));
      break;
    case 'add-dest':
    case 'edit-dest':
      out.push(CmdAttr.SERVICE, (s) => putServiceIdentity(s, op.id));
      out.push(CmdAttr.DEST, (s) => putDestFull(s, op.dest));
      break;
    case 'del-dest':
      out.push(CmdAttr.SERVICE, (s) => putServiceIdentity(s, op.id));
      out.push(CmdAttr.DEST, (s) => putDestIdentity(s, op.dest));
      break;
    default:
      return unreachable(op);
  }
  return { cmd: opCommand(op), dump: false, attrs: out.bufs };
}

/** GET_SERVICE as a dump of every service (no attributes needed). */
export function dumpServicesRequest(): IpvsRequest {
  return { cmd: 'GET_SERVICE', dump: true, attrs: [] };
}

/** GET_SERVICE for one service (doit); a missing service answers ESRCH. */
export function getServiceRequest(id: ServiceId): IpvsRequest {
  const out = new AttrStream();
  out.push(CmdAttr.SERVICE, (s) => putServiceIdentity(s, id));
  return { cmd: 'GET_SERVICE', dump: false, attrs: out.bufs };
}

/** GET_DEST (dump only) of one service's dests; a missing service gives an empty dump. */
export function dumpDestsRequest(id: ServiceId): IpvsRequest {
  const out = new AttrStream();
  out.push(CmdAttr.SERVICE, (s) => putServiceIdentity(s, id));
  return { cmd: 'GET_DEST', dump: true, attrs: out.bufs };
}

/** GET_INFO: the IPVS version and the connection table size. */
export function getInfoRequest(): IpvsRequest {
  return { cmd: 'GET_INFO', dump: false, attrs: [] };
}

/** Addresses a request to the IPVS family id the kernel gave out. */
export function toGenlRequest(req: IpvsRequest, familyId: number): GenlRequest {
  return { family: familyId, cmd: IpvsCmd[req.cmd], version: IPVS_GENL_VERSION, attrs: req.attrs, dump: req.dump };
}

/** Decodes one GET_SERVICE reply (or services-dump message) payload. */
export function decodeServiceReply(payload: Buffer): IpvsService {
  return decodeService(nested(payload, CmdAttr.SERVICE, 'SERVICE'));
}

/** Decodes one dests-dump message payload; `serviceFamily` is the AF of the dumped service. */
export function decodeDestReply(payload: Buffer, serviceFamily: Family): DecodedDest {
  return decodeDest(nested(payload, CmdAttr.DEST, 'DEST'), serviceFamily);
}

/** What GET_INFO reports. */
export interface IpvsInfo {
  /** Dotted version, e.g. `1.2.1` (the kernel's `IP_VS_VERSION_CODE` 0x010201). */
  readonly version: string;
  /** Size of the connection hash table (entries). */
  readonly connTableSize: number;
}

/** Decodes the GET_INFO reply payload (cmd SET_INFO, attributes at top level). */
export function decodeInfoReply(payload: Buffer): IpvsInfo {
  const a = attrsByType(payload);
  const code = a.get(InfoAttr.VERSION);
  if (code === undefined || code.length !== 4) throw new IpvsError(undefined, 0, '', 'IPVS reply malformed: GET_INFO without VERSION');
  const v = getU32(code);
  const size = a.get(InfoAttr.CONN_TAB_SIZE);
  return {
    version: `${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`,
    connTableSize: size !== undefined && size.length === 4 ? getU32(size) : 0,
  };
}

function nested(payload: Buffer, type: number, name: string): Buffer {
  const inner = attrsByType(payload).get(type);
  if (inner === undefined) throw new IpvsError(undefined, 0, '', `IPVS reply malformed: no ${name} attribute`);
  return inner;
}

function unreachable(x: never): never {
  throw new Error(`unhandled IPVS op ${JSON.stringify(x)}`);
}
