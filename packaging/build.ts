// Builds dist/sluice with `bun build --compile`. etcd3 reads proto/rpc.proto from disk when it is
// imported, which fails on a machine without node_modules; this build parses the protos now and
// embeds them as JSON descriptors (loaded with proto-loader's fromJSON), so the executable reads
// nothing from disk.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import protobuf from "protobufjs";

const root = join(import.meta.dir, "..");
const outfile = process.argv[2] ?? join(root, "dist", "sluice");
// A Bun compile target such as "bun-linux-arm64" cross-compiles; default: this machine.
const target = process.argv[3] as Bun.Build.CompileTarget | undefined;
const protoDir = join(root, "node_modules", "etcd3", "proto");
// biome-ignore lint/suspicious/noTemplateCurlyInString: this is the source text to find
const LOAD_CALL = "(0, proto_loader_1.loadSync)(`${__dirname}/../proto/rpc.proto`, {";

const protoRoot = new protobuf.Root();
protoRoot.loadSync(join(protoDir, "rpc.proto"), { keepCase: true });
const descriptor = JSON.stringify(protoRoot.toJSON());

const embedEtcdProtos: Bun.BunPlugin = {
  name: "embed-etcd3-protos",
  setup(build) {
    build.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, ({ path }) => {
      const source = readFileSync(path, "utf8");
      if (!source.includes(LOAD_CALL)) {
        throw new Error(`${path}: the rpc.proto load call changed; update packaging/build.ts`);
      }
      const replaced = source.replace(LOAD_CALL, `(0, proto_loader_1.fromJSON)(${descriptor}, {`);
      return { contents: replaced, loader: "js" };
    });
  },
};

const result = await Bun.build({
  // The render worker is an entry point of its own: the executable then holds it as
  // /$bunfs/root/render/render-worker.js (src/render/off-loop.ts starts it from there).
  entrypoints: [join(root, "src", "main.ts"), join(root, "src", "render", "render-worker.ts")],
  compile: { outfile, ...(target ? { target } : {}), autoloadDotenv: false, autoloadBunfig: false },
  target: "bun",
  minify: { syntax: true, whitespace: true },
  sourcemap: "none",
  // Precompiled bytecode: the executable starts without parsing its ~10 MB of JavaScript, which
  // takes `lbctl status` from about 80 ms to about 20 ms. Bytecode needs CommonJS output, so
  // src/main.ts has no top-level await.
  bytecode: true,
  format: "cjs",
  plugins: [embedEtcdProtos],
});
if (!result.success) {
  for (const message of result.logs) console.error(message);
  process.exit(1);
}
console.log(`built ${outfile}`);
