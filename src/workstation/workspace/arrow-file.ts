// A drive's Arrow file as the Arrow IPC stream the local engines load (issue 17). An `.arrow` file is usually Arrow's
// file format (a stream framed by "ARROW1" and a footer), which has no end-of-stream marker where a load looks for
// one: it is read whole by apache-arrow's reader and written again as a stream. A stream passes through untouched.
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { EnclaveError } from '../../common/errors.ts';

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

function startsWithMagic(bytes: Uint8Array): boolean {
  return FILE_MAGIC.every((byte, i) => bytes[i] === byte);
}

/** Joins chunks into one buffer. */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>, limit = Number.MAX_SAFE_INTEGER): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > limit) throw new EnclaveError('invalid_input', `The file is larger than ${limit} bytes. Nothing was changed.`);
    parts.push(chunk);
  }
  const joined = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.byteLength;
  }
  return joined;
}

/** Arrow's file format rewritten as its stream format (whole, in memory); anything else as it is. */
export function arrowFileAsStream(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < FILE_MAGIC.length || !startsWithMagic(bytes)) return bytes;
  try {
    return tableToIPC(tableFromIPC(bytes), 'stream');
  } catch {
    throw new EnclaveError('invalid_input', 'The file is not a complete Arrow file (it may have been cut short). Nothing was changed.');
  }
}

/** The chunks of an Arrow file or stream, as a stream: a file is gathered and rewritten, a stream passed on as it comes. */
export async function* arrowChunksAsStream(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  // Enough of the start to tell the formats apart.
  while (headBytes < FILE_MAGIC.length) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headBytes += next.value.byteLength;
  }
  const start = await collectBytes(
    (async function* () {
      yield* head;
    })(),
  );
  const rest = {
    [Symbol.asyncIterator]: () => iterator,
  };
  if (start.byteLength >= FILE_MAGIC.length && startsWithMagic(start)) {
    const whole = await collectBytes(
      (async function* () {
        yield start;
        yield* rest;
      })(),
    );
    yield arrowFileAsStream(whole);
    return;
  }
  if (start.byteLength > 0) yield start;
  yield* rest;
}
