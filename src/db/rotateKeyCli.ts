import { ConfigError, loadConfig } from "../config.ts";
import { loadEnvFile } from "../envFile.ts";
import { openDatabase } from "./client.ts";
import { rotateDataKey } from "./rotateKey.ts";
import { DataKeyError, parseDataKey } from "./secrets.ts";

// `npm run data:rotate-key`: DATA_KEY is the new key, DATA_KEY_OLD the one it replaces (unset
// when the values are plain so far). Stop Rally first; run again after a crash to continue.
loadEnvFile();
try {
  const config = loadConfig();
  if (config.DATA_KEY === undefined)
    throw new ConfigError("DATA_KEY (the new key) is not set: nothing to encrypt with.");
  const newKey = parseDataKey(config.DATA_KEY);
  const oldKey = config.DATA_KEY_OLD === undefined ? null : parseDataKey(config.DATA_KEY_OLD);
  if (!newKey) throw new ConfigError("DATA_KEY is not 32 bytes of base64.");
  const db = await openDatabase(config.DATABASE_URL);
  try {
    const { rows, values, memberIds } = await rotateDataKey(db, newKey, oldKey);
    process.stdout.write(
      `Encrypted ${values} values in ${rows} rows under key ${newKey.id}, and sealed ${memberIds} member ids; none left under another key. Start Rally with this DATA_KEY alone.\n`,
    );
  } finally {
    await db.$disconnect();
  }
} catch (error) {
  // One line, never a value or a key: which key id was missing is all an operator needs.
  const message =
    error instanceof DataKeyError
      ? `a value is encrypted with key ${error.keyId}, which neither DATA_KEY nor DATA_KEY_OLD is; what was done so far stays done.`
      : error instanceof ConfigError
        ? error.message
        : (error as Error).message;
  process.stderr.write(`Key rotation failed: ${message}\n`);
  process.exitCode = 1;
}
