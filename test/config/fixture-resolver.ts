/**
 * The resolver every config test uses: no DNS and no /etc/services, so results are the same on
 * every machine. Hosts: localhost only (as /etc/hosts has it here). Services: the entries of
 * Debian's netbase 6.4 that the fixtures use, with its protocols (http is tcp only).
 */
import { fixedResolver } from '../../src/config/resolver.js';

export const SERVICES_TEXT = `
ftp		21/tcp
smtp		25/tcp		mail
domain		53/tcp
domain		53/udp
http		80/tcp		www
pop3		110/tcp		pop-3
imap2		143/tcp		imap
ldap		389/tcp
ldap		389/udp
https		443/tcp
https		443/udp
submission	587/tcp
mysql		3306/tcp
sip		5060/tcp
sip		5060/udp
http-alt	8080/tcp	webcache
`;

export const fixtureResolver = fixedResolver({ 'localhost/4': '127.0.0.1' }, SERVICES_TEXT);

/** The hostname the ftp/sip login defaults use in tests. */
export const FIXTURE_HOSTNAME = 'director.example';
