// Where the e2e suite finds the app and puts its artifacts.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const CLI_PATH = join(REPO_ROOT, 'src', 'cli', 'enclave.ts');
export const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer');
export const ELECTRON_MAIN = join(REPO_ROOT, 'out', 'main', 'index.js');
/** Screenshots a person looks at after a run (test-results/ is kept out of lint and git). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-results', 'e2e');
export const AXE_SCRIPT = join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js');

/** The built renderer, or a clear instruction: the e2e suite tests what `electron-vite build` produced. */
export function assertRendererBuilt(): void {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error(
      `The renderer is not built (${join(RENDERER_DIR, 'index.html')} is missing). Run \`npx electron-vite build\` first (\`npm test\` does).`,
    );
  }
}

export function assertElectronMainBuilt(): void {
  if (!existsSync(ELECTRON_MAIN)) {
    throw new Error(
      `The Electron main is not built (${ELECTRON_MAIN} is missing). Run \`npx electron-vite build\` first (\`npm test\` does).`,
    );
  }
}
