// The browser shell on a random 127.0.0.1 port, reached the way the page reaches it: launch code, cookie, Origin.
import { runContractSuite } from './contract-suite.ts';
import { httpTransport } from './transports/index.ts';

runContractSuite('HTTP (the browser shell)', httpTransport);
