/** Our version (kept equal to package.json's by a test). */
export const VERSION = '0.1.0';

/** ldirectord's own version string, which some log lines and tools expect. */
export const LDIRECTORD_VERSION_STR = 'Linux Director v1.186-ha';
