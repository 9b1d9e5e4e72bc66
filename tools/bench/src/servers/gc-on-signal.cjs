// Preloaded into benchmarked servers (node --expose-gc --require this): SIGUSR2 runs a full garbage
// collection, so the bench can tell live per-connection state from garbage not yet collected.
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc();
  process.stdout.write('GC done\n');
});
