// The arbiter's log port: timestamped lines on stdout/stderr (pm2 captures both).
export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export const consoleLogger: Logger = {
  info: (line) => console.log(`[pm2-dirty] ${line}`),
  warn: (line) => console.warn(`[pm2-dirty] WARNING: ${line}`),
  error: (line) => console.error(`[pm2-dirty] ERROR: ${line}`),
};
