// Where Electron's binary is, if it was installed. Its npm package ships only a downloader; the binary
// comes from GitHub (or ELECTRON_MIRROR), which this machine cannot always reach.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function electronPackageDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('electron/package.json'));
}

/** The binary's path, or null with the reason it is missing. */
export function findElectronBinary(): { path: string } | { path: null; reason: string } {
  const dir = electronPackageDir();
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  let relative: string;
  try {
    relative = readFileSync(join(dir, 'path.txt'), 'utf8').trim();
  } catch {
    return { path: null, reason: "Electron's binary is not installed (npm run electron:fetch could not download it)" };
  }
  const binary = override ? join(override, relative) : join(dir, 'dist', relative);
  if (!existsSync(binary)) return { path: null, reason: `Electron's binary is missing at ${binary}` };
  return { path: binary };
}
