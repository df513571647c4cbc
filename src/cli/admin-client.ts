// Finds the running daemon (--admin URL, else the configured unix socket) and calls its API.

import { existsSync } from "node:fs";
import { loadConfig } from "../config/load.ts";
import { SluiceError } from "../errors.ts";

/** GETs `path` from the daemon (at `adminUrl`, else the socket `configFile` names) as JSON. */
export async function fetchAdmin(
  configFile: string,
  adminUrl: string | undefined,
  path: string,
): Promise<unknown> {
  let response: Response;
  let target: string;
  try {
    if (adminUrl) {
      target = adminUrl;
      response = await fetch(new URL(path, adminUrl));
    } else {
      const config = existsSync(configFile) ? loadConfig(configFile) : undefined;
      const socket = config?.admin.socket ?? "/run/sluice/admin.sock";
      target = socket;
      response = await fetch(`http://localhost${path}`, { unix: socket });
    }
  } catch (error) {
    throw new SluiceError("admin", `cannot reach the sluice daemon: ${(error as Error).message}`);
  }
  if (!response.ok)
    throw new SluiceError(
      "admin",
      `${target}${path}: HTTP ${response.status}: ${await response.text()}`,
    );
  return response.json();
}
