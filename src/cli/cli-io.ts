// The streams every `enclave` subcommand is given (tests pass their own), so no subcommand touches process.*.
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
