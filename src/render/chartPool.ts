import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { CountChartInput } from "./countChart.ts";
import { shippedFile } from "./shippedFile.ts";

/**
 * Draws count charts. Chart.js and the canvas load on the first chart, not at start: a process
 * that never posts a summary never pays their memory. Run from the dist/ bundle (`npm start`),
 * charts are drawn in worker threads, as many as the machine has cores beyond the main thread
 * (at least one, at most four), started on the first chart: a minute where hundreds of
 * summaries fall due then uses every core, and interactions are not kept waiting behind
 * charts. Run from source (tests, tsx) there is no compiled worker to start, so charts are
 * drawn in this thread, by the same code.
 */
export function renderChart(input: CountChartInput): Promise<Buffer> {
  if (!bundled) return import("./countChart.ts").then((module) => module.renderCountChart(input));
  return pool.draw(input);
}

/** Stops the workers (they do not keep the process alive; this is for a clean stop). */
export async function stopChartWorkers(): Promise<void> {
  await pool.stop();
}

const bundled = import.meta.url.endsWith(".js");
/** Built by esbuild.config.mjs from src/render/chartWorker.ts. */
export const chartWorkerFile = shippedFile("dist", "render", "chartWorker.js");

interface Pending {
  resolve: (png: Buffer) => void;
  reject: (error: Error) => void;
}

export interface ChartPool {
  draw(input: CountChartInput): Promise<Buffer>;
  stop(): Promise<void>;
  /** Workers running now. */
  size(): number;
}

export function createChartPool(
  workerFile: string,
  size = Math.min(4, Math.max(1, availableParallelism() - 1)),
): ChartPool {
  const workers: { worker: Worker; pending: Map<number, Pending> }[] = [];
  let next = 0;
  let ids = 0;

  function start() {
    const worker = new Worker(workerFile);
    // Idle workers must not keep a stopping process alive.
    worker.unref();
    const entry = { worker, pending: new Map<number, Pending>() };
    worker.on("message", (message: { id: number; png?: ArrayBuffer; error?: string }) => {
      const waiting = entry.pending.get(message.id);
      entry.pending.delete(message.id);
      if (!waiting) return;
      if (message.png) waiting.resolve(Buffer.from(message.png));
      else waiting.reject(new Error(`chart not drawn: ${message.error ?? "no reason"}`));
    });
    // A worker that dies fails what it was drawing and is replaced on the next chart.
    const fail = (error: Error) => {
      for (const waiting of entry.pending.values()) waiting.reject(error);
      entry.pending.clear();
      const index = workers.indexOf(entry);
      if (index >= 0) workers.splice(index, 1);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`chart worker exited with ${code}`)));
    workers.push(entry);
    return entry;
  }

  return {
    draw(input: CountChartInput): Promise<Buffer> {
      const entry = workers.length < size ? start() : workers[next++ % workers.length];
      if (!entry) return Promise.reject(new Error("no chart worker"));
      const id = ++ids;
      return new Promise<Buffer>((resolve, reject) => {
        entry.pending.set(id, { resolve, reject });
        entry.worker.ref();
        entry.worker.postMessage({ id, input });
      }).finally(() => {
        if (entry.pending.size === 0) entry.worker.unref();
      });
    },
    async stop() {
      await Promise.all(workers.splice(0).map((entry) => entry.worker.terminate()));
    },
    size: () => workers.length,
  };
}

const pool = createChartPool(chartWorkerFile);
