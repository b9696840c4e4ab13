// Scale-up floor: the smallest forked Node child, which reports over IPC as soon as it runs.
process.send('ready');
process.on('disconnect', () => process.exit(0));
