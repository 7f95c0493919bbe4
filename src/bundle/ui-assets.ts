import type { UiBundle } from "../http/ui-files";

let built: Promise<UiBundle> | undefined;

/**
 * The web UI's files. Run from source (`npm start`, the demo, the tests) they are built from src/ui/
 * on first use, with the esbuild the checkout has. In a bundle made with the Lambda esbuild options
 * (`serverless package`, src/bundle/esbuild.config.cjs), the embed-ui plugin puts the files built
 * at package time in place of this module, so the function neither builds nor reads files.
 */
export const uiBundle = (): Promise<UiBundle> => {
  built ??= import("./ui-build")
    .then((ui) => ui.buildUi())
    .then((b) => b.bundle)
    .catch((error: unknown) => {
      built = undefined;
      throw error;
    });
  return built;
};
