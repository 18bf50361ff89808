// Fetches Electron's binary through its own downloader (which honours ELECTRON_MIRROR). Where the download is
// not possible, say so and leave the browser shell as the way to run Enclave: never fail the install.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { electronPackageDir, findElectronBinary } from './electron-binary.ts';

const found = findElectronBinary();
if (found.path !== null) {
  console.log(`electron: binary present at ${found.path}`);
} else {
  const mirror = process.env.ELECTRON_MIRROR ? ` from ELECTRON_MIRROR=${process.env.ELECTRON_MIRROR}` : '';
  console.log(`electron: fetching the binary${mirror}…`);
  const result = spawnSync(process.execPath, [join(electronPackageDir(), 'install.js')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    timeout: 300_000,
    encoding: 'utf8',
  });
  const after = findElectronBinary();
  if (result.status === 0 && after.path) {
    console.log(`electron: binary installed at ${after.path}`);
  } else {
    const why = (result.stderr || result.error?.message || '').split('\n').find((line) => line.trim()) ?? 'unknown error';
    console.log(`electron: could not fetch the binary (${why.trim()}).`);
    console.log('electron: `npm start` will run the browser shell instead; set ELECTRON_MIRROR and run `npm run electron:fetch` to retry.');
  }
}
