// Writes a directory tree as a gzip'ed "newc" cpio archive, the format the kernel unpacks as an
// initramfs. Done in-process so the build needs neither `cpio` nor a shell pipeline, and so the
// archive can carry device nodes (/dev/console) that an unprivileged build could not mknod.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

/**
 * @typedef {object} CpioNode A device node to add that does not exist in the staged tree.
 * @property {string} path Path inside the archive, without a leading slash (e.g. `dev/console`).
 * @property {number} major
 * @property {number} minor
 * @property {number} [mode] Permission bits (default 0o600).
 */

/**
 * Packs `rootDir` (files, directories, symlinks; owner forced to root, mtime to 0 so equal input
 * gives equal bytes) plus the given character-device nodes into a gzip'ed newc archive.
 * @param {string} rootDir staged initramfs tree
 * @param {CpioNode[]} [nodes] extra character devices
 * @returns {Buffer} the `.cpio.gz` bytes
 */
export function writeCpio(rootDir, nodes = []) {
  /** @type {Buffer[]} */
  const parts = [];
  let ino = 1;
  let offset = 0;
  const push = (/** @type {Buffer} */ b) => {
    parts.push(b);
    offset += b.length;
  };
  const pad = () => {
    const n = (4 - (offset % 4)) % 4;
    if (n > 0) push(Buffer.alloc(n));
  };
  const entry = (
    /** @type {string} */ name,
    /** @type {number} */ mode,
    /** @type {Buffer} */ data,
    /** @type {number} */ rdevMajor = 0,
    /** @type {number} */ rdevMinor = 0,
  ) => {
    const nameBuf = Buffer.from(`${name}\0`);
    const fields = [ino++, mode, 0, 0, mode & S_IFDIR ? 2 : 1, 0, data.length, 0, 0, rdevMajor, rdevMinor, nameBuf.length, 0];
    push(Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`, 'ascii'));
    push(nameBuf);
    pad();
    if (data.length > 0) {
      push(data);
      pad();
    }
  };

  const walk = (/** @type {string} */ rel) => {
    const abs = rel === '' ? rootDir : join(rootDir, rel);
    const names = readdirSync(abs).sort();
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const childAbs = join(abs, name);
      const st = lstatSync(childAbs);
      const perm = st.mode & 0o7777;
      if (st.isDirectory()) {
        entry(childRel, S_IFDIR | perm, Buffer.alloc(0));
        walk(childRel);
      } else if (st.isSymbolicLink()) {
        entry(childRel, S_IFLNK | 0o777, Buffer.from(readlinkSync(childAbs)));
      } else if (st.isFile()) {
        entry(childRel, S_IFREG | perm, readFileSync(childAbs));
      } else {
        throw new Error(`writeCpio: unsupported file type at ${childAbs}`);
      }
    }
  };

  entry('.', S_IFDIR | 0o755, Buffer.alloc(0));
  walk('');
  for (const n of nodes) entry(n.path, S_IFCHR | (n.mode ?? 0o600), Buffer.alloc(0), n.major, n.minor);
  entry('TRAILER!!!', 0, Buffer.alloc(0));
  return gzipSync(Buffer.concat(parts), { level: 6 });
}
