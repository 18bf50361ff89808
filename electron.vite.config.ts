import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// The benchmark page (renderer/bench.html) exposes a run-any-SQL hook to drive the app's engine from the bench,
// so it is never part of the app either shell serves: only `npm run bench` builds it, into out/bench-renderer.
const benchBuild = process.env.ENCLAVE_BENCH_BUILD === '1';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Dependencies stay in node_modules (electron-vite's default); keytar too, though it is an optional
      // dependency: a native addon is loaded where npm built it, never copied into the bundle.
      externalizeDeps: { include: ['keytar'] },
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be CommonJS.
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'renderer'),
    plugins: [react()],
    worker: { format: 'es' },
    optimizeDeps: { exclude: ['@duckdb/duckdb-wasm'] },
    build: {
      outDir: resolve(import.meta.dirname, benchBuild ? 'out/bench-renderer' : 'out/renderer'),
      assetsInlineLimit: 0,
      // Outside the renderer's root, so Vite would keep files of an earlier build (such as a bench page) by default.
      emptyOutDir: true,
      chunkSizeWarningLimit: 8000,
      minify: true,
      rollupOptions: {
        input: benchBuild
          ? // The benchmark page drives the app's own DuckDB worker (npm run bench).
            { bench: resolve(import.meta.dirname, 'renderer/bench.html') }
          : { index: resolve(import.meta.dirname, 'renderer/index.html') },
      },
    },
  },
});
