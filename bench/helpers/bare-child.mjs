// Like bare-child.cjs, as an ES module (our worker entry is ESM): the ESM loader's share of a spawn.
process.send('ready');
process.on('disconnect', () => process.exit(0));
