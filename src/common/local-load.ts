// The parts of a load both local engines share: the table name check, the incoming stream counted for progress
// and stopped by a cancel, its failures told apart from bad data, and the Arrow stream's end marker (without it,
// the transfer was cut short).
import { EnclaveError } from './errors.ts';
import { LocalTableNameSchema } from './local-engine.ts';
import { loadCancelled } from './local-sql.ts';

/** The table name, or a clear refusal before anything is read. */
export function checkedTableName(table: string): string {
  const name = LocalTableNameSchema.safeParse(table);
  if (!name.success)
    throw new EnclaveError('invalid_input', `The table name ${table} ${name.error.issues[0]?.message ?? 'is not allowed'}.`);
  return name.data;
}

export function tableExistsError(table: string): EnclaveError {
  return new EnclaveError('invalid_input', `A local table named ${table} already exists. Choose to replace it, or keep it.`);
}

export const NOT_ARROW = (): EnclaveError => new EnclaveError('invalid_input', 'The data is not an Arrow IPC stream. Nothing was changed.');
export const CUT_SHORT = (): EnclaveError =>
  new EnclaveError('invalid_input', 'The Arrow stream ended before its end marker: the transfer was cut short. Nothing was changed.');

/** The stream's source failed (the transfer broke), as opposed to data that could not be read. */
export class SourceFailure extends Error {
  readonly original: unknown;
  constructor(original: unknown) {
    super('The stream’s source failed.');
    this.original = original;
  }
  /** The source's own EnclaveError (say, the transport's) as it is; anything else without its text. */
  toEnclaveError(): EnclaveError {
    if (this.original instanceof EnclaveError) return this.original;
    return new EnclaveError('unavailable', 'The data stopped arriving before it was complete. Nothing was changed.');
  }
}

/** The end-of-stream marker of the Arrow IPC stream format. */
const ARROW_EOS = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];

/** Passes the chunks on, counting bytes for progress, stopping at a cancel, and keeping the stream's last bytes. */
export class LoadStream implements AsyncIterable<Uint8Array> {
  bytes = 0;
  private tail: number[] = [];
  private readonly chunks: AsyncIterable<Uint8Array>;
  private readonly signal: AbortSignal | undefined;
  private readonly onBytes: (bytes: number) => void;

  constructor(options: { chunks: AsyncIterable<Uint8Array>; signal?: AbortSignal; onBytes?: (bytes: number) => void }) {
    this.chunks = options.chunks;
    this.signal = options.signal;
    this.onBytes = options.onBytes ?? (() => undefined);
  }

  /** Whether the stream so far ends with Arrow's end-of-stream marker. */
  get endsWithEos(): boolean {
    return this.tail.length === ARROW_EOS.length && this.tail.every((byte, i) => byte === ARROW_EOS[i]);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const iterator = this.chunks[Symbol.asyncIterator]();
    for (;;) {
      if (this.signal?.aborted) throw loadCancelled();
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw new SourceFailure(err);
      }
      if (next.done) return;
      const chunk = next.value;
      this.bytes += chunk.byteLength;
      this.tail = [...this.tail, ...chunk.subarray(Math.max(0, chunk.byteLength - ARROW_EOS.length))].slice(-ARROW_EOS.length);
      this.onBytes(this.bytes);
      yield chunk;
    }
  }
}
