// The analyst's settings of the native local engine, read once at start from the environment:
//   ENCLAVE_LOCAL_MEMORY_LIMIT  how much memory a project's DuckDB may use before it spills to the workspace's tmp/:
//                               a size ("8GiB", "512MiB", "6GB") or a share of this computer's memory ("40%").
//                               Default: half (defaultMemoryLimitBytes).
import os from 'node:os';
import { EnclaveError } from '../../common/errors.ts';

type Env = Record<string, string | undefined>;

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Below this DuckDB cannot do useful work; a limit under it is a typo, not a choice. */
export const MIN_MEMORY_LIMIT_BYTES = 256 * 2 ** 20;

/** The memory limit the environment asks for, in bytes, or undefined for the default. Throws a clear error when it is bad. */
export function localMemoryLimit(env: Env, totalBytes: number = os.totalmem()): number | undefined {
  const text = env.ENCLAVE_LOCAL_MEMORY_LIMIT?.trim();
  if (!text) return undefined;
  const bad = (why: string): EnclaveError =>
    new EnclaveError(
      'invalid_input',
      `ENCLAVE_LOCAL_MEMORY_LIMIT is "${text}": ${why} Use a size such as 8GiB or 512MiB, or a share such as 40%.`,
    );
  const share = /^(\d+(?:\.\d+)?)\s*%$/u.exec(text);
  let bytes: number;
  if (share) {
    const percent = Number(share[1]);
    if (percent <= 0 || percent > 90) throw bad('a share must be more than 0% and at most 90%, leaving the rest to the computer.');
    bytes = Math.floor((totalBytes * percent) / 100);
  } else {
    const size = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/iu.exec(text);
    const unit = size?.[2].toLowerCase() || 'b';
    if (!size || !(unit in UNITS)) throw bad('that is not a size.');
    bytes = Math.floor(Number(size[1]) * UNITS[unit]);
    if (bytes > totalBytes) throw bad(`that is more than this computer's memory (${Math.floor(totalBytes / 2 ** 30)} GiB).`);
  }
  if (bytes < MIN_MEMORY_LIMIT_BYTES) throw bad('that is less than 256 MiB, too little for DuckDB to work in.');
  return bytes;
}
