// The renderer's entry. zod-jitless first (before any schema is built), then CSS, then the app: ./shell/boot.tsx
// picks the transport (Electron's bridge, or the browser shell's session) or shows the no-session screen.
import './shell/zod-jitless.ts';
import '@glideapps/glide-data-grid/dist/index.css';
import './shell/app.css';
import './workspace/workspace.css';
import { createRoot } from 'react-dom/client';
import { handledElsewhere } from '../../src/common/detached.ts';
import { boot } from './shell/boot.tsx';

const element = document.getElementById('root');
if (!element) throw new Error('index.html has no #root element');
const root = createRoot(element);
// boot shows what went wrong itself (the no-session screen).
handledElsewhere(boot(root));
