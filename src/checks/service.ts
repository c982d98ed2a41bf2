/**
 * The negotiate checks of the other services (reference §2.3): one checker per protocol, chosen
 * by `spec.service`. Services that share a protocol share a checker (smtp and submission, pop and
 * pops, imap and imaps, ldap and ldaps), which reads the service name for its TLS and its words.
 */
import { dnsCheck } from './services/dns.js';
import { ftpCheck } from './services/ftp.js';
import { imapCheck } from './services/imap.js';
import { ldapCheck } from './services/ldap.js';
import { nntpCheck } from './services/nntp.js';
import { popCheck } from './services/pop.js';
import { radiusCheck } from './services/radius.js';
import { sipCheck } from './services/sip.js';
import { smtpCheck } from './services/smtp.js';
import { mysqlCheck, oracleCheck, pgsqlCheck } from './services/sql.js';
import type { CheckSpecOf, Checker } from './types.js';

/** Runs the negotiate check of `spec.service`. */
export const serviceCheck: Checker<CheckSpecOf<'service'>> = (spec, signal) => checkerFor(spec.service)(spec, signal);

function checkerFor(service: CheckSpecOf<'service'>['service']): Checker<CheckSpecOf<'service'>> {
  switch (service) {
    case 'smtp':
    case 'submission':
      return smtpCheck;
    case 'pop':
    case 'pops':
      return popCheck;
    case 'imap':
    case 'imaps':
      return imapCheck;
    case 'nntp':
      return nntpCheck;
    case 'ftp':
      return ftpCheck;
    case 'ldap':
    case 'ldaps':
      return ldapCheck;
    case 'dns':
      return dnsCheck;
    case 'radius':
      return radiusCheck;
    case 'mysql':
      return mysqlCheck;
    case 'pgsql':
      return pgsqlCheck;
    case 'oracle':
      return oracleCheck;
    case 'sip':
      return sipCheck;
    default:
      return unknownService(service);
  }
}

function unknownService(service: never): never {
  throw new Error(`no negotiate check for service ${JSON.stringify(service)}`);
}
