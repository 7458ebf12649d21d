// A worker thread that draws count charts (src/render/chartPool.ts sends the work): Chart.js and
// the canvas cost ~30 ms of CPU a chart, which here runs beside the main thread, not in it.
import { parentPort } from "node:worker_threads";
import { renderCountChart, type CountChartInput } from "./countChart.ts";

parentPort?.on("message", (message: { id: number; input: CountChartInput }) => {
  renderCountChart(message.input).then(
    (png) => {
      // A fresh copy of the PNG, handed over to the main thread (transferred, not copied again).
      const bytes = new Uint8Array(png).buffer;
      parentPort?.postMessage({ id: message.id, png: bytes }, [bytes]);
    },
    (error: unknown) =>
      parentPort?.postMessage({
        id: message.id,
        error: error instanceof Error ? error.message : String(error),
      }),
  );
});
