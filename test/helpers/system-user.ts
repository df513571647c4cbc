// The unprivileged system user the unit runs sluice as (User=sluice), and setpriv to run a command
// as that user with only CAP_NET_BIND_SERVICE (AmbientCapabilities=CAP_NET_BIND_SERVICE).

export type SystemUser = { name: string; uid: number; gid: number };

function idOf(flag: "-u" | "-g", name: string): number | undefined {
  const result = Bun.spawnSync(["id", flag, name], { stdout: "pipe", stderr: "ignore" });
  return result.exitCode === 0 ? Number(result.stdout.toString().trim()) : undefined;
}

/** The system user `name`, created the way the package does if it does not exist (needs root). */
export function ensureSystemUser(name: string): SystemUser {
  if (idOf("-u", name) === undefined) {
    const created = Bun.spawnSync(
      [
        "useradd",
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir",
        "/var/lib/sluice",
        "--shell",
        "/usr/sbin/nologin",
        name,
      ],
      { stderr: "pipe" },
    );
    // Another test may have created it meanwhile (exit 9: the user exists).
    if (created.exitCode !== 0 && created.exitCode !== 9) {
      throw new Error(`useradd ${name} failed: ${created.stderr.toString()}`);
    }
  }
  return { name, uid: idOf("-u", name)!, gid: idOf("-g", name)! };
}

/** `argv` run as `user` with CAP_NET_BIND_SERVICE as its only capability, ambient like the unit's. */
export function asUnitUser(user: SystemUser, argv: string[]): string[] {
  return [
    "setpriv",
    `--reuid=${user.name}`,
    `--regid=${user.name}`,
    "--init-groups",
    "--inh-caps=-all,+net_bind_service",
    "--ambient-caps=-all,+net_bind_service",
    "--bounding-set=-all,+net_bind_service",
    "--",
    ...argv,
  ];
}
