import { createCanvas, DOMMatrix, ImageData, Path2D } from "@napi-rs/canvas";
import type { Canvas } from "@napi-rs/canvas";
import jsQRModule from "jsqr";

// pdf.js polyfills these from its own copy of @napi-rs/canvas when they are missing; the
// project's copy keeps its paths and canvases usable on the canvases made here.
Object.assign(globalThis, { DOMMatrix, ImageData, Path2D });
const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
// jsqr is CommonJS with `exports.default`: Node's default import is the whole module.
const jsQR = jsQRModule.default;

/** pdf.js draws scratch canvases with this (the project's @napi-rs/canvas), not its own copy. */
class CanvasFactory {
  create(width: number, height: number) {
    const canvas = createCanvas(width, height);
    return { canvas, context: canvas.getContext("2d") };
  }
  reset(target: { canvas: Canvas }, width: number, height: number) {
    target.canvas.width = width;
    target.canvas.height = height;
  }
  destroy(target: { canvas: Canvas | null; context: unknown }) {
    if (target.canvas) target.canvas.width = target.canvas.height = 0;
    target.canvas = null;
    target.context = null;
  }
}

export interface ReadPdf {
  pages: number;
  width: number;
  height: number;
  /** Every text run on page 1, joined without spaces: wrapping cannot break a match. */
  text: string;
  /** Page 1, RGBA; 100 dpi is enough for a short link's QR code, and jsQR slows with pixels. */
  image: { data: Uint8ClampedArray; width: number; height: number };
}

/** Reads a PDF as a member's viewer would: its pages, page 1's text and page 1 drawn. */
export async function readPdf(pdf: Buffer, dpi = 100): Promise<ReadPdf> {
  const doc = await pdfjs.getDocument({
    data: new Uint8Array(pdf),
    CanvasFactory,
    isEvalSupported: false,
    verbosity: 0,
  }).promise;
  try {
    const page = await doc.getPage(1);
    const content = await page.getTextContent();
    const text = content.items
      .map((item) => ("str" in item ? item.str : ""))
      .join("")
      .replace(/\s+/g, "");
    const [, , width = 0, height = 0] = page.view;
    const viewport = page.getViewport({ scale: dpi / 72 });
    const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
    const context = canvas.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvas: null, canvasContext: context, viewport }).promise;
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return { pages: doc.numPages, width, height, text, image };
  } finally {
    await doc.destroy();
  }
}

/** The QR code in an image, decoded as a phone would, or null when there is none. */
export function findQr({ data, width, height }: ReadPdf["image"]): string | null {
  return jsQR(data, width, height, { inversionAttempts: "dontInvert" })?.data ?? null;
}
