import { runContractSuite } from './contract-suite.ts';
import { runWorkspaceContractSuite } from './workspace-suite.ts';
import { inProcessTransport } from './transports/index.ts';

runContractSuite('the in-process transport', inProcessTransport);
runWorkspaceContractSuite('the in-process transport', inProcessTransport);
