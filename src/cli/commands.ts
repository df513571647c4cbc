// The commands of `sluice` and `lbctl` (one executable), as data with lazy imports so that
// light commands never load gRPC.

import type { Status } from "../status.ts";
import { VERSION } from "../version.ts";
import { ADMIN_COMMANDS } from "./admin-commands.ts";
import { parseArgs, UsageError } from "./args.ts";
import {
  ADMIN_FLAGS,
  adminLookup,
  type Command,
  configPath,
  type Io,
  printJson,
  wantsColor,
} from "./command-kit.ts";

export type { Command, Io } from "./command-kit.ts";

/** Every command by name. */
export const COMMANDS: Record<string, Command> = {
  serve: {
    summary:
      "run the daemon: follow etcd, render haproxy.cfg and [[template]] files, supervise HAProxy",
    usage: "serve [--config FILE] [--once]",
    valued: ["config"],
    booleans: ["once"],
    async run(args) {
      const { loadConfig } = await import("../config/load.ts");
      const { requireSomethingToServe } = await import("../config/resolve-templates.ts");
      const config = loadConfig(configPath(args));
      requireSomethingToServe(config);
      if (args.flags.get("once")) {
        await (await import("../serve-once.ts")).renderOnce(config);
        return 0;
      }
      // Without [haproxy]: a plain renderer of the [[template]] files, as confd is.
      if (!config.haproxy) {
        return (await import("../resources/render-daemon.ts")).runRenderDaemon(config);
      }
      return (await import("../daemon.ts")).runDaemon(config);
    },
  },

  version: {
    summary: "print the version",
    usage: "version [--json]",
    valued: [],
    booleans: ["json"],
    async run(args, io) {
      if (args.flags.get("json")) printJson(io, { version: VERSION });
      else io.out(`sluice ${VERSION}\n`);
      return 0;
    },
  },

  check: {
    summary: "validate sluice.toml, the template and the rendered config (haproxy -c)",
    usage: "check [--config FILE] [--json]",
    valued: ["config"],
    booleans: ["json"],
    async run(args, io) {
      const { checkOffline, formatCheck } = await import("./check.ts");
      const result = await checkOffline(configPath(args));
      if (args.flags.get("json")) printJson(io, result);
      else if (result.ok) io.out(formatCheck(result));
      else io.err(`check failed: ${result.error}\n`);
      return result.ok ? 0 : 1;
    },
  },

  status: {
    summary: "show what the daemon is doing (GET /v1/status)",
    usage: "status [--admin URL] [--config FILE] [--token-file FILE] [--json]",
    valued: ADMIN_FLAGS,
    booleans: ["json"],
    async run(args, io) {
      const { fetchAdmin } = await import("./admin-client.ts");
      const status = await fetchAdmin(adminLookup(args), "/v1/status");
      if (args.flags.get("json")) printJson(io, status);
      else {
        const { formatStatus } = await import("./format.ts");
        const { createStyle } = await import("./table.ts");
        io.out(formatStatus(status as Status, createStyle(wantsColor(io, args))));
      }
      return 0;
    },
  },

  reload: {
    summary: "render and apply now, reloading HAProxy (POST /v1/reload; systemd's ExecReload)",
    usage: "reload [--admin URL] [--config FILE] [--token-file FILE] [--json]",
    valued: ADMIN_FLAGS,
    booleans: ["json"],
    async run(args, io) {
      const { reloadDaemon } = await import("./reload.ts");
      const report = await reloadDaemon(adminLookup(args));
      if (args.flags.get("json")) printJson(io, report.body);
      else if (report.ok) io.out(`${report.message}\n`);
      else io.err(`${report.message}\n`);
      return report.ok ? 0 : 1;
    },
  },

  ...ADMIN_COMMANDS,

  render: {
    summary: "offline: render the template to stdout from the state_dir's (or FILE's) snapshot",
    usage: "render [--snapshot FILE] [--config FILE] [--json]",
    valued: ["snapshot", "config"],
    booleans: ["json"],
    async run(args, io) {
      const { renderOffline } = await import("./render.ts");
      const snapshot = args.flags.get("snapshot");
      const result = await renderOffline(
        configPath(args),
        typeof snapshot === "string" ? snapshot : undefined,
      );
      if (args.flags.get("json")) printJson(io, result);
      else io.out(result.config);
      return 0;
    },
  },

  "import-confd": {
    summary:
      "convert a confd confdir (confd.toml, conf.d/*.toml, Go templates) into sluice.toml and Liquid templates; prints a report, exits 1 when something needs you",
    usage:
      "import-confd [DIR] --out DIR [--units FILE]... [--force] [--copy-v2-keys [--v2-endpoint URL,...] [--etcd URL,...] [--overwrite]] [--json]",
    valued: ["out", "v2-endpoint", "etcd"],
    booleans: ["copy-v2-keys", "overwrite", "force", "json"],
    repeated: ["units"],
    async run(args, io) {
      const { importArgs } = await import("../import-confd/args.ts");
      const { runImport } = await import("../import-confd/run.ts");
      return runImport(importArgs(args), io);
    },
  },

  completion: {
    summary: "print the bash completion script (the RPM installs it)",
    usage: "completion bash",
    valued: [],
    booleans: [],
    async run(args, io) {
      if (args.positionals.length !== 1 || args.positionals[0] !== "bash") {
        throw new UsageError("only bash is supported: lbctl completion bash");
      }
      const { bashCompletion } = await import("./completion.ts");
      io.out(bashCompletion("lbctl", COMMANDS));
      return 0;
    },
  },

  register: {
    summary: "register SVC at ADDR on an etcd lease and keep it; delete it on SIGTERM/SIGINT",
    usage:
      "register SVC ADDR [--name N] [--ttl 10s] [--weight W] [--meta k=v]... [--drain-on-stop D] [--etcd URL,...] [--config FILE]",
    valued: ["name", "ttl", "weight", "drain-on-stop", "etcd", "config"],
    booleans: [],
    repeated: ["meta"],
    async run(args, io) {
      // Arguments first: a mistake is reported before gRPC is loaded.
      const { parseRegisterArgs } = await import("../register/request.ts");
      const request = parseRegisterArgs(args);
      const { runRegister } = await import("../register/run.ts");
      return runRegister(request, io);
    },
  },

  deregister: {
    summary: "delete the registration <prefix>SVC/NAME from etcd (1 when there is none)",
    usage: "deregister SVC NAME [--etcd URL,...] [--config FILE] [--json]",
    valued: ["etcd", "config"],
    booleans: ["json"],
    async run(args, io) {
      const { parseDeregisterArgs } = await import("../register/request.ts");
      const request = parseDeregisterArgs(args);
      const { runDeregister } = await import("../register/run.ts");
      return runDeregister(request, io, args.flags.get("json") === true);
    },
  },
};

/** The usage text listing every command. */
export function usage(program: string): string {
  const lines = Object.values(COMMANDS).map(
    (command) => `  ${command.usage}\n      ${command.summary}`,
  );
  return `usage: ${program} <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

/** Runs one command line; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function runCommand(program: string, argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    io.out(usage(program));
    return name ? 0 : 2;
  }
  if (name === "--version")
    return COMMANDS.version!.run({ flags: new Map(), lists: new Map(), positionals: [] }, io);
  const command = COMMANDS[name];
  if (!command) {
    io.err(`${program}: unknown command "${name}"\n${usage(program)}`);
    return 2;
  }
  try {
    const args = parseArgs(rest, command.valued, command.booleans, command.repeated);
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${program} ${name}: ${error.message}\nusage: ${program} ${command.usage}\n`);
      return 2;
    }
    io.err(`${program} ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
