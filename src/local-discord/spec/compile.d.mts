// Types of compile.mjs, which is plain JavaScript so that esbuild.config.mjs can run it.
import type Ajv from "ajv/dist/2020";

export declare const generatedFile: string;
export declare const operations: Record<string, [path: string, method: string]>;
export declare function createAjv(source?: boolean): Ajv;
export declare function bodyReference(operation: [path: string, method: string]): string;
export declare function generateValidators(): boolean;
