import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, delimiter, extname, join, resolve } from "node:path";

/** An attachment option's file, as the local Discord takes it (`SlashInput.attachments`). */
export interface UploadedFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

const contentTypes: Record<string, string> = {
  ".csv": "text/csv",
  ".txt": "text/plain",
  ".json": "application/json",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
};

export function contentTypeOf(filename: string): string {
  return contentTypes[extname(filename).toLowerCase()] ?? "application/octet-stream";
}

/**
 * `file:@./tasks.csv`, as curl takes a file: the file at that path (from the directory the
 * sandbox was started in, `~/` for home), read as Discord's client would upload it.
 */
export function fileForOption(option: string, typed: string): UploadedFile {
  if (!typed.startsWith("@")) {
    throw new Error(
      `${option} takes a file: write ${option}:@path/to/file, e.g. ${option}:@./tasks.csv (an @ before the path, as curl does).`,
    );
  }
  const given = typed.slice(1);
  const path = resolve(given.startsWith("~/") ? `${homedir()}${given.slice(1)}` : given);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new Error(`No file at ${given} (looked at ${path}).`);
  }
  const filename = basename(path);
  return { filename, contentType: contentTypeOf(filename), data: readFileSync(path) };
}

/** The files of a command's attachment options (type 11), typed as `name:@path`. */
export function attachmentsOf(
  typed: Record<string, string>,
  definitions: readonly { name: string; type: number }[],
): Record<string, UploadedFile> {
  const files: Record<string, UploadedFile> = {};
  for (const definition of definitions) {
    const value = typed[definition.name];
    if (definition.type === 11 && value !== undefined) {
      files[definition.name] = fileForOption(definition.name, value);
    }
  }
  return files;
}

/** A file Rally sent, saved for the person at the prompt. */
export interface SavedFile {
  attachmentId: string;
  path: string;
  size: number;
}

/**
 * Saves a file Rally sent under `dir` once (by its attachment id), under its own name or, when
 * that is taken, name-2.ext, name-3.ext…; `saved` is the list of files saved so far, oldest first.
 */
export function saveSentFile(
  dir: string,
  file: { id: string; filename: string; data: Buffer },
  saved: SavedFile[],
): SavedFile {
  const known = saved.find((candidate) => candidate.attachmentId === file.id);
  if (known) return known;
  mkdirSync(dir, { recursive: true });
  // Only the name's last part, whatever the bot called it: nothing is written outside `dir`.
  const name = basename(file.filename).replace(/^\.+/, "") || "file";
  const extension = extname(name);
  const stem = name.slice(0, name.length - extension.length);
  let path = join(dir, name);
  for (let n = 2; existsSync(path); n += 1) path = join(dir, `${stem}-${n}${extension}`);
  writeFileSync(path, file.data);
  const entry = { attachmentId: file.id, path, size: file.data.length };
  saved.push(entry);
  return entry;
}

export function sizeText(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** `files`: the saved files, the most recent first, numbered as `open N` takes them. */
export function listSavedFiles(saved: SavedFile[]): string {
  if (saved.length === 0) return "No files yet: the files Rally sends are saved here.";
  return [...saved]
    .reverse()
    .map((file, index) => `  ${index + 1}. ${file.path} (${sizeText(file.size)})`)
    .join("\n");
}

/** The system's program that opens a file with its default application, if there is one. */
function systemOpener(): { command: string; args: string[] } | undefined {
  if (process.platform === "darwin") return { command: "open", args: [] };
  if (process.platform === "win32") return { command: "cmd", args: ["/c", "start", ""] };
  const found = (process.env["PATH"] ?? "")
    .split(delimiter)
    .some((dir) => dir !== "" && existsSync(join(dir, "xdg-open")));
  return found ? { command: "xdg-open", args: [] } : undefined;
}

/** `open N`: the N-th most recent saved file, opened with the system's opener or named. */
export function openSavedFile(saved: SavedFile[], n: number): string {
  const file = saved[saved.length - n];
  if (!file || !Number.isInteger(n) || n < 1) {
    return `! No file ${n}: ${saved.length} saved so far (type files to list them).`;
  }
  if (!existsSync(file.path)) return `! ${file.path} is no longer there.`;
  const opener = systemOpener();
  if (!opener) return `${file.path} (${sizeText(file.size)}): no program to open it here.`;
  const child = spawn(opener.command, [...opener.args, resolve(file.path)], {
    detached: true,
    stdio: "ignore",
  });
  child.on("error", () => undefined);
  child.unref();
  return `Opening ${file.path} (${sizeText(file.size)}).`;
}
