import { runContractSuite } from './contract-suite.ts';
import { inProcessTransport } from './transports/index.ts';

runContractSuite('the in-process transport', inProcessTransport);
