// The `soma` command line: wiring only; the commands live in libs/cli.
import { runCli } from '#soma/cli';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    controller.abort();
  });
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // The CLI's only configuration is SOMA_URL and SOMA_API_KEY, read here once.
  env: process.env,
  signal: controller.signal,
});
