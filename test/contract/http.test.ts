// The browser shell on a random 127.0.0.1 port, reached by the renderer's own transport
// (renderer/src/shell/transport.ts) over Node's fetch, the way the page reaches it: launch code from the fragment,
// session header, Origin.
import { runContractSuite } from './contract-suite.ts';
import { runWorkspaceContractSuite } from './workspace-suite.ts';
import { httpTransport } from './transports/index.ts';

runContractSuite('HTTP (the browser shell)', httpTransport);
runWorkspaceContractSuite('HTTP (the browser shell)', httpTransport);
