// The `lbctl status` figure of `make bench`: the compiled lbctl spawned N times against a
// running daemon, timed from the spawn to its exit. Lazy loading keeps it light (no gRPC, no
// liquidjs, no daemon): the target is p50 < 50 ms.

import { join } from "node:path";

const LBCTL = join(import.meta.dir, "..", "dist", "lbctl");

/** `samples` runs of `lbctl status --admin adminUrl`, each from spawn to exit, ms; a failed run
 * throws with what lbctl printed. */
export async function measureLbctlStatus(adminUrl: string, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const startedAt = performance.now();
    const child = Bun.spawn([LBCTL, "status", "--admin", adminUrl], {
      stdout: "ignore",
      stderr: "pipe",
    });
    const code = await child.exited;
    times.push(performance.now() - startedAt);
    if (code !== 0) {
      throw new Error(`lbctl status exited ${code}: ${await new Response(child.stderr).text()}`);
    }
  }
  return times;
}
