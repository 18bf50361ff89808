// A drive remote whose download bodies come in pieces of at most `chunkBytes` (issue 17's sync tests): the scenarios
// stop a download after its first piece, as they do on the in-memory drive, whatever size the HTTP stack reads in.
import type { DriveRemote, RemoteContent } from '../../../../src/workstation/drives/remote.ts';

export function inPieces(inner: DriveRemote, chunkBytes: number): DriveRemote {
  async function* pieces(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of body) {
      for (let at = 0; at < chunk.byteLength; at += chunkBytes) yield chunk.subarray(at, Math.min(at + chunkBytes, chunk.byteLength));
    }
  }
  return {
    ...inner,
    download: async (request): Promise<RemoteContent> => {
      const content = await inner.download(request);
      return { ...content, body: pieces(content.body) };
    },
  };
}
