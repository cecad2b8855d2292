/**
 * The zod every schema the functions load is written with: `zod/mini`, the same validation as
 * classic zod with functional checks (`z.string().check(z.minLength(1))`, `z.optional(s)`), which
 * esbuild can tree-shake. Classic zod put about 100 KiB into each function bundle (every schema
 * class with its methods and the JSON Schema converter); mini 37 KiB, against a 500 KiB budget
 * per bundle (docs/performance.md). The CLI, sandbox, infra and forwarder config keep classic zod;
 * both share zod's core, so classic schemas may contain these.
 *
 * Unlike classic zod, mini loads no messages: without the English locale every issue reads
 * "Invalid input". Importing zod from here (`import * as z from ".../schema/zod.ts"`) configures it
 * once per process. Re-exported with `export *`, not as a namespace object: esbuild tree-shakes
 * property accesses on an `import * as` namespace, but an exported namespace object keeps all of
 * zod, every locale included (420 KiB).
 */
import * as z from "zod/mini";
import { en } from "zod/locales";

z.config(en());

export * from "zod/mini";

/** Building blocks several schemas share. */
export const integer = z.number().check(z.int());
export const nonNegativeInt = z.number().check(z.int(), z.nonnegative());
/** A positive number setting, `byDefault` when absent (escalation and early-warning policies). */
export const positiveOr = (byDefault: number) => z._default(z.number().check(z.positive()), byDefault);
