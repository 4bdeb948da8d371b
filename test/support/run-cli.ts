/** Runs the CLI from source (for tests and development): `node --import tsx test/support/run-cli.ts <args>`. */
import { main } from '../../src/cli/main.ts';

process.exitCode = await main(process.argv);
