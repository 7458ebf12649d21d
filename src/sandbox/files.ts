import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, extname, resolve } from "node:path";

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
