// Validates a configuration file with `haproxy -c`.

import { HaproxyCheckError } from "../errors.ts";
import { childEnvironment } from "./process-runner.ts";

/** Runs `binary -c -f file`; throws HaproxyCheckError with HAProxy's alerts when it refuses. */
export async function checkConfig(binary: string, file: string, timeoutMs: number): Promise<void> {
  let child: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    child = Bun.spawn([binary, "-c", "-f", file], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      // Like every HAProxy sluice runs: nothing that would let it talk to systemd.
      env: childEnvironment(),
      timeout: timeoutMs,
    });
  } catch (error) {
    throw new HaproxyCheckError(`cannot run ${binary}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code === 0) return;
  const alerts = `${stderr}\n${stdout}`
    .split("\n")
    .filter((line) => /ALERT|error/i.test(line))
    .map((line) => line.replace(/^\[ALERT\]\s*\(\d+\)\s*:\s*/, "").trim())
    .slice(0, 5);
  const tail = `${stderr}\n${stdout}`
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-3);
  const reason = alerts.length > 0 ? alerts.join("; ") : [`exit code ${code}`, ...tail].join("; ");
  throw new HaproxyCheckError(`haproxy rejected ${file}: ${reason}`);
}
