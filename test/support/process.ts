import { type ChildProcess, spawn } from "node:child_process";

/** A child process whose output is collected, with a way to wait for a line. */
export function startProcess(command: string, args: string[], env: Record<string, string>, cwd?: string) {
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, ...env },
    ...(cwd === undefined ? {} : { cwd }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return {
    child,
    output: () => output,
    stderr: () => stderr,
    /** The exit code once the process has ended. */
    exited,
    async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const match = output.match(pattern);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}):\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`);
    },
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        process.kill(-child.pid, "SIGTERM");
        await exited;
      }
    },
  };
}
