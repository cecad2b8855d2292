/**
 * The oomwatch version: package.json is its one source. `--version` of the CLI and of the forwarder image, the CDK stack's
 * `oomwatch:version` tag and (through scripts/sync-version.ts) the image tags in the forwarder
 * manifests and docs all read it from here; bundles inline it at build time.
 */
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
