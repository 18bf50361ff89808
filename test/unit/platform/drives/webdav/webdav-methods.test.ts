// The WebDAV methods over a drive, end to end through nephele and the adapter into the drive service: what each one
// reaches the drive as, and how each refusal is answered (RFC 4918 statuses, the reason in the body, nothing written).
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { principalOf } from './fake-drive-service.ts';
import { errorCode, errorMessage, startDavHarness, type DavHarness } from './dav-harness.ts';

let dav: DavHarness;

beforeEach(async () => {
  dav = await startDavHarness();
});

afterEach(async () => {
  await dav.close();
});

describe('reading', () => {
  it('answers GET with the content, its strong ETag and the platform\u2019s no-store and nosniff', async () => {
    const entry = await dav.drives.seed('alpha', 'report.csv', 'a,b\n1,2\n');
    const answer = await dav.request({ method: 'GET', path: '/dav/alpha/report.csv' });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('a,b\n1,2\n');
    expect(answer.headers.etag).toBe(entry.etag);
    expect(answer.headers['content-type']).toMatch(/^text\/csv\b/);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toContain('sandbox');
    expect(answer.headers.server).toBeUndefined();
    expect(answer.headers['x-powered-by']).toBeUndefined();
  });

  it('never serves a drive file as a page: HTML and SVG are plain bytes', async () => {
    await dav.drives.seed('alpha', 'page.html', '<script>alert(1)</script>');
    await dav.drives.seed('alpha', 'image.svg', '<svg onload="alert(1)"/>');
    for (const name of ['page.html', 'image.svg']) {
      const answer = await dav.request({ method: 'GET', path: `/dav/alpha/${name}` });
      expect(answer.headers['content-type']).toBe('application/octet-stream');
    }
  });

  it('answers a Range with 206 and only those bytes, read as a range from the drive', async () => {
    await dav.drives.seed('alpha', 'data.txt', '0123456789');
    const answer = await dav.request({ method: 'GET', path: '/dav/alpha/data.txt', headers: { range: 'bytes=3-5' } });
    expect(answer.status).toBe(206);
    expect(answer.text).toBe('345');
    expect(answer.headers['content-range']).toBe('bytes 3-5/10');
    expect(dav.drives.callsOf('read')).toEqual(['read alpha data.txt 3-5']);
  });

  it('resumes with If-Range only while the ETag still holds, else sends the whole new content', async () => {
    const first = await dav.drives.seed('alpha', 'data.txt', '0123456789');
    const same = await dav.request({
      method: 'GET',
      path: '/dav/alpha/data.txt',
      headers: { range: 'bytes=8-', 'if-range': first.etag ?? '' },
    });
    expect([same.status, same.text]).toEqual([206, '89']);
    const second = await dav.drives.seed('alpha', 'data.txt', 'abcdefghijklmnop');
    const changed = await dav.request({
      method: 'GET',
      path: '/dav/alpha/data.txt',
      headers: { range: 'bytes=8-', 'if-range': first.etag ?? '' },
    });
    expect([changed.status, changed.text, changed.headers.etag]).toEqual([200, 'abcdefghijklmnop', second.etag]);
  });

  it('lists a folder with PROPFIND Depth 1, with sizes, strong ETags and the drive\u2019s quota', async () => {
    await dav.drives.seed('alpha', 'results', null);
    const file = await dav.drives.seed('alpha', 'results/table.csv', 'x\n');
    const body =
      '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/><getcontentlength/><resourcetype/><quota-available-bytes/></prop></propfind>';
    const answer = await dav.request({
      method: 'PROPFIND',
      path: '/dav/alpha/results/',
      headers: { depth: '1', 'content-type': 'application/xml' },
      body,
    });
    expect(answer.status).toBe(207);
    expect(answer.text).toContain('/dav/alpha/results/table.csv');
    expect(answer.text).toContain(`<getetag>${file.etag ?? ''}</getetag>`);
    expect(answer.text).toContain('<getcontentlength>2</getcontentlength>');
    expect(answer.text).toMatch(/<quota-available-bytes>\d+<\/quota-available-bytes>/);
  });

  it('refuses a PROPFIND of a whole folder (Depth infinity, or no Depth) with 403 propfind-finite-depth, listing nothing', async () => {
    await dav.drives.seed('alpha', 'results', null);
    const file = await dav.drives.seed('alpha', 'results/table.csv', 'x\n');
    const body = '<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/></propfind>';
    for (const path of ['/dav/alpha/', '/dav/alpha/results/', '/dav/alpha/results']) {
      for (const headers of [{ depth: 'infinity' }, { depth: 'Infinity' }, {}] as Array<Record<string, string>>) {
        const answer = await dav.request({ method: 'PROPFIND', path, headers: { ...headers, 'content-type': 'application/xml' }, body });
        expect([path, headers, answer.status]).toEqual([path, headers, 403]);
        expect(answer.headers['content-type']).toMatch(/^application\/xml\b/);
        expect(answer.text).toMatch(/<D:error xmlns:D="DAV:"><D:propfind-finite-depth\/>/);
        expect(answer.text).toContain('Depth: 0 or Depth: 1');
        expect(answer.text).not.toContain('table.csv');
      }
    }
    expect(dav.drives.callsOf('folder')).toEqual([]);
    // Depth 0 and 1 are still answered; on a file, infinity is Depth 0 (nothing below it to walk).
    for (const depth of ['0', '1']) {
      expect((await dav.request({ method: 'PROPFIND', path: '/dav/alpha/results/', headers: { depth } })).status).toBe(207);
    }
    const onFile = await dav.request({ method: 'PROPFIND', path: '/dav/alpha/results/table.csv', headers: { depth: 'infinity' } });
    expect(onFile.status).toBe(207);
    expect(onFile.text).toContain(`<getetag>${file.etag ?? ''}</getetag>`);
  });
});

describe('writing with PUT', () => {
  it('creates a file (201) and answers its new strong ETag', async () => {
    const answer = await dav.request({ method: 'PUT', path: '/dav/alpha/notes.txt', body: 'hello' });
    expect(answer.status).toBe(201);
    const stored = dav.drives.stored('alpha', 'notes.txt');
    expect(answer.headers.etag).toBe(stored?.etag);
    expect(stored?.modifiedBy).toEqual({ id: 'ada', name: 'Ada Lovelace' });
    expect(dav.drives.contentOf('alpha', 'notes.txt')).toBe('hello');
  });

  it('sends a plain PUT as an unconditional write, with its declared length', async () => {
    await dav.request({ method: 'PUT', path: '/dav/alpha/notes.txt', body: 'hello' });
    expect(dav.drives.callsOf('write')).toEqual(['write alpha notes.txt {"declaredLength":5,"condition":{"any":true}}']);
  });

  it('refuses a PUT whose If-Match is stale with 412, and writes nothing', async () => {
    const first = await dav.drives.seed('alpha', 'notes.txt', 'first');
    await dav.drives.seed('alpha', 'notes.txt', 'second');
    const answer = await dav.request({
      method: 'PUT',
      path: '/dav/alpha/notes.txt',
      headers: { 'if-match': first.etag ?? '' },
      body: 'mine',
    });
    expect(answer.status).toBe(412);
    expect(dav.drives.contentOf('alpha', 'notes.txt')).toBe('second');
    expect(dav.drives.callsOf('write')).toEqual([]);
  });

  it('hands If-Match to the drive as the write\u2019s condition, so a write that raced another is refused there (412)', async () => {
    const current = await dav.drives.seed('alpha', 'notes.txt', 'first');
    // Grace's save lands after nephele checked If-Match and before the drive moves the version pointer.
    dav.drives.beforeCommit = async () => {
      dav.drives.beforeCommit = null;
      await dav.drives.write(
        { principal: principalOf('grace', 'Grace Hopper'), via: 'api' },
        'alpha',
        'notes.txt',
        Readable.from(['grace']),
        5,
        {
          any: true,
        },
      );
    };
    const answer = await dav.request({
      method: 'PUT',
      path: '/dav/alpha/notes.txt',
      headers: { 'if-match': current.etag ?? '' },
      body: 'ada',
    });
    expect(answer.status).toBe(412);
    expect(errorCode(answer)).toBe('conflict');
    expect(errorMessage(answer)).toContain('nothing was written');
    expect(dav.drives.contentOf('alpha', 'notes.txt')).toBe('grace');
    expect(dav.drives.callsOf('write')[0]).toContain(`"condition":{"ifMatch":${JSON.stringify(current.etag)}}`);
  });

  it('refuses If-None-Match: * on an existing file with 412, and writes nothing', async () => {
    await dav.drives.seed('alpha', 'notes.txt', 'kept');
    const answer = await dav.request({ method: 'PUT', path: '/dav/alpha/notes.txt', headers: { 'if-none-match': '*' }, body: 'other' });
    expect(answer.status).toBe(412);
    expect(dav.drives.contentOf('alpha', 'notes.txt')).toBe('kept');
  });

  it('makes If-None-Match: * an ifAbsent condition in the drive', async () => {
    const answer = await dav.request({ method: 'PUT', path: '/dav/alpha/new.txt', headers: { 'if-none-match': '*' }, body: 'x' });
    expect(answer.status).toBe(201);
    expect(dav.drives.callsOf('write')[0]).toContain('"condition":{"ifAbsent":true}');
  });

  it('answers 507 from the declared length before reading a byte of the body, and keeps nothing', async () => {
    // A 5 MB upload announced, one byte sent: the answer must come without the rest.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const sent = http.request(
        {
          host: '127.0.0.1',
          port: dav.port,
          method: 'PUT',
          path: '/dav/alpha/huge.bin',
          headers: { authorization: 'Bearer token-ada', 'content-length': 5_000_000 },
          agent: false,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            sent.destroy();
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      sent.on('error', reject);
      sent.write('x');
    });
    expect(answer.status).toBe(507);
    expect((JSON.parse(answer.body) as { error: { message: string } }).error.message).toMatch(/^Not enough space in the drive: .*limit/);
    expect(dav.drives.bodyBytesRead).toBe(0);
    expect(dav.drives.stored('alpha', 'huge.bin')).toBeUndefined();
  });

  it('refuses a name that twins another in its folder (case or Unicode form), saying which', async () => {
    await dav.drives.seed('alpha', 'Report.csv', 'one');
    await dav.drives.seed('alpha', 'caf\u00e9.txt', 'nfc');
    const caseTwin = await dav.request({ method: 'PUT', path: '/dav/alpha/report.csv', body: 'two' });
    expect(caseTwin.status).toBe(409);
    expect(errorMessage(caseTwin)).toContain('"Report.csv" is already in this folder');
    const folderTwin = await dav.request({ method: 'MKCOL', path: '/dav/alpha/REPORT.CSV' });
    expect(folderTwin.status).toBe(409);
    const nfdTwin = await dav.request({ method: 'PUT', path: `/dav/alpha/${encodeURIComponent('cafe\u0301.txt')}`, body: 'nfd' });
    // NFD is read as its NFC form: it is the same name, so it is the same file, not a second one.
    expect(nfdTwin.status).toBe(204);
    expect(dav.drives.contentOf('alpha', 'caf\u00e9.txt')).toBe('nfd');
    expect(dav.drives.contentOf('alpha', 'Report.csv')).toBe('one');
  });

  it('reads an entry by any spelling of its name, but writes only by its own (409 for another)', async () => {
    await dav.drives.seed('alpha', 'Results', null);
    await dav.drives.seed('alpha', 'Results/Table.csv', 'kept');
    expect((await dav.request({ method: 'GET', path: '/dav/alpha/RESULTS/TABLE.CSV' })).text).toBe('kept');
    const twin = await dav.request({ method: 'PUT', path: '/dav/alpha/results/table.csv', body: 'other' });
    expect(twin.status).toBe(409);
    expect(errorMessage(twin)).toContain('"Table.csv" is already in this folder');
    // The folder's spelling does not matter for a name of its own: the file goes in "Results".
    const inFolder = await dav.request({ method: 'PUT', path: '/dav/alpha/results/Table.csv', body: 'new' });
    expect(inFolder.status).toBe(204);
    expect(dav.drives.stored('alpha', 'Results/Table.csv')?.path).toBe('Results/Table.csv');
    expect(dav.drives.contentOf('alpha', 'Results/Table.csv')).toBe('new');
  });

  it('refuses to move or copy onto another entry\u2019s twin, even with Overwrite: T (409), replacing nothing', async () => {
    await dav.drives.seed('alpha', 'Report.csv', 'report');
    await dav.drives.seed('alpha', 'draft.csv', 'draft');
    for (const method of ['MOVE', 'COPY']) {
      const answer = await dav.request({
        method,
        path: '/dav/alpha/draft.csv',
        headers: { destination: '/dav/alpha/REPORT.csv', overwrite: 'T' },
      });
      expect(answer.status).toBe(409);
    }
    expect(dav.drives.contentOf('alpha', 'Report.csv')).toBe('report');
    expect(dav.drives.trashOf('alpha')).toEqual([]);
  });

  it.each([
    ['CON.txt', 'device name on Windows'],
    ['bad%3Aname.txt', 'must not contain ":"'],
    ['trailing.', 'must not end with a space or a full stop'],
    ['tab%09name', 'control character'],
  ])('refuses the name %s with the name policy\u2019s reason', async (name, reason) => {
    const answer = await dav.request({ method: 'PUT', path: `/dav/alpha/${name}`, body: 'x' });
    expect(answer.status).toBe(400);
    expect(errorMessage(answer)).toContain(reason);
    expect(dav.drives.callsOf('write')).toEqual([]);
  });

  it('answers 409 for a file in a folder that does not exist', async () => {
    const answer = await dav.request({ method: 'PUT', path: '/dav/alpha/missing/file.txt', body: 'x' });
    expect(answer.status).toBe(409);
  });

  it('refuses to write into a folder as if it were a file (405)', async () => {
    await dav.drives.seed('alpha', 'results', null);
    const answer = await dav.request({ method: 'PUT', path: '/dav/alpha/results', body: 'x' });
    expect(answer.status).toBe(405);
  });
});

describe('folders, moves, copies and deletes', () => {
  it('makes a folder with MKCOL, and refuses a second with 405', async () => {
    expect((await dav.request({ method: 'MKCOL', path: '/dav/alpha/results' })).status).toBe(201);
    expect(dav.drives.stored('alpha', 'results')?.kind).toBe('folder');
    expect((await dav.request({ method: 'MKCOL', path: '/dav/alpha/results' })).status).toBe(405);
  });

  it('moves a whole folder in one drive call, not member by member', async () => {
    await dav.drives.seed('alpha', 'old', null);
    for (let i = 0; i < 5; i += 1) await dav.drives.seed('alpha', `old/file${i}.csv`, `${i}`);
    const answer = await dav.request({ method: 'MOVE', path: '/dav/alpha/old/', headers: { destination: '/dav/alpha/new/' } });
    expect(answer.status).toBe(201);
    expect(dav.drives.callsOf('move')).toEqual(['move alpha old -> new {"ifMatch":null,"overwrite":false}']);
    expect(dav.drives.callsOf('write')).toEqual([]);
    expect(dav.drives.callsOf('delete')).toEqual([]);
    expect(dav.drives.contentOf('alpha', 'new/file3.csv')).toBe('3');
    expect(dav.drives.stored('alpha', 'old')).toBeUndefined();
  });

  it('renames by case alone in place (MOVE Report.csv to report.csv)', async () => {
    await dav.drives.seed('alpha', 'Report.csv', 'one');
    const answer = await dav.request({ method: 'MOVE', path: '/dav/alpha/Report.csv', headers: { destination: '/dav/alpha/report.csv' } });
    expect(answer.status).toBe(201);
    expect(dav.drives.stored('alpha', 'report.csv')?.name).toBe('report.csv');
    expect(dav.drives.trashOf('alpha')).toEqual([]);
  });

  it('honours Overwrite: F (412) and replaces with Overwrite: T (204, the replaced file to the trash)', async () => {
    await dav.drives.seed('alpha', 'a.txt', 'a');
    await dav.drives.seed('alpha', 'b.txt', 'b');
    const refused = await dav.request({
      method: 'MOVE',
      path: '/dav/alpha/a.txt',
      headers: { destination: '/dav/alpha/b.txt', overwrite: 'F' },
    });
    expect(refused.status).toBe(412);
    expect(dav.drives.contentOf('alpha', 'b.txt')).toBe('b');
    const replaced = await dav.request({
      method: 'MOVE',
      path: '/dav/alpha/a.txt',
      headers: { destination: '/dav/alpha/b.txt', overwrite: 'T' },
    });
    expect(replaced.status).toBe(204);
    expect(dav.drives.contentOf('alpha', 'b.txt')).toBe('a');
    expect(dav.drives.trashOf('alpha').map((entry) => entry.path)).toEqual(['b.txt']);
  });

  it('copies a whole folder in one drive call', async () => {
    await dav.drives.seed('alpha', 'src', null);
    await dav.drives.seed('alpha', 'src/a.txt', 'a');
    await dav.drives.seed('alpha', 'src/sub', null);
    await dav.drives.seed('alpha', 'src/sub/b.txt', 'b');
    const answer = await dav.request({ method: 'COPY', path: '/dav/alpha/src/', headers: { destination: '/dav/alpha/dst/' } });
    expect(answer.status).toBe(201);
    expect(dav.drives.callsOf('copy')).toEqual(['copy alpha src -> dst {"overwrite":false,"depth":"infinity"}']);
    expect(dav.drives.contentOf('alpha', 'dst/sub/b.txt')).toBe('b');
    expect(dav.drives.contentOf('alpha', 'src/sub/b.txt')).toBe('b');
  });

  it('refuses to copy or move something onto itself or a folder into itself (403)', async () => {
    await dav.drives.seed('alpha', 'src', null);
    const onto = await dav.request({ method: 'COPY', path: '/dav/alpha/src/', headers: { destination: '/dav/alpha/src/' } });
    expect(onto.status).toBe(403);
    const into = await dav.request({ method: 'MOVE', path: '/dav/alpha/src/', headers: { destination: '/dav/alpha/src/inner/' } });
    expect(into.status).toBe(403);
    expect(dav.drives.callsOf('move')).toEqual([]);
  });

  it('answers 409 for a destination whose folder does not exist', async () => {
    await dav.drives.seed('alpha', 'a.txt', 'a');
    const answer = await dav.request({ method: 'MOVE', path: '/dav/alpha/a.txt', headers: { destination: '/dav/alpha/nowhere/a.txt' } });
    expect(answer.status).toBe(409);
    expect(dav.drives.contentOf('alpha', 'a.txt')).toBe('a');
  });

  it('deletes a whole folder softly, in one drive call (one trash entry)', async () => {
    await dav.drives.seed('alpha', 'results', null);
    await dav.drives.seed('alpha', 'results/a.csv', 'a');
    await dav.drives.seed('alpha', 'results/b.csv', 'b');
    const answer = await dav.request({ method: 'DELETE', path: '/dav/alpha/results/' });
    expect(answer.status).toBe(204);
    expect(dav.drives.callsOf('delete')).toEqual(['delete alpha results null']);
    expect(dav.drives.trashOf('alpha').map((entry) => [entry.path, entry.kind])).toEqual([['results', 'folder']]);
  });

  it('passes a DELETE\u2019s If-Match to the drive, and answers a stale one with 412', async () => {
    const first = await dav.drives.seed('alpha', 'a.txt', 'a');
    await dav.drives.seed('alpha', 'a.txt', 'changed');
    const answer = await dav.request({ method: 'DELETE', path: '/dav/alpha/a.txt', headers: { 'if-match': first.etag ?? '' } });
    expect(answer.status).toBe(412);
    expect(dav.drives.contentOf('alpha', 'a.txt')).toBe('changed');
  });

  it('refuses to delete the drive itself', async () => {
    const answer = await dav.request({ method: 'DELETE', path: '/dav/alpha/' });
    expect(answer.status).toBe(403);
    expect(dav.drives.callsOf('delete')).toEqual([]);
  });
});

describe('properties', () => {
  it('keeps dead properties through PROPPATCH and answers them in PROPFIND; live ones are protected', async () => {
    await dav.drives.seed('alpha', 'a.txt', 'a');
    const patch =
      '<?xml version="1.0"?><propertyupdate xmlns="DAV:" xmlns:e="urn:example"><set><prop><e:status>checked</e:status></prop></set></propertyupdate>';
    const patched = await dav.request({
      method: 'PROPPATCH',
      path: '/dav/alpha/a.txt',
      headers: { 'content-type': 'application/xml' },
      body: patch,
    });
    expect(patched.status).toBe(207);
    expect(patched.text).toContain('200 OK');
    const find = '<?xml version="1.0"?><propfind xmlns="DAV:" xmlns:e="urn:example"><prop><e:status/></prop></propfind>';
    const found = await dav.request({
      method: 'PROPFIND',
      path: '/dav/alpha/a.txt',
      headers: { depth: '0', 'content-type': 'application/xml' },
      body: find,
    });
    expect(found.text).toContain('checked');
    const protectedPatch =
      '<?xml version="1.0"?><propertyupdate xmlns="DAV:"><set><prop><getetag>"forged"</getetag></prop></set></propertyupdate>';
    const refused = await dav.request({
      method: 'PROPPATCH',
      path: '/dav/alpha/a.txt',
      headers: { 'content-type': 'application/xml' },
      body: protectedPatch,
    });
    expect(refused.text).toContain('403 Forbidden');
    expect(refused.text).toContain('cannot-modify-protected-property');
  });

  it('answers every dead property in allprop, also several of one name in different namespaces', async () => {
    await dav.drives.seed('alpha', 'a.txt', 'a');
    const sets = ['urn:one', 'urn:two', 'urn:three']
      .map((namespace) => `<D:set><D:prop><status xmlns="${namespace}">in ${namespace}</status></D:prop></D:set>`)
      .join('');
    const patch = `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:">${sets}</D:propertyupdate>`;
    await dav.request({ method: 'PROPPATCH', path: '/dav/alpha/a.txt', headers: { 'content-type': 'application/xml' }, body: patch });
    const all = await dav.request({
      method: 'PROPFIND',
      path: '/dav/alpha/a.txt',
      headers: { depth: '0', 'content-type': 'application/xml' },
      body: '<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/></propfind>',
    });
    for (const namespace of ['urn:one', 'urn:two', 'urn:three']) expect(all.text).toContain(`in ${namespace}</`);
  });

  it('answers a body that is not well-formed XML with 400, not as a failure of the platform', async () => {
    for (const body of [
      '<propfind xmlns="DAV:"><prop></propfind>',
      '<D:propfind xmlns:D="DAV:"><D:prop><bar:foo/></D:prop></D:propfind>',
    ]) {
      const answer = await dav.request({
        method: 'PROPFIND',
        path: '/dav/alpha/',
        headers: { depth: '0', 'content-type': 'application/xml' },
        body,
      });
      expect(answer.status).toBe(400);
      expect(errorMessage(answer)).toContain('not well-formed');
    }
  });

  it('refuses an XML body larger than the limit (413), of unknown length (411) or compressed (415), before reading it', async () => {
    const tooLarge = await dav.request({
      method: 'PROPFIND',
      path: '/dav/alpha/',
      headers: { 'content-length': 5 * 1024 * 1024 },
      body: undefined,
    });
    expect(tooLarge.status).toBe(413);
    const chunked = await dav.request({
      method: 'PROPPATCH',
      path: '/dav/alpha/',
      headers: { 'transfer-encoding': 'chunked' },
      body: '<x/>',
    });
    expect(chunked.status).toBe(411);
    // A compressed XML body could inflate to far more than the limit: refused unread.
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 32));
    const compressed = await dav.request({ method: 'PROPFIND', path: '/dav/alpha/', headers: { 'content-encoding': 'gzip' }, body: bomb });
    expect(compressed.status).toBe(415);
  });
});

describe('failures', () => {
  it('answers an unexpected failure with 500 and a message that tells nothing of it (no stack)', async () => {
    await dav.drives.seed('alpha', 'a.txt', 'a');
    dav.drives.failNext = { method: 'read', error: new Error('SQLITE_CORRUPT at /srv/platform/drives.db line 42') };
    const answer = await dav.request({ method: 'GET', path: '/dav/alpha/a.txt' });
    expect(answer.status).toBe(500);
    expect(answer.text).not.toContain('SQLITE');
    expect(answer.text).not.toContain('/srv/');
    expect(answer.text).not.toMatch(/at .*\.ts:\d+/);
    expect(errorMessage(answer)).toContain('The details are in its log');
  });

  it('answers an unknown address with 404 in the platform\u2019s error shape', async () => {
    const answer = await dav.request({ method: 'GET', path: '/dav/alpha/nothing.txt' });
    expect(answer.status).toBe(404);
    expect(errorCode(answer)).toBe('not_found');
  });
});
