// The renderer's entry. zod-jitless first (before any schema is built), then CSS, then the app.
import './zod-jitless.ts';
import '@glideapps/glide-data-grid/dist/index.css';
import './styles/app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from '../../src/common/client.ts';
import { createLocalEngine } from './analysis/engine.ts';
import { App } from './components/App.tsx';
import { readNonce } from './nonce.ts';
import { createTransport } from './transport.ts';

// DuckDB-wasm takes seconds to start: begin before the first render so it overlaps with the catalogue.
const engine = createLocalEngine();
const client = createClient(createTransport());
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App client={client} engine={engine} nonce={readNonce(document)} />
  </StrictMode>,
);
