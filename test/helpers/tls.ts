// Throwaway certificates for TLS tests, made with openssl: a CA, a server certificate for
// 127.0.0.1, a client certificate, and a client certificate from an unrelated ("wrong") CA.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** File names inside a TLS directory; every file is PEM. */
export const TLS_FILES = {
  ca: "ca.pem",
  serverCert: "server.pem",
  serverKey: "server-key.pem",
  clientCert: "client.pem",
  clientKey: "client-key.pem",
  wrongCa: "wrong-ca.pem",
  wrongClientCert: "wrong-client.pem",
  wrongClientKey: "wrong-client-key.pem",
} as const;

export type TlsFiles = { -readonly [K in keyof typeof TLS_FILES]: string };

export type TestTls = TlsFiles & {
  dir: string;
  cleanup(): void;
};

/** Paths of the files in a directory made by makeTls(). */
export function tlsFiles(dir: string): TlsFiles {
  const files = {} as TlsFiles;
  for (const [name, file] of Object.entries(TLS_FILES))
    files[name as keyof TlsFiles] = join(dir, file);
  return files;
}

function openssl(dir: string, args: string[]): void {
  const result = Bun.spawnSync(["openssl", ...args], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
    timeout: 30_000,
  });
  if (result.exitCode !== 0) {
    throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr.toString().trim()}`);
  }
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function makeCa(dir: string, base: string, name: string): void {
  openssl(dir, [
    "req",
    "-x509",
    ...KEY,
    "-keyout",
    `${base}-key.pem`,
    "-out",
    `${base}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

/** A key and a certificate signed by CA `ca` (files `<ca>.pem`, `<ca>-key.pem`). */
function makeLeaf(dir: string, ca: string, base: string, cn: string, extensions: string): void {
  writeFileSync(join(dir, `${base}.ext`), extensions);
  openssl(dir, [
    "req",
    "-new",
    ...KEY,
    "-keyout",
    `${base}-key.pem`,
    "-out",
    `${base}.csr`,
    "-subj",
    `/CN=${cn}`,
  ]);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${base}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}-key.pem`,
    "-set_serial",
    `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex")}`,
    "-days",
    "2",
    "-extfile",
    `${base}.ext`,
    "-out",
    `${base}.pem`,
  ]);
  rmSync(join(dir, `${base}.csr`));
  rmSync(join(dir, `${base}.ext`));
}

/** Makes a fresh directory of certificates; call cleanup() to remove it. */
export function makeTls(): TestTls {
  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "sluice-tls-"));
  try {
    const leaf = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n";
    makeCa(dir, "ca", "sluice test CA");
    makeLeaf(
      dir,
      "ca",
      "server",
      "127.0.0.1",
      `${leaf}subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n`,
    );
    makeLeaf(dir, "ca", "client", "sluice-client", `${leaf}extendedKeyUsage=clientAuth\n`);
    makeCa(dir, "wrong-ca", "unrelated test CA");
    makeLeaf(
      dir,
      "wrong-ca",
      "wrong-client",
      "sluice-client",
      `${leaf}extendedKeyUsage=clientAuth\n`,
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    ...tlsFiles(dir),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
