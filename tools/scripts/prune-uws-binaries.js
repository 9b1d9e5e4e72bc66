// Deletes the uWebSockets.js native binaries this Node.js cannot load, keeping the one libs/uws
// picks (binaries/uws_<platform>_<arch>_<ABI>.node): the package ships one per OS, CPU and Node ABI
// (and copies beside its unused pure-JS fallback), ~110 MB of a ~180 MB production node_modules.
// Run by the Dockerfile's deps stage and the production-install test, with the Node.js that will
// run the services: `node tools/scripts/prune-uws-binaries.js [node_modules]`. Fails when no binary
// fits, so an image on an unsupported Node.js fails at build time rather than at the edge's start.
const fs = require('node:fs');
const path = require('node:path');

const pkg = path.join(process.argv[2] ?? 'node_modules', 'uWebSockets.js');
const keep = path.join(pkg, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
if (!fs.existsSync(keep)) {
  console.error(`prune-uws-binaries: ${keep} does not exist: this uWebSockets.js build has no binary for Node.js ${process.version}`);
  process.exit(1);
}
let removed = 0;
for (const dir of ['binaries', 'dist']) {
  for (const file of fs.readdirSync(path.join(pkg, dir))) {
    const full = path.join(pkg, dir, file);
    if (file.endsWith('.node') && full !== keep) {
      removed += fs.statSync(full).size;
      fs.rmSync(full);
    }
  }
}
console.log(`prune-uws-binaries: kept ${path.basename(keep)}, removed ${(removed / 1e6).toFixed(0)} MB`);
